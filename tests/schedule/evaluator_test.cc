// evaluator_test.cc: DRAM plan checks and the queue simulation, against timelines worked
// out by hand with unit costs.
#include "schedule/evaluator.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plan_helpers.h"
#include "test_graphs.h"
#include "unit_costs.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using ::testing::HasSubstr;
using soma::testing::MakePlan;
using soma::testing::UnitCostModel;

constexpr int64_t kLargeBuffer = int64_t{1} << 40;

TilingModel BuildOrDie(const LayerGraph& graph, const FusionPlan& plan, const UnitCostModel& costs) {
  auto model = TilingModel::Build(graph, plan, costs.Functions());
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

// The SoMa worked example: [ {a b}x2 ] [ {c}x1 ] with compute tiles a 100, b 100, c 200
// cycles and transfers of 1 byte per cycle, except c's 7500-byte output in 20 cycles.
class WorkedExampleTest : public ::testing::Test {
 protected:
  WorkedExampleTest()
      : graph_(soma::testing::WorkedExampleChain()),
        model_(BuildOrDie(graph_, MakePlan({{{{0, 1}, 2}}, {{{2}, 1}}}), Costs())) {}

  static UnitCostModel Costs() {
    UnitCostModel costs;
    costs.tile_cycles = {{0, 100}, {1, 100}, {2, 200}};
    costs.dma_cycles_by_bytes = {{7500, 20}};
    return costs;
  }

  // Transfer ids in creation order: 0 a.W, 1 a.I0, 2 b.W, 3 b.O0, 4 a.I1, 5 b.O1, 6 c.W,
  // 7 c.I0, 8 c.O0. The improved plan loads c.W from position 0 right after a.I1 and lets
  // b.O0 stay until position 5.
  DramPlan ImprovedPlan() const {
    DramPlan plan = model_.DefaultDramPlan();
    plan.lifetimes[6] = {0, 5};
    plan.lifetimes[3] = {1, 5};
    plan.order = {0, 1, 2, 4, 6, 3, 5, 7, 8};
    return plan;
  }

  LayerGraph graph_;
  TilingModel model_;
};

TEST_F(WorkedExampleTest, DefaultTimingTakes1220Cycles) {
  // Queue 0: a.W 0-150, a.I0 150-200, b.W 200-350, a.I1 350-400 (after compute a0), b.O0
  // 450-500 (after compute b0 350-450), c.W 550-850 (its start 3 waits for compute a1
  // 450-550), b.O1 850-900, c.I0 900-1000; compute c0 1000-1200; c.O0 1200-1220.
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(model_.DefaultDramPlan(), kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->latency_cycles, 1220);
  EXPECT_EQ(evaluator.transfer_timing()[6].start_cycle, 550);
  EXPECT_EQ(evaluator.compute_timing()[4].start_cycle, 1000);
}

TEST_F(WorkedExampleTest, EarlierWeightAndLaterStoreTake1120Cycles) {
  // c.W starts at position 0, so it runs 400-700 in the queue's idle time; b.O0 no longer
  // blocks it. Compute c0 waits only for c.I0 (800-900): 900-1100, then c.O0 1100-1120.
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(ImprovedPlan(), kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->latency_cycles, 1120);
  EXPECT_EQ(evaluator.transfer_timing()[6].start_cycle, 400);
  EXPECT_EQ(evaluator.transfer_timing()[6].end_cycle, 700);
}

TEST_F(WorkedExampleTest, WeightAheadOfNextInputTakes1270Cycles) {
  // c.W ahead of a.I1 in the queue delays a.I1 to 650-700 and compute a1 to 700-800.
  DramPlan plan = ImprovedPlan();
  plan.order = {0, 1, 2, 6, 4, 3, 5, 7, 8};
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->latency_cycles, 1270);
  EXPECT_EQ(evaluator.compute_timing()[2].start_cycle, 700);
}

