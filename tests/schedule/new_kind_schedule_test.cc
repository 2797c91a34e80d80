// new_kind_schedule_test.cc: lbl planning of tensor operations, which run as one tile, with
// unit costs.
#include <chrono>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schedule/layer_by_layer.h"
#include "unit_costs.h"
#include "util/graph_builder.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using graph::TensorId;
using ::testing::HasSubstr;
using soma::testing::GraphBuilder;
using soma::testing::TensorOpSpec;
using soma::testing::UnitCostModel;

// x (1, 1, 16, 16) -> tensor op relu1 -> tensor op relu2: 256 elements each.
LayerGraph TwoTensorOps() {
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {1, 1, 16, 16});
  TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.output_shape = {1, 1, 16, 16};
  const TensorId first = builder.TensorOp("relu1", {x}, spec);
  builder.Output(builder.TensorOp("relu2", {first}, spec));
  return builder.Build();
}

TEST(NewKindScheduleTest, LblGivesTensorOpOneTile) {
  // In a buffer too small for the conv's whole output the conv is tiled, but the tensor
  // operation between the convs keeps one tile.
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {1, 4, 32, 32});
  const TensorId conv = builder.Conv("conv", x, 4, {.relu = false, .bias = false});
  TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.output_shape = {1, 4, 32, 32};
  builder.Output(builder.TensorOp("relu", {conv}, spec));
  const LayerGraph graph = builder.Build();
  const absl::StatusOr<FusionPlan> plan =
      PlanLayerByLayer(graph, UnitCostModel{}.Functions(), 12 * 1024);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->tile_counts.size(), 2u);
  EXPECT_GT(plan->tile_counts[0], 1);
  EXPECT_EQ(plan->tile_counts[1], 1);
}

TEST(NewKindScheduleTest, BoundaryAfterSingleTileLayerIsNamed) {
  // relu1 fits alone in 600 bytes (256 in, 256 out), but relu2's 256-byte input load cannot
  // start during relu1's last tile. relu1 has no finer tiling to fall back to, and the error
  // names the two layers of that boundary.
  const LayerGraph graph = TwoTensorOps();
  const absl::StatusOr<FusionPlan> plan =
      PlanLayerByLayer(graph, UnitCostModel{}.Functions(), 600);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(plan.status().message(), HasSubstr("layer 'relu2' does not fit after layer 'relu1'"));
}

TEST(NewKindScheduleTest, DeadBoundaryAfterLongChainFailsFast) {
  // 24 convs with several fitting tilings each, then the relu1 -> relu2 boundary that no
  // tiling can satisfy. Backtracking learns that no tiling of a layer can follow a given
  // choice of the previous one and never tries that choice again, so planning fails at once
  // instead of trying every combination of the convs' tilings, and names the boundary.
  GraphBuilder builder;
  TensorId value = builder.Input("x", {1, 1, 16, 16});
  for (int index = 0; index < 24; ++index) {
    value = builder.Conv("conv" + std::to_string(index), value, 1, {.relu = false, .bias = false});
  }
  TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.output_shape = {1, 1, 16, 16};
  const TensorId first = builder.TensorOp("relu1", {value}, spec);
  builder.Output(builder.TensorOp("relu2", {first}, spec));
  const LayerGraph graph = builder.Build();
  const auto start = std::chrono::steady_clock::now();
  const absl::StatusOr<FusionPlan> plan =
      PlanLayerByLayer(graph, UnitCostModel{}.Functions(), 600);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(plan.status().message(), HasSubstr("layer 'relu2' does not fit after layer 'relu1'"));
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace soma::schedule
