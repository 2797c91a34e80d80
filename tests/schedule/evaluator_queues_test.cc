// evaluator_queues_test.cc: chunked weight loads and several DMA queues, against timelines
// worked out by hand with unit costs.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plan_helpers.h"
#include "schedule/evaluator.h"
#include "schedule/program_builder.h"
#include "schedule/tiling_model.h"
#include "test_graphs.h"
#include "unit_costs.h"

namespace soma::schedule {
namespace {

using graph::Box;
using graph::LayerGraph;
using soma::testing::MakePlan;
using soma::testing::UnitCostModel;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kLargeBuffer = int64_t{1} << 40;

// x [1,4,2,2] -> a (1x1 conv, 4 channels): 16-byte weights, 16-byte input and output in
// one tile, compute 20 cycles, 1 byte per DMA cycle.
TilingModel SingleConv(int queues, int64_t chunk_bytes, int tiles = 1) {
  static const LayerGraph graph = soma::testing::SinglePointwiseConv();
  UnitCostModel costs;
  costs.tile_cycles = {{0, 20}};
  costs.dma_queues = queues;
  TilingOptions options;
  options.dma_chunk_bytes = chunk_bytes;
  auto model =
      TilingModel::Build(graph, MakePlan({{{{0}, tiles}}}), costs.Functions(), nullptr, options);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

TEST(ChunkedLoadTest, WeightSplitsIntoChunksThatPartitionItsResidency) {
  // 8-byte chunks cut the 16-byte weight into output channels [0,2) and [2,4): two
  // transfers (ids 0 and 1) that fill one residency; the tile waits for both.
  const TilingModel model = SingleConv(1, 8);
  ASSERT_EQ(model.transfer_count(), 4);
  const TransferInfo& first = model.transfers()[0];
  const TransferInfo& second = model.transfers()[1];
  EXPECT_EQ(first.residency, second.residency);
  EXPECT_EQ(first.key.chunk, 0);
  EXPECT_EQ(second.key.chunk, 1);
  EXPECT_EQ(second.chunk_count, 2);
  EXPECT_EQ(first.box, (Box{{0, 0, 0, 0}, {2, 4, 1, 1}}));
  EXPECT_EQ(second.box, (Box{{2, 0, 0, 0}, {4, 4, 1, 1}}));
  EXPECT_EQ(first.bytes + second.bytes, 16);
  EXPECT_EQ(model.residencies()[first.residency].transfer_count, 2);
  EXPECT_THAT(std::vector<int>(model.LoadsOf(0).begin(), model.LoadsOf(0).end()),
              ElementsAre(0, 1, 2));
  EXPECT_EQ(model.DescribeTransfer(1), "weight load of 'a' tile 0 chunk 1 of 2");
}

TEST(ChunkedLoadTest, ResidencyLivesFromTheEarliestChunk) {
  // Chunk 1 starting at -1 and chunk 0 at 0 give the residency [-1, 1]; the Program
  // verifies with the two chunk boxes inside one residency.
  const TilingModel model = SingleConv(1, 8);
  DramPlan plan = model.DefaultDramPlan();
  plan.lifetimes[0] = {0, 1};
  plan.lifetimes[1] = {-1, 1};
  EXPECT_EQ(model.ResidencyLifetime(plan, model.transfers()[0].residency), (Lifetime{-1, 1}));
  auto program = BuildProgram(model, plan, kLargeBuffer, "test");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_TRUE(program->Verify().ok()) << program->Verify();
  EXPECT_EQ(program->residencies[model.transfers()[0].residency].lifetime, (Lifetime{-1, 1}));
  EXPECT_EQ(program->schedule.dma_chunk_bytes, 8);
}

TEST(ChunkedLoadTest, OneQueueServesChunksInTurn) {
  // Queue: chunk 0 0-8, chunk 1 8-16, input 16-32; compute 32-52; store 52-68.
  const TilingModel model = SingleConv(1, 8);
  Evaluator evaluator(model);
  auto metrics = evaluator.EvaluateOrError(model.DefaultDramPlan(), kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->latency_cycles, 68);
  EXPECT_EQ(evaluator.transfer_timing()[1].end_cycle, 16);
}

TEST(ChunkedLoadTest, ChunksOnTwoQueuesLoadInParallel) {
  // Chunk 1 on queue 1 runs 0-8 beside chunk 0 (0-8) and the input (8-24) on queue 0;
  // compute 24-44; the store follows chunk 1 on queue 1: 44-60.
  const TilingModel model = SingleConv(2, 8);
  DramPlan plan = model.DefaultDramPlan();
  plan.queue_of[1] = 1;
  Evaluator evaluator(model);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->latency_cycles, 60);
  EXPECT_EQ(evaluator.compute_timing()[0].start_cycle, 24);
  auto program = BuildProgram(model, plan, kLargeBuffer, "test");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_TRUE(program->Verify().ok()) << program->Verify();
  // The compute waits for the chunk on queue 1 and the input on queue 0.
  EXPECT_THAT(program->compute_waits[0],
              ElementsAre(OpRef{OpRef::Kind::kTransfer, 2}, OpRef{OpRef::Kind::kTransfer, 1}));
}

TEST(ChunkedLoadTest, VerifyRejectsChunksThatOverlap) {
  // A chunk box that overlaps its sibling breaks the partition rule.
  const TilingModel model = SingleConv(1, 8);
  auto program = BuildProgram(model, model.DefaultDramPlan(), kLargeBuffer, "test");
  ASSERT_TRUE(program.ok()) << program.status();
  program->transfers[1].box.lo[0] = 1;
  EXPECT_THAT(program->Verify().message(),
              HasSubstr("program invariant 'loads partition residency' broken: transfer 1"));
}

TEST(DmaQueuesTest, StoreOnItsOwnQueueNoLongerDelaysTheNextLoad) {
  // Two tiles; transfer ids 0 a.W, 1 a.I0, 2 a.O0, 3 a.I1, 4 a.O1; a.I1 starts at 1, so
  // it waits for compute a0 (24-44). On one queue in the order W I0 O0 I1 O1 the store
  // a.O0 (44-52) runs first, a.I1 52-60, a1 60-80 and a.O1 80-88. With stores on queue 1,
  // a.I1 runs 44-52, a1 52-72 and a.O1 72-80.
  for (const int queues : {1, 2}) {
    SCOPED_TRACE(queues);
    const TilingModel model = SingleConv(queues, 0, 2);
    DramPlan plan = model.DefaultDramPlan();
    plan.order = {0, 1, 2, 3, 4};
    plan.lifetimes[3] = {1, 2};
    Evaluator evaluator(model);
    auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    EXPECT_EQ(metrics->latency_cycles, queues == 1 ? 88 : 80);
    EXPECT_EQ(evaluator.transfer_timing()[3].start_cycle, queues == 1 ? 52 : 44);
  }
}

TEST(DmaQueuesTest, QueueOutsideTheHardwareIsAShapeError) {
  // A transfer on queue 2 of a two-queue machine is named with the queue count.
  const TilingModel model = SingleConv(2, 0);
  DramPlan plan = model.DefaultDramPlan();
  plan.queue_of[2] = 2;
  Evaluator evaluator(model);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_FALSE(metrics.ok());
  EXPECT_EQ(metrics.status().message(),
            "invalid DRAM plan: store of 'a' tile 0 is on DMA queue 2, but the hardware has 2 "
            "DMA queues");
}

}  // namespace
}  // namespace soma::schedule
