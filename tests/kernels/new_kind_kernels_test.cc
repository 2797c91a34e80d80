// new_kind_kernels_test.cc: the MatMul kernel against its definition and under tiling, and
// the tensor operation kernel's checks.
#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "onnx/onnx_pb.h"

namespace soma::kernels::testing {
namespace {

using graph::Box;
using graph::Shape;
using ::testing::HasSubstr;

// A (2, 3, 5, 7) x B (1, 3, 7, 4): B's batch broadcasts over N.
graph::LayerGraph BroadcastMatMulGraph() {
  return SingleLayerGraph(graph::LayerKind::kMatMul, graph::MatMulParams{},
                          {{2, 3, 5, 7}, {1, 3, 7, 4}}, {2, 3, 5, 4});
}

Values NaiveMatMul(const Values& a, const Values& b) {
  Values out(2 * 3 * 5 * 4);
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 3; ++c) {
      for (int m = 0; m < 5; ++m) {
        for (int j = 0; j < 4; ++j) {
          double sum = 0;
          for (int k = 0; k < 7; ++k) {
            sum += static_cast<double>(a[((n * 3 + c) * 5 + m) * 7 + k]) *
                   static_cast<double>(b[(c * 7 + k) * 4 + j]);
          }
          out[((n * 3 + c) * 5 + m) * 4 + j] = static_cast<float>(sum);
        }
      }
    }
  }
  return out;
}

TEST(NewKindKernelsTest, MatMulMatchesDefinition) {
  // The kernel computes the broadcast batched product in double, as its definition does.
  const graph::LayerGraph graph = BroadcastMatMulGraph();
  const Values a = SeededValues(2 * 3 * 5 * 7, 1);
  const Values b = SeededValues(3 * 7 * 4, 2);
  const absl::StatusOr<Values> result = RunWhole(graph, 0, {a, b});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, NaiveMatMul(a, b));
}

TEST(NewKindKernelsTest, MatMulTilesGiveIdenticalBits) {
  // Row, column and batch tiles, each with only its InputBox regions, reproduce the whole
  // result bit for bit.
  const graph::LayerGraph graph = BroadcastMatMulGraph();
  const Values a = SeededValues(2 * 3 * 5 * 7, 3);
  const Values b = SeededValues(3 * 7 * 4, 4);
  const absl::StatusOr<Values> whole = RunWhole(graph, 0, {a, b});
  ASSERT_TRUE(whole.ok()) << whole.status();
  const absl::StatusOr<Values> tiled =
      RunTiled(graph, 0, {a, b}, SplitBox({2, 3, 5, 4}, Shape{2, 3, 2, 2}));
  ASSERT_TRUE(tiled.ok()) << tiled.status();
  EXPECT_EQ(*tiled, *whole);
}

TEST(NewKindKernelsTest, TensorOpRejectsUnparsableNode) {
  // A node_proto that is not a NodeProto names the layer.
  graph::TensorOpParams params;
  params.op_type = "Relu";
  params.node_proto = "\xff\xff\xff";
  params.input_slots = {0};
  params.input_dims = {{1, 2, 2, 2}};
  params.input_elem_types = {1};
  params.output_dims = {1, 2, 2, 2};
  const graph::LayerGraph graph =
      SingleLayerGraph(graph::LayerKind::kTensorOp, params, {{1, 2, 2, 2}}, {1, 2, 2, 2});
  const absl::StatusOr<Values> result = RunWhole(graph, 0, {SeededValues(8, 5)});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("layer 'layer' (tensor op Relu): node_proto is not a valid serialised "
                        "onnx.NodeProto"));
}

// Softmax along canonical W of x (6, 1, 1, 8), independent along canonical N
// (parallel_dims 1), so a tile of rows runs the node on those rows only.
graph::LayerGraph RowParallelSoftmax() {
  onnx::NodeProto node;
  node.set_op_type("Softmax");
  node.add_input("x");
  node.add_output("y");
  onnx::AttributeProto* axis = node.add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(3);
  graph::TensorOpParams params;
  params.op_type = "Softmax";
  params.node_proto = node.SerializeAsString();
  params.opset = 13;
  params.input_slots = {0};
  params.input_dims = {{6, 1, 1, 8}};
  params.input_elem_types = {1};
  params.output_dims = {6, 1, 1, 8};
  params.parallel_dims = 1;
  return SingleLayerGraph(graph::LayerKind::kTensorOp, params, {{6, 1, 1, 8}}, {6, 1, 1, 8});
}

TEST(NewKindKernelsTest, ParallelTensorOpTilesMatchWhole) {
  // Three row tiles, each given only the input rows InputBox returns, give the whole run's
  // values bit for bit, and each row sums to 1.
  const graph::LayerGraph graph = RowParallelSoftmax();
  const Values x = SeededValues(48, 6);
  const absl::StatusOr<Values> whole = RunWhole(graph, 0, {x});
  ASSERT_TRUE(whole.ok()) << whole.status();
  const absl::StatusOr<Values> tiled = RunTiled(graph, 0, {x}, SplitBox({6, 1, 1, 8}, {3, 1, 1, 1}));
  ASSERT_TRUE(tiled.ok()) << tiled.status();
  EXPECT_EQ(*tiled, *whole);
  for (int row = 0; row < 6; ++row) {
    double sum = 0;
    for (int column = 0; column < 8; ++column) sum += (*whole)[row * 8 + column];
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << row;
  }
}

}  // namespace
}  // namespace soma::kernels::testing
