// happens_before_test.cc: vector clocks and the execution order derived from queue order and
// waits.
#include "replay/happens_before.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "replay/command_table.h"
#include "replay/two_conv_stream.h"

namespace soma::replay {
namespace {

using ::soma::testing::kComputeQueue;
using ::soma::testing::kLoadQueue;
using ::soma::testing::kStoreQueue;
using ::soma::testing::MakeTwoConvStream;
using ::testing::ElementsAre;

TEST(HappensBeforeTest, ClocksFollowQueueOrderAndWaits) {
  // The first output store waits for conv2's first tile, which waited for all three loads.
  const stream::CommandStream command_stream = MakeTwoConvStream();
  const CommandTable table(command_stream);
  FindingList findings;
  const HappensBefore happens_before = HappensBefore::Derive(table, &findings);
  ASSERT_TRUE(happens_before.complete());
  EXPECT_TRUE(findings.empty());

  const int first_store = table.WorkId(kStoreQueue, 0);
  EXPECT_THAT(happens_before.Clock(first_store), ElementsAre(3, 3, 0));
  const int conv1_first = table.WorkId(kComputeQueue, 0);
  EXPECT_THAT(happens_before.Clock(conv1_first), ElementsAre(0, 2, 0));

  const int conv2_weights = table.WorkId(kLoadQueue, 2);
  const int conv2_second = table.WorkId(kComputeQueue, 3);
  EXPECT_TRUE(happens_before.Before(conv2_weights, first_store));
  EXPECT_FALSE(happens_before.Before(conv2_second, first_store));
  EXPECT_FALSE(happens_before.Before(first_store, conv2_second));
  EXPECT_FALSE(happens_before.Before(conv2_weights, conv1_first));
  EXPECT_TRUE(happens_before.Before(conv1_first, conv2_second));
}

TEST(HappensBeforeTest, OrderRespectsEveryWait) {
  // Queues take turns, and a command runs only after everything its clock counts.
  const stream::CommandStream command_stream = MakeTwoConvStream();
  const CommandTable table(command_stream);
  FindingList findings;
  const HappensBefore happens_before = HappensBefore::Derive(table, &findings);
  ASSERT_TRUE(happens_before.complete());
  ASSERT_EQ(happens_before.order().size(), 9u);
  std::vector<int> executed_per_queue(3, 0);
  for (int work_id : happens_before.order()) {
    const absl::Span<const int32_t> clock = happens_before.Clock(work_id);
    for (int queue = 0; queue < 3; ++queue) {
      EXPECT_GE(executed_per_queue[queue], clock[queue]) << table.DescribeWork(work_id);
    }
    ++executed_per_queue[table.work(work_id).ref.queue];
  }
  // Round 1 and 2 run only loads; round 3 starts conv1.
  EXPECT_EQ(happens_before.order()[0], table.WorkId(kLoadQueue, 0));
  EXPECT_EQ(happens_before.order()[1], table.WorkId(kLoadQueue, 1));
  EXPECT_EQ(happens_before.order()[2], table.WorkId(kComputeQueue, 0));
}

}  // namespace
}  // namespace soma::replay
