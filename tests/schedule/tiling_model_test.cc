// tiling_model_test.cc: boxes, residencies, transfers and default lifetimes that a
// FusionPlan determines (Steps A-E of the parsing method).
#include "schedule/tiling_model.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plan_helpers.h"
#include "test_graphs.h"
#include "unit_costs.h"
#include "util/graph_builder.h"

namespace soma::schedule {
namespace {

using graph::Box;
using graph::LayerGraph;
using graph::TensorId;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using soma::testing::ConvOptions;
using soma::testing::GraphBuilder;
using soma::testing::MakePlan;
using soma::testing::ThreeConvChain;
using soma::testing::WorkedExampleChain;
using soma::testing::UnitCostModel;

TilingModel BuildOrDie(const LayerGraph& graph, const FusionPlan& plan,
                       const UnitCostModel& costs = {}) {
  auto model = TilingModel::Build(graph, plan, costs.Functions());
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

std::vector<std::string> Names(const TilingModel& model, const std::vector<int>& transfers) {
  std::vector<std::string> names;
  for (int transfer : transfers) names.push_back(model.DescribeTransfer(transfer));
  return names;
}

TEST(TilingModelTest, BackCalculationGrowsHalosThroughFusedChain) {
  // Fused a-b-c in one SLG with 2 tiles cuts c into rows [0,4) and [4,8). Each 3x3 conv
  // upstream needs one more halo row per side, clamped at the borders.
  const LayerGraph graph = ThreeConvChain();
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0, 1, 2}, 2}}}));
  ASSERT_EQ(model.position_count(), 6);
  const auto rows = [&](int position) {
    const Box& box = model.compute()[position].output_box;
    return std::vector<int64_t>{box.lo[graph::kH], box.hi[graph::kH]};
  };
  // Positions are tile-major: a0 b0 c0 a1 b1 c1.
  EXPECT_EQ(rows(2), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(rows(5), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(rows(1), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(rows(4), (std::vector<int64_t>{3, 8}));
  EXPECT_EQ(rows(0), (std::vector<int64_t>{0, 6}));
  EXPECT_EQ(rows(3), (std::vector<int64_t>{2, 8}));

  // The input loads cover a's receptive field; b reads a's tile output of the same tile.
  const OperandInfo& a1_input = model.operands()[model.compute()[3].first_operand];
  EXPECT_EQ(model.residencies()[a1_input.residency].kind, ResidencyKind::kLoadedInput);
  EXPECT_EQ(a1_input.box, (Box{{0, 0, 1, 0}, {1, 4, 8, 8}}));
  const OperandInfo& b0_input = model.operands()[model.compute()[1].first_operand];
  const ResidencyInfo& a0_output = model.residencies()[b0_input.residency];
  EXPECT_EQ(a0_output.kind, ResidencyKind::kTileOutput);
  EXPECT_EQ(a0_output.layer, 0);
  EXPECT_TRUE(a0_output.box.Contains(b0_input.box));
  EXPECT_EQ(a0_output.fixed_lifetime, (Lifetime{0, 2}));
}

TEST(TilingModelTest, DefaultLifetimesAndOrderOfTwoGroups) {
  // [ {a b}x2 ] [ {c}x1 ]: the lifetimes and queue order of the SoMa worked example.
  const LayerGraph graph = WorkedExampleChain();
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0, 1}, 2}}, {{{2}, 1}}}));
  std::vector<int> all(model.transfer_count());
  for (int id = 0; id < model.transfer_count(); ++id) all[id] = id;
  EXPECT_THAT(Names(model, all),
              ElementsAre("weight load of 'a' tile 0", "load of 'a' tile 0 input 0",
                          "weight load of 'b' tile 0", "store of 'b' tile 0",
                          "load of 'a' tile 1 input 0", "store of 'b' tile 1",
                          "weight load of 'c' tile 0", "load of 'c' tile 0 input 0",
                          "store of 'c' tile 0"));
  std::vector<Lifetime> lifetimes;
  for (const TransferInfo& transfer : model.transfers()) lifetimes.push_back(transfer.default_lifetime);
  EXPECT_THAT(lifetimes, ElementsAre(Lifetime{-1, 3}, Lifetime{-1, 1}, Lifetime{0, 4},
                                     Lifetime{1, 3}, Lifetime{1, 3}, Lifetime{3, 4},
                                     Lifetime{3, 5}, Lifetime{3, 5}, Lifetime{4, 5}));

  const DramPlan plan = model.DefaultDramPlan();
  EXPECT_THAT(Names(model, plan.order),
              ElementsAre("weight load of 'a' tile 0", "load of 'a' tile 0 input 0",
                          "weight load of 'b' tile 0", "load of 'a' tile 1 input 0",
                          "store of 'b' tile 0", "weight load of 'c' tile 0",
                          "store of 'b' tile 1", "load of 'c' tile 0 input 0",
                          "store of 'c' tile 0"));
  EXPECT_THAT(plan.queue_of, ::testing::Each(0));
  // The transfer bytes of the example.
  std::vector<int64_t> bytes;
  for (const TransferInfo& transfer : model.transfers()) bytes.push_back(transfer.bytes);
  EXPECT_THAT(bytes, ElementsAre(150, 50, 150, 50, 50, 50, 300, 100, 7500));
  // c's input load reads both stored tiles of b.
  EXPECT_THAT(model.StoresReadBy(7), ElementsAre(3, 5));
}

