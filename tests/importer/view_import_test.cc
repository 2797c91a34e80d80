// view_import_test.cc: Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout become
// views, and constant folding resolves shape chains.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindLayer;
using ::soma::importer::testing::FindPlacement;
using ::soma::importer::testing::Import;
using ::testing::HasSubstr;

TEST(ViewImportTest, ReshapeWithZeroAndMinusOneKeepsLayout) {
  // [1, 6, 1, 1] -> shape [0, -1] resolves to [1, 6], whose canonical layout is the same.
  auto builder = BuilderWithInput({1, 6, 1, 1});
  builder.AddInt64Initializer("shape", {2}, {0, -1});
  builder.AddNode("Reshape", {"x", "shape"}, {"r"}, "reshape");
  builder.AddNode("Relu", {"r"}, {"y"}, "relu");
  builder.AddOutput("y", {1, 6});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  EXPECT_EQ(result->graph.tensor(result->graph.layer(0).inputs[0]).name, "x");
  EXPECT_EQ(result->graph.OutputOf(0).onnx_dims, (std::vector<int64_t>{1, 6}));
  const Placement* reshape = FindPlacement(result->placement, "reshape");
  EXPECT_EQ(reshape->kind, PlacementKind::kFolded);
  EXPECT_EQ(reshape->layer, -1);
  EXPECT_EQ(reshape->detail, "view of tensor 'x'");
}

TEST(ViewImportTest, IdentityDropoutSqueezeUnsqueezeAreViews) {
  // Each of these ops aliases its input; no layer is created for them.
  auto builder = BuilderWithInput({1, 4, 1, 1}, /*opset=*/13);
  builder.AddNode("Identity", {"x"}, {"a"}, "identity");
  builder.AddNode("Dropout", {"a"}, {"b"}, "dropout");
  builder.AddInt64Initializer("axes", {2}, {2, 3});
  builder.AddNode("Squeeze", {"b", "axes"}, {"c"}, "squeeze");
  builder.AddInt64Initializer("axis0", {1}, {2});
  builder.AddNode("Unsqueeze", {"c", "axis0"}, {"d"}, "unsqueeze");
  builder.AddNode("Sigmoid", {"d"}, {"y"}, "sigmoid");
  builder.AddOutput("y", {1, 4, 1});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  // The Sigmoid keeps x's tensor shape; the output [1, 4, 1] gets a canonical copy.
  ASSERT_EQ(result->graph.layers.size(), 2u);
  EXPECT_EQ(result->graph.layer(0).kind, graph::LayerKind::kActivation);
  EXPECT_EQ(result->graph.OutputOf(1).onnx_dims, (std::vector<int64_t>{1, 4, 1}));
  EXPECT_EQ(result->graph.OutputOf(1).shape, (graph::Shape{4, 1, 1, 1}));
  for (const char* name : {"identity", "dropout", "squeeze", "unsqueeze"}) {
    EXPECT_THAT(FindPlacement(result->placement, name)->detail,
                ::testing::StartsWith("view of tensor 'x'"))
        << name;
  }
}

TEST(ViewImportTest, LayoutChangingReshapeIsMaterialisedOnce) {
  // A view whose canonical shape differs from its tensor's is copied by one synthesised
  // Reshape tensor op before the specialised layers that read it. Both readers share the
  // copy, and an element-wise activation reads the view's tensor directly.
  auto builder = BuilderWithInput({1, 4, 2, 2});
  builder.AddInt64Initializer("shape", {3}, {1, 2, 8});
  builder.AddNode("Reshape", {"x", "shape"}, {"r"}, "reshape");
  builder.AddNode("Softmax", {"r"}, {"s"}, "softmax");
  builder.AddNode("LogSoftmax", {"r"}, {"t"}, "log_softmax");
  builder.AddNode("Relu", {"r"}, {"u"}, "relu");
  builder.AddOutput("s", {1, 2, 8});
  builder.AddOutput("t", {1, 2, 8});
  builder.AddOutput("u", {1, 2, 8});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::LayerGraph& graph = result->graph;
  const graph::Layer* copy = FindLayer(graph, "softmax/reshape_r");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(copy->Params<graph::TensorOpParams>().op_type, "Reshape");
  EXPECT_EQ(copy->Params<graph::TensorOpParams>().embedded_inputs.size(), 1u);
  EXPECT_EQ(graph.tensor(copy->inputs[0]).name, "x");
  EXPECT_EQ(graph.tensor(copy->output).shape, (graph::Shape{2, 8, 1, 1}));
  const graph::Layer* softmax = FindLayer(graph, "softmax");
  const graph::Layer* log_softmax = FindLayer(graph, "log_softmax");
  ASSERT_NE(softmax, nullptr);
  ASSERT_NE(log_softmax, nullptr);
  EXPECT_EQ(softmax->inputs[0], copy->output);
  EXPECT_EQ(log_softmax->inputs[0], copy->output);
  const graph::Layer* relu = FindLayer(graph, "relu");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(graph.tensor(relu->inputs[0]).name, "x");
  EXPECT_EQ(graph.layers.size(), 5u);  // copy, two softmaxes, relu, relu's output copy
  EXPECT_EQ(FindPlacement(result->placement, "reshape")->detail,
            "view of tensor 'x' as [1, 2, 8]");
}

