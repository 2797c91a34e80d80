// channel_ops_import_test.cc: Add/Mul/Sum layers, Concat, Softmax, LogSoftmax and LRN.
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

TEST(ChannelOpsImportTest, SumOfThreeAndBroadcastMul) {
  // Sum takes every operand; Mul broadcasts a [N, C, 1, 1] activation over H x W.
  auto builder = BuilderWithInput({1, 4, 3, 3});
  builder.AddNode("Relu", {"x"}, {"a"}, "relu");
  builder.AddNode("Sigmoid", {"x"}, {"b"}, "sigmoid");
  builder.AddNode("Sum", {"x", "a", "b"}, {"s"}, "sum");
  builder.AddNode("GlobalAveragePool", {"s"}, {"g"}, "gap");
  builder.AddNode("Mul", {"s", "g"}, {"y"}, "mul");
  builder.AddOutput("y", {1, 4, 3, 3});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* sum = FindLayer(result->graph, "sum");
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->kind, graph::LayerKind::kEltwise);
  EXPECT_EQ(sum->inputs.size(), 3u);
  const graph::Layer* mul = FindLayer(result->graph, "mul");
  ASSERT_NE(mul, nullptr);
  EXPECT_EQ(mul->Params<graph::EltwiseParams>().kind, graph::EltwiseKind::kMul);
  EXPECT_EQ(result->graph.tensor(mul->inputs[1]).shape, (graph::Shape{1, 4, 1, 1}));
}

