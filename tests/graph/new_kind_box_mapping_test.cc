// new_kind_box_mapping_test.cc: output-to-input regions, MAC counts and Verify for MatMul
// and tensor operation layers.
#include <string>

#include "gmock/gmock.h"
#include "graph/box_mapping.h"
#include "gtest/gtest.h"
#include "util/graph_builder.h"

namespace soma::graph {
namespace {

using ::testing::HasSubstr;
using testing::GraphBuilder;
using testing::TensorOpSpec;

// A (1, 4, 6, 5) x B (1, 1, 5, 7): B's channel extent broadcasts over the output's 4.
LayerGraph BroadcastMatMul() {
  GraphBuilder builder;
  const TensorId a = builder.Input("a", {1, 4, 6, 5});
  const TensorId b = builder.Input("b", {1, 1, 5, 7});
  builder.Output(builder.MatMul("mm", a, b));
  return builder.Build();
}

TEST(NewKindBoxMappingTest, MatMulRowTileReadsRowsOfAAndAllOfB) {
  // Output rows [2, 4) read rows [2, 4) and every K of A, and every K and column of B.
  const LayerGraph graph = BroadcastMatMul();
  const Box rows{{0, 0, 2, 0}, {1, 4, 4, 7}};
  EXPECT_EQ(InputBox(graph, 0, 0, rows), (Box{{0, 0, 2, 0}, {1, 4, 4, 5}}));
  EXPECT_EQ(InputBox(graph, 0, 1, rows), (Box{{0, 0, 0, 0}, {1, 1, 5, 7}}));
}

TEST(NewKindBoxMappingTest, MatMulColumnTileReadsColumnsOfB) {
  // Output columns [3, 7) read every row of A and columns [3, 7) of B.
  const LayerGraph graph = BroadcastMatMul();
  const Box columns{{0, 0, 0, 3}, {1, 4, 6, 7}};
  EXPECT_EQ(InputBox(graph, 0, 0, columns), (Box{{0, 0, 0, 0}, {1, 4, 6, 5}}));
  EXPECT_EQ(InputBox(graph, 0, 1, columns), (Box{{0, 0, 0, 3}, {1, 1, 5, 7}}));
}

TEST(NewKindBoxMappingTest, MatMulBroadcastBatchMapsToZero) {
  // Output channel [1, 3) reads A's channels [1, 3) and B's only channel [0, 1).
  const LayerGraph graph = BroadcastMatMul();
  const Box batch{{0, 1, 0, 0}, {1, 3, 6, 7}};
  EXPECT_EQ(InputBox(graph, 0, 0, batch), (Box{{0, 1, 0, 0}, {1, 3, 6, 5}}));
  EXPECT_EQ(InputBox(graph, 0, 1, batch), (Box{{0, 0, 0, 0}, {1, 1, 5, 7}}));
}

TEST(NewKindBoxMappingTest, MatMulMacCountIsOutputTimesDepth) {
  // 4 x 6 x 7 outputs, each a dot product of K = 5 terms.
  const LayerGraph graph = BroadcastMatMul();
  EXPECT_EQ(LayerMacCount(graph, 0), 4 * 6 * 7 * 5);
}

TEST(NewKindBoxMappingTest, MatMulVerifyRejectsMismatchedDepth) {
  // A's K (5) must equal B's rows (6).
  GraphBuilder builder;
  const TensorId a = builder.Input("a", {1, 1, 6, 5});
  const TensorId b = builder.Input("b", {1, 1, 5, 7});
  builder.Output(builder.MatMul("mm", a, b));
  LayerGraph graph = builder.Build();
  graph.tensors[b].shape = {1, 1, 6, 7};
  const absl::Status status = graph.Verify();
  EXPECT_THAT(status.message(), HasSubstr("layer 'mm' (MatMul): operand shapes do not multiply"));
}

TEST(NewKindBoxMappingTest, MatMulVerifyRejectsUnbroadcastableBatch) {
  // A batch extent of 3 neither equals the output's 4 nor is 1.
  GraphBuilder builder;
  const TensorId a = builder.Input("a", {1, 4, 6, 5});
  const TensorId b = builder.Input("b", {1, 1, 5, 7});
  builder.Output(builder.MatMul("mm", a, b));
  LayerGraph graph = builder.Build();
  graph.tensors[b].shape = {1, 3, 5, 7};
  EXPECT_THAT(graph.Verify().message(), HasSubstr("batch extent 3 of dim 1"));
}

LayerGraph TransposeGraph() {
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {8, 16, 1, 1});
  TensorOpSpec spec;
  spec.op_type = "Transpose";
  spec.input_dims = {{8, 16}};
  spec.output_shape = {1, 1, 16, 8};
  spec.output_dims = {16, 8};
  builder.Output(builder.TensorOp("transpose", {x}, spec));
  return builder.Build();
}

TEST(NewKindBoxMappingTest, TensorOpReadsWholeInput) {
  // Every output box of a tensor operation without tiling reads its whole input.
  const LayerGraph graph = TransposeGraph();
  const Box part{{0, 0, 4, 0}, {1, 1, 8, 8}};
  EXPECT_EQ(InputBox(graph, 0, 0, part), (Box{{0, 0, 0, 0}, {8, 16, 1, 1}}));
  EXPECT_EQ(InputBox(graph, 0, 0, Box::Full({1, 1, 16, 8})), (Box{{0, 0, 0, 0}, {8, 16, 1, 1}}));
}

TEST(NewKindBoxMappingTest, TensorOpMacCountIsParamsMacCount) {
  // LayerMacCount returns the node's mac_count.
  LayerGraph graph = TransposeGraph();
  std::get<TensorOpParams>(graph.layers[0].params).mac_count = 1234;
  EXPECT_EQ(LayerMacCount(graph, 0), 1234);
}

TEST(NewKindBoxMappingTest, TensorOpVerifyRejectsWrongElementCount) {
  // Input dims [8, 15] hold 120 elements, the tensor 128.
  LayerGraph graph = TransposeGraph();
  std::get<TensorOpParams>(graph.layers[0].params).input_dims[0] = {8, 15};
  EXPECT_THAT(graph.Verify().message(),
              HasSubstr("layer 'transpose' (tensor op Transpose): input 0 dims [8, 15] hold 120 "
                        "elements, but tensor 'x' of shape"));
}

}  // namespace
}  // namespace soma::graph