TEST(ViewImportTest, RejectsReshapeWithElementCountMismatch) {
  // The target shape must hold as many elements as the input.
  auto builder = BuilderWithInput({1, 4, 2, 2});
  builder.AddInt64Initializer("shape", {2}, {1, 15});
  builder.AddNode("Reshape", {"x", "shape"}, {"y"}, "reshape");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'reshape' (op 'Reshape'): cannot reshape [1, 4, 2, 2] (16 "
                        "elements) to [1, 15] (15 elements)"));
}

TEST(ViewImportTest, ShapeGatherConcatChainFolds) {
  // Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters emit for a flatten,
  // folds to constants and the Reshape feeding a Gemm becomes a view.
  auto builder = BuilderWithInput({2, 3, 2, 2}, /*opset=*/13);
  builder.AddNode("Shape", {"x"}, {"s"}, "shape");
  builder.AddInt64Initializer("zero", {}, {0});
  builder.AddNode("Gather", {"s", "zero"}, {"n"}, "gather");
  builder.AddInt64Initializer("axes", {1}, {0});
  builder.AddNode("Unsqueeze", {"n", "axes"}, {"n1"}, "unsqueeze");
  builder.AddInt64Initializer("minus_one", {1}, {-1});
  builder.AddNode("Concat", {"n1", "minus_one"}, {"target"}, "concat").Int("axis", 0);
  builder.AddNode("Reshape", {"x", "target"}, {"flat"}, "reshape");
  builder.AddInitializer("w", {4, 12}, std::vector<float>(48, 1.0f));
  builder.AddNode("Gemm", {"flat", "w"}, {"y"}, "gemm").Int("transB", 1);
  builder.AddOutput("y", {2, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  EXPECT_EQ(FindPlacement(result->placement, "shape")->detail, "constant shape [2, 3, 2, 2]");
  EXPECT_EQ(FindPlacement(result->placement, "concat")->detail,
            "constant folded to shape [2]");
  EXPECT_EQ(FindPlacement(result->placement, "reshape")->kind, PlacementKind::kFolded);
}

TEST(ViewImportTest, ReshapeOfConstantFolds) {
  // A Reshape of an initializer (as CNTK exports MatMul weights) folds into a constant.
  auto builder = BuilderWithInput({1, 4});
  builder.AddInitializer("w4", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  builder.AddInt64Initializer("shape", {2}, {4, 2});
  builder.AddNode("Reshape", {"w4", "shape"}, {"w"}, "reshape_w");
  builder.AddNode("MatMul", {"x", "w"}, {"y"}, "matmul");
  builder.AddOutput("y", {1, 2});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Tensor& weight = result->graph.tensor(*result->graph.layer(0).weight);
  EXPECT_EQ(weight.shape, (graph::Shape{2, 4, 1, 1}));
  EXPECT_THAT(weight.constant->values, ::testing::ElementsAre(1, 3, 5, 7, 2, 4, 6, 8));
  EXPECT_EQ(FindPlacement(result->placement, "reshape_w")->detail,
            "constant folded to shape [4, 2]");
}

}  // namespace
}  // namespace soma::importer
