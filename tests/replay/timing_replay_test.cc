// timing_replay_test.cc: the timing level against a schedule derived by hand, and its
// mismatch findings.
#include "replay/timing_replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arch/cost_model.h"
#include "replay/stream_edits.h"
#include "replay/two_conv_stream.h"

namespace soma::replay {
namespace {

using ::soma::testing::InsertCommand;
using ::soma::testing::kComputeQueue;
using ::soma::testing::kLoadQueue;
using ::soma::testing::kStoreQueue;
using ::soma::testing::MakeTwoConvStream;
using ::soma::testing::MutableCommand;
using ::soma::testing::TwoConvLatencyCycles;
using ::soma::testing::WaitCommand;
using ::testing::HasSubstr;

TimingReport Replay(const stream::CommandStream& command_stream) {
  absl::StatusOr<TimingReport> report = ReplayTiming(command_stream);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : TimingReport{};
}

int64_t Cycles(const stream::CommandStream& command_stream, int queue, int index) {
  return command_stream.queues(queue).commands(index).cycles();
}

TEST(TimingReplayTest, MatchesHandDerivedSchedule) {
  // Loads run back to back at one byte per cycle. conv1 starts after x and its weights are
  // loaded, and conv2 after conv1 and its weights. Each store starts when its tile is done.
  const stream::CommandStream command_stream = MakeTwoConvStream();
  const TimingReport report = Replay(command_stream);
  EXPECT_TRUE(report.ok()) << report.Summary();
  ASSERT_EQ(report.commands.size(), 3u);

  const auto& loads = report.commands[kLoadQueue];
  EXPECT_EQ(loads[0].start_cycle, 0);
  EXPECT_EQ(loads[0].end_cycle, 256);
  EXPECT_EQ(loads[1].end_cycle, 544);
  EXPECT_EQ(loads[2].end_cycle, 832);

  const auto& computes = report.commands[kComputeQueue];
  const int64_t conv1_first = Cycles(command_stream, kComputeQueue, 1);
  const int64_t conv1_second = Cycles(command_stream, kComputeQueue, 2);
  const int64_t conv2_first = Cycles(command_stream, kComputeQueue, 4);
  const int64_t conv2_second = Cycles(command_stream, kComputeQueue, 5);
  EXPECT_GT(conv1_first, 0);
  EXPECT_EQ(computes[0].end_cycle, 544);  // Wait{1,2}: satisfied when conv1_w is loaded
  EXPECT_EQ(computes[1].start_cycle, 544);
  EXPECT_EQ(computes[2].end_cycle, 544 + conv1_first + conv1_second);
  const int64_t conv2_start = std::max<int64_t>(544 + conv1_first + conv1_second, 832);
  EXPECT_EQ(computes[4].start_cycle, conv2_start);
  EXPECT_EQ(computes[5].end_cycle, conv2_start + conv2_first + conv2_second);

  const auto& stores = report.commands[kStoreQueue];
  EXPECT_EQ(stores[1].start_cycle, conv2_start + conv2_first);
  EXPECT_EQ(stores[1].end_cycle, conv2_start + conv2_first + 128);
  const int64_t second_store_start =
      std::max(conv2_start + conv2_first + 128, conv2_start + conv2_first + conv2_second);
  EXPECT_EQ(stores[3].start_cycle, second_store_start);
  EXPECT_EQ(report.latency_cycles, second_store_start + 128);
  EXPECT_EQ(report.latency_cycles, TwoConvLatencyCycles());
  EXPECT_EQ(report.estimated_latency_cycles, TwoConvLatencyCycles());

  EXPECT_EQ(report.queues[kLoadQueue].busy_cycles, 832);
  EXPECT_EQ(report.queues[kLoadQueue].stall_cycles, 0);
  EXPECT_EQ(report.queues[kLoadQueue].idle_cycles, report.latency_cycles - 832);
  EXPECT_EQ(report.queues[kStoreQueue].busy_cycles, 256);
  EXPECT_EQ(report.queues[kStoreQueue].stall_cycles, second_store_start - 128);
  EXPECT_EQ(report.queues[kStoreQueue].idle_cycles, 0);
  EXPECT_EQ(report.queues[kComputeQueue].stall_cycles,
            544 + (conv2_start - (544 + conv1_first + conv1_second)));
}

TEST(TimingReplayTest, WrongCommandCyclesIsMismatch) {
  // A compute command claiming five more cycles than the cost model gives.
  stream::CommandStream command_stream = MakeTwoConvStream();
  const int64_t model_cycles = Cycles(command_stream, kComputeQueue, 1);
  MutableCommand(&command_stream, kComputeQueue, 1)->set_cycles(model_cycles + 5);
  const TimingReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kCyclesMismatch);
  EXPECT_EQ(report.findings.front().message,
            absl::StrCat("queue 0 command 1 (compute of layer 0 \"conv1\" box [0:1,0:8,0:4,0:8]; "
                         "node \"conv1\", group 0, subgroup 0, tile 0, position 0) has cycles ",
                         model_cycles + 5, ", but the cost model gives ", model_cycles, " cycles"));
  // The replay times the command with the cost model, so the latency still matches.
  EXPECT_EQ(report.latency_cycles, TwoConvLatencyCycles());
}

TEST(TimingReplayTest, WaitWithCyclesIsMismatch) {
  // Waits take no time, so a wait that claims cycles is wrong.
  stream::CommandStream command_stream = MakeTwoConvStream();
  MutableCommand(&command_stream, kStoreQueue, 2)->set_cycles(3);
  const TimingReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kCyclesMismatch);
  EXPECT_THAT(report.findings.front().message,
              HasSubstr("queue 2 command 2 (wait for 4 commands of queue 0) has cycles 3, but "
                        "waits take 0 cycles"));
}