TEST(TilingModelTest, TwoQueuesDelayDependentLoads) {
  // With two DMA queues the loads of c wait for b's stores only through their lifetime, so
  // the default start of c's input load moves to the end of b's last store.
  const LayerGraph graph = WorkedExampleChain();
  UnitCostModel costs;
  costs.dma_queues = 2;
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0, 1}, 2}}, {{{2}, 1}}}), costs);
  EXPECT_EQ(model.transfers()[7].default_lifetime, (Lifetime{4, 5}));
  const DramPlan plan = model.DefaultDramPlan();
  EXPECT_THAT(plan.queue_of, ElementsAre(0, 0, 0, 1, 0, 1, 0, 0, 1));
}

TEST(TilingModelTest, ChannelSplitTilesIterateChunks) {
  // A conv with 8 output channels in 2 chunks and 2 spatial tiles: tiles 0-1 use chunk 0,
  // tiles 2-3 chunk 1, and each chunk's weights are loaded once.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 4, 4, 4});
  builder.Output(builder.Conv("conv", x, 8, soma::testing::kPointwise));
  const LayerGraph graph = builder.Build();
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0}, 4, 2}}}));
  EXPECT_EQ(model.compute()[1].output_box, (Box{{0, 0, 2, 0}, {1, 4, 4, 4}}));
  EXPECT_EQ(model.compute()[2].output_box, (Box{{0, 4, 0, 0}, {1, 8, 2, 4}}));
  std::vector<int> weights;
  for (int id = 0; id < model.transfer_count(); ++id) {
    if (model.transfers()[id].key.kind == TransferKind::kLoadWeight) weights.push_back(id);
  }
  ASSERT_EQ(weights.size(), 2u);
  EXPECT_EQ(model.transfers()[weights[0]].box, (Box{{0, 0, 0, 0}, {4, 4, 1, 1}}));
  EXPECT_EQ(model.transfers()[weights[1]].box, (Box{{4, 0, 0, 0}, {8, 4, 1, 1}}));
  EXPECT_EQ(model.transfers()[weights[0]].default_lifetime, (Lifetime{-1, 2}));
  EXPECT_EQ(model.transfers()[weights[1]].default_lifetime, (Lifetime{1, 4}));
  EXPECT_EQ(model.transfers()[weights[1]].key.tile, 2);
}

TEST(TilingModelTest, PartialSumsSliceInputsAndWeights) {
  // A fully connected layer over 4 input channels of 2x2 in two partial sums: the slices
  // read channels [0,2) and [2,4), i.e. weight columns [0,8) and [8,16), and accumulate
  // into one tile output that is stored once, after the final partial sum.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 4, 2, 2});
  builder.Output(builder.FullyConnected("fc", x, 3));
  const LayerGraph graph = builder.Build();
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0}, 2, 1, 2}}}));
  ASSERT_EQ(model.position_count(), 2);
  const ComputeInfo& first = model.compute()[0];
  const ComputeInfo& second = model.compute()[1];
  EXPECT_FALSE(first.accumulate);
  EXPECT_FALSE(first.final_partial);
  EXPECT_TRUE(second.accumulate);
  EXPECT_TRUE(second.final_partial);
  EXPECT_EQ(first.output_residencies[0], second.output_residencies[0]);
  EXPECT_EQ(model.operands()[second.first_operand].box, (Box{{0, 2, 0, 0}, {1, 4, 2, 2}}));
  EXPECT_EQ(model.operands()[second.first_operand + 1].box, (Box{{0, 8, 0, 0}, {3, 16, 1, 1}}));

  int stores = 0;
  for (const TransferInfo& transfer : model.transfers()) {
    if (transfer.direction != TransferDirection::kStore) continue;
    ++stores;
    EXPECT_EQ(transfer.key.tile, 1);
    EXPECT_EQ(transfer.first_position, 0);
    EXPECT_EQ(transfer.default_lifetime, (Lifetime{1, 2}));
  }
  EXPECT_EQ(stores, 1);
}

