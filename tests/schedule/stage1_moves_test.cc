// stage1_moves_test.cc: the Stage-1 moves keep FusionPlans legal, and report when they
// cannot apply.
#include "schedule/search/stage1_moves.h"

#include <array>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schedule/evaluator.h"
#include "schedule/layer_by_layer.h"
#include "schedule/plan_layout.h"
#include "schedule/search/editable_plan.h"
#include "schedule/tiling_model.h"
#include "search_test_support.h"
#include "test_graphs.h"
#include "unit_costs.h"
#include "util/graph_builder.h"
#include "vgg19_graph.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using soma::testing::UnitCostModel;

constexpr int64_t kLargeBuffer = int64_t{1} << 40;
/// Moves between two returns to the start plan, so that tile counts stay small.
constexpr int kWalkLength = 40;

struct WalkCase {
  std::string name;
  LayerGraph graph;
};

// conv -> host tensor op -> conv, and the two convs' outputs multiplied as matrices: the
// moves must keep the tensor operation at one tile and the MatMul without channel splits.
LayerGraph NewKindsNet() {
  soma::testing::GraphBuilder builder("new_kinds");
  const graph::TensorId x = builder.Input("x", {1, 8, 16, 16});
  const graph::TensorId c1 = builder.Conv("c1", x, 8);
  soma::testing::TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.output_shape = {1, 8, 16, 16};
  spec.unit = graph::ExecutionUnit::kHost;
  const graph::TensorId relu = builder.TensorOp("relu", {c1}, spec);
  const graph::TensorId c2 = builder.Conv("c2", relu, 8);
  builder.Output(builder.MatMul("product", c1, c2));
  return builder.Build();
}

std::vector<WalkCase> WalkCases() {
  std::vector<WalkCase> cases;
  cases.push_back({"three_conv_chain", soma::testing::ThreeConvChain()});
  cases.push_back({"residual", soma::testing::ResidualNet()});
  cases.push_back({"branchy", soma::testing::BranchyNet()});
  cases.push_back({"vgg19", soma::testing::VggNineteen()});
  cases.push_back({"new_kinds", NewKindsNet()});
  return cases;
}

// Random walks of accepted moves from the lbl plan: after every applied move the plan lays
// out, builds and evaluates with its default DRAM timing; in the Cocco space no SLG cut
// appears. Every kind applies at least once on some graph.
void WalkAndCheck(FusionSpace space, int moves_per_graph) {
  const CostFunctions costs = UnitCostModel{}.Functions();
  std::array<int, kStage1MoveKindCount> applied{};
  for (const WalkCase& walk : WalkCases()) {
    SCOPED_TRACE(walk.name);
    const Stage1Moves moves(walk.graph, space);
    auto lbl = PlanLayerByLayer(walk.graph, costs, kLargeBuffer);
    ASSERT_TRUE(lbl.ok()) << lbl.status();
    const EditablePlan start = EditablePlan::FromPlan(*lbl);
    EditablePlan plan = start;
    SearchRandom random(17);
    for (int step = 0; step < moves_per_graph; ++step) {
      if (step % kWalkLength == 0) plan = start;
      const Stage1MoveKind kind = moves.PickKind(random);
      const EditablePlan before = plan;
      if (!moves.Apply(kind, random, &plan)) {
        EXPECT_EQ(plan.ToPlan().order, before.ToPlan().order) << Stage1MoveKindName(kind);
        EXPECT_EQ(plan.ToPlan().tile_counts, before.ToPlan().tile_counts);
        continue;
      }
      ++applied[static_cast<int>(kind)];
      const FusionPlan fusion = plan.ToPlan();
      auto layout = LayOutPlan(walk.graph, fusion);
      ASSERT_TRUE(layout.ok()) << Stage1MoveKindName(kind) << ": " << layout.status();
      auto model = TilingModel::Build(walk.graph, fusion, costs);
      ASSERT_TRUE(model.ok()) << Stage1MoveKindName(kind) << ": " << model.status();
      Evaluator evaluator(*model);
      auto metrics = evaluator.EvaluateOrError(model->DefaultDramPlan(), kLargeBuffer);
      ASSERT_TRUE(metrics.ok()) << Stage1MoveKindName(kind) << ": " << metrics.status();
      if (space == FusionSpace::kCocco) {
        for (bool cut : fusion.subgroup_starts) ASSERT_FALSE(cut) << Stage1MoveKindName(kind);
      }
    }
  }
  for (int kind = 0; kind < kStage1MoveKindCount; ++kind) {
    const bool expected =
        space == FusionSpace::kSoma || kind != static_cast<int>(Stage1MoveKind::kSubgroup);
    EXPECT_EQ(applied[kind] > 0, expected) << Stage1MoveKindName(static_cast<Stage1MoveKind>(kind));
  }
}