TEST_F(WorkedExampleTest, LoadBeforeItsStoreViolatesDataDependency) {
  // c's input load reads both stored tiles of b, so it cannot precede b.O1 in the queue.
  DramPlan plan = model_.DefaultDramPlan();
  plan.order = {0, 1, 2, 4, 3, 6, 7, 5, 8};
  Evaluator evaluator(model_);
  EXPECT_EQ(evaluator.Evaluate(plan, kLargeBuffer).violation, RuleViolation::kDataDependency);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_FALSE(metrics.ok());
  EXPECT_EQ(metrics.status().message(),
            "data dependency violated: load of 'c' tile 0 input 0 precedes the store of 'b' "
            "tile 1 in the DMA order; the load reads data the store writes");
}

TEST_F(WorkedExampleTest, CrossQueueLoadStartsAfterStore) {
  // With loads and stores on two queues a load waits for a store only through its lifetime:
  // c.I0 starting at 3 does not wait for b.O1, whose lifetime ends at 4.
  UnitCostModel costs = Costs();
  costs.dma_queues = 2;
  const TilingModel model = BuildOrDie(graph_, model_.plan(), costs);
  DramPlan plan = model.DefaultDramPlan();
  plan.lifetimes[7] = {3, 5};
  Evaluator evaluator(model);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_FALSE(metrics.ok());
  EXPECT_THAT(metrics.status().message(),
              HasSubstr("data dependency violated: load of 'c' tile 0 input 0 starts at "
                        "position 3 but the store of 'b' tile 1 on DMA queue 1 ends at position 4"));
  EXPECT_TRUE(evaluator.EvaluateOrError(model.DefaultDramPlan(), kLargeBuffer).ok());
}

TEST(EvaluatorTest, ChainOfThreeLayersWithTwoTiles) {
  // [ {a}x2 ] [ {b}x2 ] [ {c}x2 ] on x [1,4,2,2] with 1x1 convs: weights 16 bytes, tiles
  // 8 bytes, one DMA queue at 1 byte per cycle; compute tiles a 20, b 5, c 20 cycles.
  // Positions a0=0 a1=1 b0=2 b1=3 c0=4 c1=5. Default queue order and lifetimes:
  //   a.W[-1,2] a.I0[-1,1] a.I1[0,2] a.O0[0,2] b.W[1,4] a.O1[1,2] b.I0[1,3] b.I1[2,4]
  //   b.O0[2,4] c.W[3,6] b.O1[3,4] c.I0[3,5] c.I1[4,6] c.O0[4,6] c.O1[5,6]
  // Timeline (start-end):
  //   a.W 0-16, a.I0 16-24, a.I1 24-32; compute a0 24-44 (waits a.W, a.I0);
  //   a.O0 44-52 (waits a0); b.W 52-68 (start 1: waits a0); compute a1 44-64 (waits a.I1);
  //   a.O1 68-76 (waits a1); b.I0 76-84; b.I1 84-92 (start 2: waits a1 and a.O0, a.O1);
  //   compute b0 84-89 (waits b.W, b.I0 and the stores ending by 2, a.O0 and a.O1);
  //   b.O0 92-100 (waits b0); c.W 100-116 (start 3: waits b0); compute b1 92-97;
  //   b.O1 116-124; c.I0 124-132; c.I1 132-140 (start 4: waits b1);
  //   compute c0 132-152 (waits c.W, c.I0, and b.O0, b.O1 ending by 4); c.O0 152-160;
  //   compute c1 152-172; c.O1 172-180. Latency 180.
  const LayerGraph graph = soma::testing::PointwiseChain();
  UnitCostModel costs;
  costs.tile_cycles = {{0, 20}, {1, 5}, {2, 20}};
  const TilingModel model =
      BuildOrDie(graph, MakePlan({{{{0}, 2}}, {{{1}, 2}}, {{{2}, 2}}}), costs);
  Evaluator evaluator(model);
  auto metrics = evaluator.EvaluateOrError(model.DefaultDramPlan(), kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->latency_cycles, 180);

  // Transfer ids in creation order: a.W a.I0 a.O0 a.I1 a.O1 b.W b.I0 b.O0 b.I1 b.O1 c.W
  // c.I0 c.O0 c.I1 c.O1.
  const std::vector<OpTiming> transfers(evaluator.transfer_timing().begin(),
                                        evaluator.transfer_timing().end());
  const std::vector<std::pair<int64_t, int64_t>> expected_transfers = {
      {0, 16},   {16, 24},  {44, 52},   {24, 32},   {68, 76},   {52, 68},   {76, 84},  {92, 100},
      {84, 92},  {116, 124}, {100, 116}, {124, 132}, {152, 160}, {132, 140}, {172, 180}};
  ASSERT_EQ(transfers.size(), expected_transfers.size());
  for (size_t id = 0; id < transfers.size(); ++id) {
    EXPECT_EQ(transfers[id].start_cycle, expected_transfers[id].first) << model.DescribeTransfer(id);
    EXPECT_EQ(transfers[id].end_cycle, expected_transfers[id].second) << model.DescribeTransfer(id);
  }
  const std::vector<std::pair<int64_t, int64_t>> expected_compute = {
      {24, 44}, {44, 64}, {84, 89}, {92, 97}, {132, 152}, {152, 172}};
  for (int position = 0; position < 6; ++position) {
    EXPECT_EQ(evaluator.compute_timing()[position].start_cycle, expected_compute[position].first)
        << model.DescribePosition(position);
    EXPECT_EQ(evaluator.compute_timing()[position].end_cycle, expected_compute[position].second)
        << model.DescribePosition(position);
  }
  EXPECT_DOUBLE_EQ(metrics->energy_pj, 2 * (20 + 5 + 20) + 3 * (16 + 4 * 8));
  EXPECT_EQ(metrics->dram_bytes, 3 * (16 + 4 * 8));
}