TEST(ChannelOpsImportTest, EltwiseConstantOperandIsGraphConstant) {
  // A constant operand of a kEltwise layer is a constant tensor in the canonical layout of
  // the output's rank ([4] against a rank-2 output becomes [1, 4, 1, 1]).
  auto builder = BuilderWithInput({2, 4});
  builder.AddNode("Relu", {"x"}, {"r"}, "relu");
  builder.AddInitializer("c", {4}, {1, 2, 3, 4});
  builder.AddNode("Mul", {"r", "c"}, {"y"}, "mul");
  builder.AddOutput("y", {2, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* mul = FindLayer(result->graph, "mul");
  ASSERT_NE(mul, nullptr);
  const graph::Tensor& constant = result->graph.tensor(mul->inputs[1]);
  EXPECT_TRUE(constant.IsConstant());
  EXPECT_EQ(constant.shape, (graph::Shape{1, 4, 1, 1}));
}

TEST(ChannelOpsImportTest, LowerRankOperandIsCopiedToOutputRank) {
  // [4] broadcast against [1, 2, 3, 4] runs along W. The eltwise layer reads the operand in
  // the canonical shape of the output's rank, (1, 1, 1, 4), so a Reshape copy makes it.
  auto builder = BuilderWithInput({1, 2, 3, 4});
  builder.AddInput("v", {4});
  builder.AddNode("Add", {"x", "v"}, {"y"}, "add");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* add = FindLayer(result->graph, "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->kind, graph::LayerKind::kEltwise);
  ASSERT_EQ(add->inputs.size(), 2u);
  EXPECT_EQ(result->graph.tensor(add->inputs[1]).shape, (graph::Shape{1, 1, 1, 4}));
  const graph::Layer* copy = FindLayer(result->graph, "add/reshape_v_rank4");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->kind, graph::LayerKind::kTensorOp);
}

TEST(ChannelOpsImportTest, BroadcastAcrossMergedRowsIsTensorOp) {
  // [2, 1, 4] against [2, 3, 4] broadcasts inside the merged rows (d0*d1) of the rank-3
  // canonical shape, which an eltwise layer cannot express, so Add is a tensor op.
  auto builder = BuilderWithInput({2, 3, 4});
  builder.AddInput("v", {2, 1, 4});
  builder.AddNode("Add", {"x", "v"}, {"y"}, "add");
  builder.AddOutput("y", {2, 3, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* add = FindLayer(result->graph, "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->kind, graph::LayerKind::kTensorOp);
  const auto& params = add->Params<graph::TensorOpParams>();
  EXPECT_EQ(params.op_type, "Add");
  EXPECT_EQ(params.input_dims, (std::vector<std::vector<int64_t>>{{2, 3, 4}, {2, 1, 4}}));
  EXPECT_EQ(params.output_dims, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(params.unit, graph::ExecutionUnit::kVector);
  EXPECT_EQ(FindPlacement(result->placement, "add")->detail, "vector tensor op");
}

TEST(ChannelOpsImportTest, ConcatAlongChannels) {
  // Concat on axis 1 (or -3 for rank 4) sums the channels.
  auto builder = BuilderWithInput({1, 2, 3, 3});
  builder.AddNode("Relu", {"x"}, {"a"}, "relu");
  builder.AddNode("Concat", {"x", "a", "x"}, {"y"}, "concat").Int("axis", -3);
  builder.AddOutput("y", {1, 6, 3, 3});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* concat = FindLayer(result->graph, "concat");
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(concat->kind, graph::LayerKind::kConcat);
  EXPECT_EQ(concat->inputs.size(), 3u);
  EXPECT_EQ(result->graph.tensor(concat->output).shape, (graph::Shape{1, 6, 3, 3}));
}

TEST(ChannelOpsImportTest, ConcatAlongSpatialAxisIsTensorOp) {
  // Only the channel axis maps onto the canonical layout's C; axis 2 is a tensor op.
  auto builder = BuilderWithInput({1, 2, 3, 3});
  builder.AddNode("Concat", {"x", "x"}, {"y"}, "concat").Int("axis", 2);
  builder.AddOutput("y", {1, 2, 6, 3});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layer(0).kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(result->graph.layer(0).inputs.size(), 1u);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, 6, 3}));
}

TEST(ChannelOpsImportTest, SoftmaxAxisRulesFollowOpset) {
  // Opset 13 Softmax over axis 1 of a rank-4 tensor is a channel softmax; opset 11 flattens
  // from axis 1 on, which differs when H * W > 1, and becomes a tensor op.
  auto opset13 = BuilderWithInput({1, 5, 2, 2}, /*opset=*/13);
  opset13.AddNode("LogSoftmax", {"x"}, {"y"}, "softmax").Int("axis", 1);
  opset13.AddOutput("y", {});
  auto result = Import(opset13);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layer(0).kind, graph::LayerKind::kSoftmax);
  EXPECT_TRUE(result->graph.layer(0).Params<graph::SoftmaxParams>().log);

  auto opset11 = BuilderWithInput({1, 5, 2, 2}, /*opset=*/11);
  opset11.AddNode("Softmax", {"x"}, {"y"}, "softmax");
  opset11.AddOutput("y", {});
  result = Import(opset11);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layer(0).kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(result->graph.layer(0).Params<graph::TensorOpParams>().opset, 11);

  auto flat = BuilderWithInput({3, 5}, /*opset=*/11);
  flat.AddNode("Softmax", {"x"}, {"y"}, "softmax");
  flat.AddOutput("y", {3, 5});
  result = Import(flat);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->graph.layer(0).Params<graph::SoftmaxParams>().log);

  auto rows = BuilderWithInput({2, 3, 5}, /*opset=*/13);
  rows.AddNode("Softmax", {"x"}, {"y"}, "softmax");
  rows.AddOutput("y", {2, 3, 5});
  result = Import(rows);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layer(0).kind, graph::LayerKind::kSoftmax);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{6, 5, 1, 1}));
}

TEST(ChannelOpsImportTest, LrnParameters) {
  // LRN keeps size, alpha, beta and bias.
  auto builder = BuilderWithInput({1, 8, 4, 4});
  builder.AddNode("LRN", {"x"}, {"y"}, "lrn")
      .Int("size", 5)
      .Float("alpha", 2e-4f)
      .Float("beta", 0.5f)
      .Float("bias", 2.0f);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& params = result->graph.layer(0).Params<graph::LrnParams>();
  EXPECT_EQ(params.size, 5);
  EXPECT_FLOAT_EQ(params.alpha, 2e-4f);
  EXPECT_FLOAT_EQ(params.beta, 0.5f);
  EXPECT_FLOAT_EQ(params.bias, 2.0f);
}

}  // namespace
}  // namespace soma::importer