TEST(TilingModelTest, LaterSubgroupReadsFullMap) {
  // [ {a}x2 {b}x1 ]: a's whole output stays on chip from its first tile to b's last.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 4, 4, 4});
  TensorId a = builder.Conv("a", x, 4);
  builder.Output(builder.Conv("b", a, 4));
  const LayerGraph graph = builder.Build();
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0}, 2}, {{1}, 1}}}));
  const ComputeInfo& b = model.compute()[2];
  const ResidencyInfo& map = model.residencies()[model.operands()[b.first_operand].residency];
  EXPECT_EQ(map.kind, ResidencyKind::kFullMap);
  EXPECT_EQ(map.fixed_lifetime, (Lifetime{0, 3}));
  EXPECT_EQ(map.box, Box::Full({1, 4, 4, 4}));
  EXPECT_EQ(model.compute()[0].output_residencies[1], -1) << "a writes only the full map";
}

TEST(TilingModelTest, StoredOutputStoresOnlyItsCut) {
  // a is a network output and also feeds b in the same SLG. It computes b's halo rows too
  // but stores only its own cut, so DRAM bytes are not counted twice. Its tile output
  // lives until b has read it.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 4, 8, 8});
  TensorId a = builder.Conv("a", x, 4);
  builder.Output(a);
  builder.Output(builder.Conv("b", a, 4));
  const LayerGraph graph = builder.Build();
  const TilingModel model = BuildOrDie(graph, MakePlan({{{{0, 1}, 2}}}));
  EXPECT_EQ(model.compute()[0].output_box, (Box{{0, 0, 0, 0}, {1, 4, 5, 8}}));
  std::vector<Box> stored;
  for (const TransferInfo& transfer : model.transfers()) {
    if (transfer.key.kind == TransferKind::kStoreOutput && transfer.key.layer == 0) {
      stored.push_back(transfer.box);
    }
  }
  EXPECT_THAT(stored, ElementsAre(Box{{0, 0, 0, 0}, {1, 4, 4, 8}}, Box{{0, 0, 4, 0}, {1, 4, 8, 8}}));
  const ResidencyInfo& a0 = model.residencies()[model.compute()[0].output_residencies[0]];
  EXPECT_EQ(a0.fixed_lifetime, (Lifetime{0, 2}));
  EXPECT_GE(a0.transfer, 0);
}

TEST(TilingModelTest, DisconnectedSubgroupIsAnError) {
  // Two layers on separate inputs share no tensor, so one SLG cannot hold both.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 4, 4, 4});
  TensorId y = builder.Input("y", {1, 4, 4, 4});
  builder.Output(builder.Conv("a", x, 4));
  builder.Output(builder.Conv("b", y, 4));
  const LayerGraph graph = builder.Build();
  auto model = TilingModel::Build(graph, MakePlan({{{{0, 1}, 1}}}), UnitCostModel{}.Functions());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("sub-group 0 (layers 'a', 'b') is not connected: layer 'b'"));
}

TEST(TilingModelTest, TooManyTilesNamesTheLayer) {
  // The 8x8 chain output cannot be cut into 128 non-empty tiles.
  const LayerGraph graph = ThreeConvChain();
  auto model = TilingModel::Build(graph, MakePlan({{{{0}, 1}}, {{{1}, 1}}, {{{2}, 128}}}),
                                  UnitCostModel{}.Functions());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("layer 'c' (sub-group 2): tile count too large"));
}

TEST(TilingModelTest, NonTopologicalOrderIsAnError) {
  // b reads a's output, so b cannot come first.
  const LayerGraph graph = ThreeConvChain();
  auto model = TilingModel::Build(graph, MakePlan({{{{1}, 1}}, {{{0}, 1}}, {{{2}, 1}}}),
                                  UnitCostModel{}.Functions());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("not topological: layer 'b'"));
}

TEST(TilingModelTest, LayerSubsetLoadsAndStoresAtItsBorders) {
  // Scheduling only b: its input comes from DRAM and its output goes back, as if a and c
  // ran in other groups.
  const LayerGraph graph = ThreeConvChain();
  TilingOptions options;
  options.allow_layer_subset = true;
  FusionPlan plan = MakePlan({{{{1}, 2}}});
  auto model = TilingModel::Build(graph, plan, UnitCostModel{}.Functions(), nullptr, options);
  ASSERT_TRUE(model.ok()) << model.status();
  int loads = 0;
  int stores = 0;
  for (const TransferInfo& transfer : model->transfers()) {
    if (transfer.key.kind == TransferKind::kLoadInput) ++loads;
    if (transfer.key.kind == TransferKind::kStoreOutput) ++stores;
  }
  EXPECT_EQ(loads, 2);
  EXPECT_EQ(stores, 2);
  EXPECT_FALSE(TilingModel::Build(graph, plan, UnitCostModel{}.Functions()).ok());
}

}  // namespace
}  // namespace soma::schedule