TEST(TimingReplayTest, WrongEstimateIsMismatch) {
  // The stream's estimate one cycle above the replayed latency.
  stream::CommandStream command_stream = MakeTwoConvStream();
  command_stream.mutable_estimate()->set_latency_cycles(TwoConvLatencyCycles() + 1);
  const TimingReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kLatencyMismatch);
  EXPECT_EQ(report.findings.front().message,
            absl::StrCat("the replayed latency is ", TwoConvLatencyCycles(),
                         " cycles, but the stream's estimate is ", TwoConvLatencyCycles() + 1,
                         " cycles; codegen's waits differ from the dependencies the schedule "
                         "assumed"));
}

TEST(TimingReplayTest, ExtraWaitDelaysAndMismatches) {
  // A store that also waits for the last compute tile starts later than the estimate assumed.
  stream::CommandStream command_stream = MakeTwoConvStream();
  InsertCommand(&command_stream, kStoreQueue, 1, WaitCommand(kComputeQueue, 4));
  const TimingReport report = Replay(command_stream);
  EXPECT_GT(report.latency_cycles, TwoConvLatencyCycles());
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kLatencyMismatch);
}

TEST(TimingReplayTest, DeadlockStopsTheSimulation) {
  // The simulation needs a schedulable stream; a deadlock is reported instead.
  stream::CommandStream command_stream = MakeTwoConvStream();
  InsertCommand(&command_stream, kLoadQueue, 0, WaitCommand(kComputeQueue, 1));
  const TimingReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kDeadlock);
  EXPECT_EQ(report.latency_cycles, 0);
}

TEST(TimingReplayTest, MissingClockIsInvalidArgument) {
  // Without a clock the cost model cannot convert bandwidth into cycles.
  stream::CommandStream command_stream = MakeTwoConvStream();
  command_stream.mutable_hardware()->set_clock_hz(0);
  const absl::StatusOr<TimingReport> report = ReplayTiming(command_stream);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("hardware clock_hz is 0; the timing replay's cost model needs it positive"));
}

}  // namespace
}  // namespace soma::replay