// One 1x1 conv in 2 tiles with 20-cycle compute. Transfer ids: 0 a.W, 1 a.I0, 2 a.O0,
// 3 a.I1, 4 a.O1.
class SingleLayerTest : public ::testing::Test {
 protected:
  SingleLayerTest()
      : graph_(soma::testing::SinglePointwiseConv()),
        model_(BuildOrDie(graph_, MakePlan({{{{0}, 2}}}), Costs())) {}

  static UnitCostModel Costs() {
    UnitCostModel costs;
    costs.tile_cycles = {{0, 20}};
    return costs;
  }

  LayerGraph graph_;
  TilingModel model_;
};

TEST_F(SingleLayerTest, LoadWaitsForComputeBeforeItsLifetimeStarts) {
  // a.I1 with lifetime [1, 2] may start only when compute a0 (24-44) has finished, so it
  // runs 44-52 and compute a1 waits for it: 52-72. Then a.O0 52-60 and a.O1 72-80.
  DramPlan plan = model_.DefaultDramPlan();
  plan.lifetimes[3] = {1, 2};
  plan.order = {0, 1, 3, 2, 4};
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(evaluator.compute_timing()[0].end_cycle, 44);
  EXPECT_EQ(evaluator.transfer_timing()[3].start_cycle, 44);
  EXPECT_EQ(evaluator.compute_timing()[1].start_cycle, 52);
  EXPECT_EQ(metrics->latency_cycles, 80);
}

TEST_F(SingleLayerTest, StoreDeadlineStallsCompute) {
  // a.O0 must be stored before position 1 begins (lifetime [0, 1]): compute a1 waits for
  // it (44-52) instead of starting at 44, so it runs 52-72.
  DramPlan plan = model_.DefaultDramPlan();
  plan.lifetimes[2] = {0, 1};
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(evaluator.transfer_timing()[2].end_cycle, 52);
  EXPECT_EQ(evaluator.compute_timing()[1].start_cycle, 52);
  EXPECT_EQ(metrics->latency_cycles, 80);

  auto relaxed = evaluator.EvaluateOrError(model_.DefaultDramPlan(), kLargeBuffer);
  ASSERT_TRUE(relaxed.ok());
  EXPECT_EQ(evaluator.compute_timing()[1].start_cycle, 44);
}

TEST_F(SingleLayerTest, CapacityViolationNamesPositionAndResidencies) {
  // Live bytes: position -1: a.W 16 + a.I0 8 = 24; position 0: 16 + 8 + a.O0 8 + a.I1 8 = 40.
  Evaluator evaluator(model_);
  const EvaluationResult& result = evaluator.Evaluate(model_.DefaultDramPlan(), 39);
  EXPECT_EQ(result.violation, RuleViolation::kCapacity);
  EXPECT_EQ(result.metrics.peak_buffer_bytes, 40);
  const absl::Status status = evaluator.Explain(model_.DefaultDramPlan(), 39);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(),
              HasSubstr("buffer capacity exceeded at position 0 (layer 'a' tile 0): 40 bytes "
                        "live, 39 available; largest residencies: weights of 'a' tile 0 "
                        "(tensor 'a_w' [0:4,0:4,0:1,0:1], 16 bytes); loaded input of 'a' "
                        "tile 0 (tensor 'x' [0:1,0:4,0:1,0:2], 8 bytes)"));
  EXPECT_TRUE(evaluator.Evaluate(model_.DefaultDramPlan(), 40).ok());
}