TEST(Stage1MovesTest, SomaMovesKeepPlansLegal) {
  // Every SoMa move on random plans of four graphs yields a plan that lays out, builds and
  // evaluates.
  WalkAndCheck(FusionSpace::kSoma, 1500);
}

TEST(Stage1MovesTest, CoccoMovesKeepPlansLegalWithoutSubgroupCuts) {
  // The Cocco moves yield legal plans whose LGs are single SLGs.
  WalkAndCheck(FusionSpace::kCocco, 1500);
}

TEST(Stage1MovesTest, MovesWithoutTargetReportAndLeaveThePlan) {
  // A one-layer graph offers no order, SLG or LG move; each reports so and changes nothing.
  const LayerGraph graph = soma::testing::SinglePointwiseConv();
  const Stage1Moves moves(graph, FusionSpace::kSoma);
  FusionPlan fusion;
  fusion.order = {0};
  fusion.group_starts = {true};
  fusion.subgroup_starts = {false};
  fusion.tile_counts = {1};
  EditablePlan plan = EditablePlan::FromPlan(fusion);
  SearchRandom random(3);
  for (Stage1MoveKind kind :
       {Stage1MoveKind::kLayerOrder, Stage1MoveKind::kSubgroup, Stage1MoveKind::kGroup}) {
    EXPECT_FALSE(moves.Apply(kind, random, &plan)) << Stage1MoveKindName(kind);
    EXPECT_EQ(plan.ToPlan().order, fusion.order);
    EXPECT_EQ(plan.ToPlan().tile_counts, fusion.tile_counts);
  }
}

TEST(Stage1MovesTest, RepairCutsDisconnectedSubgroups) {
  // 'left' reads the stem and 'right2' reads 'right': they share no tensor, so an SLG of
  // just the two is cut in two; in the Cocco space the cut starts an LG.
  const LayerGraph graph = soma::testing::BranchyNet();
  FusionPlan fusion;
  fusion.order = {0, 2, 1, 3, 4, 5};
  fusion.group_starts = {true, true, true, false, true, true};
  fusion.subgroup_starts = {false, false, false, false, false, false};
  fusion.tile_counts = {1, 1, 2, 1, 1};
  for (FusionSpace space : {FusionSpace::kSoma, FusionSpace::kCocco}) {
    const Stage1Moves moves(graph, space);
    EditablePlan plan = EditablePlan::FromPlan(fusion);
    moves.RepairConnectivity(&plan);
    const FusionPlan repaired = plan.ToPlan();
    EXPECT_EQ(repaired.tile_counts, (std::vector<int>{1, 1, 2, 2, 1, 1}));
    EXPECT_EQ(repaired.group_starts[3], space == FusionSpace::kCocco);
    EXPECT_EQ(repaired.subgroup_starts[3], space == FusionSpace::kSoma);
    EXPECT_TRUE(LayOutPlan(graph, repaired).ok());
  }
}

}  // namespace
}  // namespace soma::schedule
