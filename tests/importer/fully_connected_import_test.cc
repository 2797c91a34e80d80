// fully_connected_import_test.cc: Gemm and MatMul with a constant right operand become
// kFullyConnected layers with weight [K, C*H*W, 1, 1].
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindPlacement;
using ::soma::importer::testing::Import;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FullyConnectedImportTest, GemmTransBKeepsWeightLayout) {
  // transB=1 stores B as [out, in], which is already the layer's weight layout; alpha goes
  // to the scale and beta * C to the bias.
  auto builder = BuilderWithInput({1, 3});
  builder.AddInitializer("b", {2, 3}, {1, 2, 3, 4, 5, 6});
  builder.AddInitializer("c", {2}, {0.5f, -0.5f});
  builder.AddNode("Gemm", {"x", "b", "c"}, {"y"}, "gemm")
      .Int("transB", 1)
      .Float("alpha", 2.0f)
      .Float("beta", 3.0f);
  builder.AddOutput("y", {1, 2});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer& layer = result->graph.layer(0);
  EXPECT_EQ(layer.kind, graph::LayerKind::kFullyConnected);
  const graph::Tensor& weight = result->graph.tensor(*layer.weight);
  EXPECT_EQ(weight.name, "b");
  EXPECT_EQ(weight.shape, (graph::Shape{2, 3, 1, 1}));
  EXPECT_THAT(weight.constant->values, ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(layer.channel_scale, ElementsAre(2.0f, 2.0f));
  EXPECT_THAT(layer.channel_bias, ElementsAre(1.5f, -1.5f));
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, 1, 1}));
  EXPECT_EQ(result->graph.OutputOf(0).onnx_dims, (std::vector<int64_t>{1, 2}));
}

TEST(FullyConnectedImportTest, GemmWithoutTransBTransposesWeight) {
  // transB=0 stores B as [in, out]; the importer transposes it into a new constant.
  auto builder = BuilderWithInput({1, 3});
  builder.AddInitializer("b", {3, 2}, {1, 2, 3, 4, 5, 6});
  builder.AddNode("Gemm", {"x", "b"}, {"y"}, "gemm");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Tensor& weight = result->graph.tensor(*result->graph.layer(0).weight);
  EXPECT_EQ(weight.name, "b_transposed");
  EXPECT_EQ(weight.shape, (graph::Shape{2, 3, 1, 1}));
  EXPECT_THAT(weight.constant->values, ElementsAre(1, 3, 5, 2, 4, 6));
  EXPECT_TRUE(result->graph.layer(0).channel_bias.empty());
}

TEST(FullyConnectedImportTest, ConstantOfShapeWeightStaysFill) {
  // A ConstantOfShape weight is a fill before and after the transpose: no data is expanded.
  auto builder = BuilderWithInput({1, 4096});
  builder.AddInt64Initializer("shape", {2}, {4096, 4096});
  builder.AddNode("ConstantOfShape", {"shape"}, {"w"}, "fill")
      .Tensor("value", model_builder::FloatTensor("", {1}, {0.25f}));
  builder.AddNode("MatMul", {"x", "w"}, {"y"}, "matmul");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Tensor& weight = result->graph.tensor(*result->graph.layer(0).weight);
  ASSERT_TRUE(weight.constant->fill.has_value());
  EXPECT_FLOAT_EQ(*weight.constant->fill, 0.25f);
  EXPECT_TRUE(weight.constant->values.empty());
  EXPECT_EQ(weight.shape, (graph::Shape{4096, 4096, 1, 1}));
  EXPECT_EQ(result->graph.MacCount(), int64_t{4096} * 4096);
  EXPECT_EQ(FindPlacement(result->placement, "fill")->detail,
            "constant fill 0.25 of shape [4096, 4096]");
}

TEST(FullyConnectedImportTest, FlattenIntoGemmKeepsNchwTensor) {
  // A Flatten read only by a Gemm aliases the rank-4 tensor; the layer flattens C*H*W.
  auto builder = BuilderWithInput({2, 3, 2, 2});
  builder.AddNode("Flatten", {"x"}, {"flat"}, "flatten");
  builder.AddInitializer("w", {5, 12}, std::vector<float>(60, 0.5f));
  builder.AddNode("Gemm", {"flat", "w"}, {"y"}, "gemm").Int("transB", 1);
  builder.AddOutput("y", {2, 5});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  const graph::Layer& layer = result->graph.layer(0);
  EXPECT_EQ(result->graph.tensor(layer.inputs[0]).shape, (graph::Shape{2, 3, 2, 2}));
  EXPECT_EQ(result->graph.tensor(*layer.weight).shape, (graph::Shape{5, 12, 1, 1}));
  EXPECT_EQ(result->graph.MacCount(), 2 * 5 * 12);
  const Placement* flatten = FindPlacement(result->placement, "flatten");
  EXPECT_EQ(flatten->kind, PlacementKind::kFolded);
  EXPECT_EQ(flatten->layer, -1);
  EXPECT_EQ(flatten->detail, "view of tensor 'x' as [2, 12]");
}

TEST(FullyConnectedImportTest, MatMulRankOneLeftOperand) {
  // MatMul of a vector [K] and [K, N] gives [N].
  auto builder = BuilderWithInput({4});
  builder.AddInitializer("w", {4, 3}, std::vector<float>(12, 1.0f));
  builder.AddNode("MatMul", {"x", "w"}, {"y"}, "matmul");
  builder.AddOutput("y", {3});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 3, 1, 1}));
  EXPECT_EQ(result->graph.OutputOf(0).onnx_dims, (std::vector<int64_t>{3}));
}

TEST(FullyConnectedImportTest, TransAIsTensorOpGemm) {
  // transA=1 has no fully connected form; the Gemm runs as a tensor op with its MACs.
  auto builder = BuilderWithInput({3, 1});
  builder.AddInitializer("b", {3, 2}, std::vector<float>(6, 1.0f));
  builder.AddNode("Gemm", {"x", "b"}, {"y"}, "gemm").Int("transA", 1);
  builder.AddOutput("y", {1, 2});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer& layer = result->graph.layer(0);
  ASSERT_EQ(layer.kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(layer.Params<graph::TensorOpParams>().mac_count, 1 * 2 * 3);
}

TEST(FullyConnectedImportTest, MatMulOfActivationsIsTensorOp) {
  // MatMul of two rank-2 run-time operands is neither fully connected nor a batched
  // product of rank-4 operands, so it is a tensor op with M*N*K MACs.
  auto builder = BuilderWithInput({2, 3});
  builder.AddInput("z", {3, 4});
  builder.AddNode("MatMul", {"x", "z"}, {"y"}, "matmul");
  builder.AddOutput("y", {2, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer& layer = result->graph.layer(0);
  ASSERT_EQ(layer.kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(layer.Params<graph::TensorOpParams>().mac_count, 2 * 4 * 3);
}

}  // namespace
}  // namespace soma::importer