TEST_F(SingleLayerTest, StoreAheadOfItsInputDeadlocks) {
  // a.O0 ahead of a.I0 in the only queue: the store waits for compute a0, which waits for
  // a.I0 behind the store.
  DramPlan plan = model_.DefaultDramPlan();
  plan.order = {0, 2, 1, 3, 4};
  Evaluator evaluator(model_);
  EXPECT_EQ(evaluator.Evaluate(plan, kLargeBuffer).violation, RuleViolation::kQueueCausality);
  const absl::Status status = evaluator.Explain(plan, kLargeBuffer);
  EXPECT_THAT(status.message(), HasSubstr("queue causality violated"));
  EXPECT_THAT(status.message(),
              HasSubstr("compute at position 0 (layer 'a' tile 0) waits for the load of 'a' "
                        "tile 0 input 0 on DMA queue 0"));
  EXPECT_THAT(status.message(),
              HasSubstr("DMA queue 0 waits at the store of 'a' tile 0 for the compute at "
                        "position 0 (layer 'a' tile 0) that produces it"));
}

TEST_F(SingleLayerTest, LoadStartingAfterItsUseViolatesRelease) {
  // a.I0 is read at position 0, so its lifetime cannot start at 1.
  DramPlan plan = model_.DefaultDramPlan();
  plan.lifetimes[1] = {1, 2};
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_FALSE(metrics.ok());
  EXPECT_EQ(metrics.status().message(),
            "release/deadline violated: load of 'a' tile 0 input 0 has lifetime [1, 2] but is "
            "read at position 0 (layer 'a' tile 0); a load must start at or before its first use");
}

TEST_F(SingleLayerTest, StoreEndingBeforeItsTileViolatesDeadline) {
  // a.O1 is computed at position 1, so its lifetime must end at 2 or later.
  DramPlan plan = model_.DefaultDramPlan();
  plan.lifetimes[4] = {1, 1};
  Evaluator evaluator(model_);
  EXPECT_EQ(evaluator.Evaluate(plan, kLargeBuffer).violation, RuleViolation::kReleaseDeadline);
  EXPECT_THAT(evaluator.Explain(plan, kLargeBuffer).message(),
              HasSubstr("store of 'a' tile 1 has lifetime [1, 1]"));
}

TEST_F(SingleLayerTest, RepeatedTransferInOrderIsAShapeError) {
  // The order must list every transfer exactly once.
  DramPlan plan = model_.DefaultDramPlan();
  plan.order[4] = plan.order[3];
  Evaluator evaluator(model_);
  auto metrics = evaluator.EvaluateOrError(plan, kLargeBuffer);
  ASSERT_FALSE(metrics.ok());
  EXPECT_EQ(metrics.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(metrics.status().message(), HasSubstr("appears twice in the DMA order"));
}

TEST_F(SingleLayerTest, ReusedEvaluatorGivesSameAnswers) {
  // The scratch buffers carry nothing from one plan to the next.
  DramPlan stalled = model_.DefaultDramPlan();
  stalled.lifetimes[2] = {0, 1};
  Evaluator evaluator(model_);
  const int64_t first = evaluator.Evaluate(model_.DefaultDramPlan(), kLargeBuffer).metrics.latency_cycles;
  EXPECT_FALSE(evaluator.Evaluate(stalled, 1).ok());
  EXPECT_EQ(evaluator.Evaluate(stalled, kLargeBuffer).metrics.latency_cycles, 80);
  EXPECT_EQ(evaluator.Evaluate(model_.DefaultDramPlan(), kLargeBuffer).metrics.latency_cycles, first);
  EXPECT_EQ(first, 72);
}

}  // namespace
}  // namespace soma::schedule
