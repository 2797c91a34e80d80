// epilogue_import_test.cc: folding of BatchNormalization, per-channel constants and
// activations into producer epilogues, and the standalone kActivation fallback.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindLayer;
using ::soma::importer::testing::FindPlacement;
using ::soma::importer::testing::Import;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;

// x [1, 2, 4, 4] -> conv (1x1, weight 1, bias {0.5, -1}) -> `conv_out`.
model_builder::OnnxModelBuilder ConvBuilder(bool bias = true) {
  auto builder = BuilderWithInput({1, 2, 4, 4});
  builder.AddInitializer("w", {2, 2, 1, 1}, {1, 0, 0, 1});
  std::vector<std::string> inputs = {"x", "w"};
  if (bias) {
    builder.AddInitializer("conv_b", {2}, {0.5f, -1.0f});
    inputs.push_back("conv_b");
  }
  builder.AddNode("Conv", inputs, {"conv_out"}, "conv");
  return builder;
}

void AddBatchNorm(model_builder::OnnxModelBuilder& builder, const std::string& input,
                  const std::string& output) {
  builder.AddInitializer("gamma", {2}, {2.0f, 0.5f});
  builder.AddInitializer("beta", {2}, {0.25f, -0.5f});
  builder.AddInitializer("mean", {2}, {1.0f, -2.0f});
  builder.AddInitializer("var", {2}, {3.0f, 0.0f});
  builder.AddNode("BatchNormalization", {input, "gamma", "beta", "mean", "var"}, {output}, "bn")
      .Float("epsilon", 1.0f);
}

TEST(EpilogueImportTest, BatchNormFoldsIntoConvScaleAndBias) {
  // scale = gamma / sqrt(var + eps); bias' = bias * scale + beta - mean * scale; the
  // weight stays untouched.
  auto builder = ConvBuilder();
  AddBatchNorm(builder, "conv_out", "bn_out");
  builder.AddOutput("bn_out", {1, 2, 4, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  const graph::Layer& conv = result->graph.layer(0);
  const float scale0 = 2.0f / std::sqrt(4.0f);
  const float scale1 = 0.5f / std::sqrt(1.0f);
  EXPECT_THAT(conv.channel_scale, ElementsAre(FloatNear(scale0, 1e-6), FloatNear(scale1, 1e-6)));
  EXPECT_THAT(conv.channel_bias,
              ElementsAre(FloatNear(0.5f * scale0 + 0.25f - 1.0f * scale0, 1e-6),
                          FloatNear(-1.0f * scale1 - 0.5f + 2.0f * scale1, 1e-6)));
  EXPECT_THAT(result->graph.tensor(*conv.weight).constant->values, ElementsAre(1, 0, 0, 1));
  EXPECT_THAT(conv.origins, ElementsAre("conv", "bn"));
  EXPECT_EQ(result->graph.OutputOf(0).name, "bn_out");
  const Placement* bn = FindPlacement(result->placement, "bn");
  ASSERT_NE(bn, nullptr);
  EXPECT_EQ(bn->kind, PlacementKind::kFolded);
  EXPECT_EQ(bn->layer, 0);
  EXPECT_EQ(bn->detail, "BatchNormalization folded into Conv 'conv'");
}

TEST(EpilogueImportTest, BatchNormWithoutProducerBecomesActivationLayer) {
  // BatchNormalization of a graph input has no producer: a kActivation layer carries it.
  auto builder = BuilderWithInput({1, 2, 4, 4});
  AddBatchNorm(builder, "x", "bn_out");
  builder.AddOutput("bn_out", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  const graph::Layer& layer = result->graph.layer(0);
  EXPECT_EQ(layer.kind, graph::LayerKind::kActivation);
  EXPECT_TRUE(layer.activations.empty());
  EXPECT_THAT(layer.channel_scale, ElementsAre(FloatNear(1.0f, 1e-6), FloatNear(0.5f, 1e-6)));
  EXPECT_THAT(layer.channel_bias, ElementsAre(FloatNear(-0.75f, 1e-6), FloatNear(0.5f, 1e-6)));
  EXPECT_EQ(FindPlacement(result->placement, "bn")->kind, PlacementKind::kNpu);
}

TEST(EpilogueImportTest, BatchNormAfterActivationDoesNotFold) {
  // The epilogue applies scale and bias before activations, so BN after Relu stays apart.
  auto builder = ConvBuilder();
  builder.AddNode("Relu", {"conv_out"}, {"relu_out"}, "relu");
  AddBatchNorm(builder, "relu_out", "bn_out");
  builder.AddOutput("bn_out", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 2u);
  EXPECT_EQ(result->graph.layer(1).kind, graph::LayerKind::kActivation);
  EXPECT_EQ(result->graph.layer(0).activations.size(), 1u);
}

TEST(EpilogueImportTest, ActivationFoldsOnlyIntoSoleReader) {
  // Relu folds when the conv output has one reader; with two readers it becomes a
  // kActivation layer and the conv stays plain.
  auto single = ConvBuilder();
  single.AddNode("Relu", {"conv_out"}, {"relu_out"}, "relu");
  single.AddOutput("relu_out", {});
  auto result = Import(single);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  EXPECT_EQ(result->graph.layer(0).activations[0].kind, graph::ActivationKind::kRelu);
  EXPECT_EQ(FindPlacement(result->placement, "relu")->detail, "Relu folded into Conv 'conv'");

  auto shared = ConvBuilder();
  shared.AddNode("Relu", {"conv_out"}, {"relu_out"}, "relu");
  shared.AddNode("Add", {"conv_out", "relu_out"}, {"sum_out"}, "add");
  shared.AddOutput("sum_out", {});
  result = Import(shared);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* relu = FindLayer(result->graph, "relu");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->kind, graph::LayerKind::kActivation);
  EXPECT_TRUE(FindLayer(result->graph, "conv")->activations.empty());
}

TEST(EpilogueImportTest, ActivationDoesNotFoldIntoGraphOutput) {
  // A producer whose output is also a graph output keeps it unmodified.
  auto builder = ConvBuilder();
  builder.AddNode("Sigmoid", {"conv_out"}, {"sig_out"}, "sigmoid");
  builder.AddOutput("conv_out", {});
  builder.AddOutput("sig_out", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 2u);
  EXPECT_EQ(result->graph.layer(1).kind, graph::LayerKind::kActivation);
  EXPECT_EQ(result->graph.outputs.size(), 2u);
}

TEST(EpilogueImportTest, ActivationParameters) {
  // LeakyRelu alpha, HardSigmoid alpha and beta, and HardSwish fold in order.
  auto builder = ConvBuilder();
  builder.AddNode("LeakyRelu", {"conv_out"}, {"a"}, "leaky").Float("alpha", 0.3f);
  builder.AddNode("HardSigmoid", {"a"}, {"b"}, "hsig").Float("alpha", 0.1f).Float("beta", 0.6f);
  builder.AddNode("HardSwish", {"b"}, {"c"}, "hswish");
  builder.AddOutput("c", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& activations = result->graph.layer(0).activations;
  ASSERT_EQ(activations.size(), 3u);
  EXPECT_EQ(activations[0].kind, graph::ActivationKind::kLeakyRelu);
  EXPECT_FLOAT_EQ(activations[0].alpha, 0.3f);
  EXPECT_EQ(activations[1].kind, graph::ActivationKind::kHardSigmoid);
  EXPECT_FLOAT_EQ(activations[1].alpha, 0.1f);
  EXPECT_FLOAT_EQ(activations[1].beta, 0.6f);
  EXPECT_EQ(activations[2].kind, graph::ActivationKind::kHardSwish);
  EXPECT_THAT(result->graph.layer(0).origins, ElementsAre("conv", "leaky", "hsig", "hswish"));
}

TEST(EpilogueImportTest, ClipAttributeFormBeforeOpset11) {
  // Opset 10 Clip reads min and max from attributes.
  model_builder::OnnxModelBuilder builder("test", /*opset=*/10);
  builder.AddInput("x", {1, 2, 4, 4});
  builder.AddNode("Clip", {"x"}, {"y"}, "clip").Float("min", -1.5f).Float("max", 2.5f);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Activation& clip = result->graph.layer(0).activations[0];
  EXPECT_EQ(clip.kind, graph::ActivationKind::kClip);
  EXPECT_FLOAT_EQ(clip.min, -1.5f);
  EXPECT_FLOAT_EQ(clip.max, 2.5f);
}

TEST(EpilogueImportTest, ClipInputFormWithConstantBounds) {
  // From opset 11 the bounds are constant inputs; an absent max stays +infinity.
  auto builder = ConvBuilder();
  builder.AddNode("Constant", {}, {"lo"}, "lo_const").Float("value_float", 0.0f);
  builder.AddNode("Clip", {"conv_out", "lo"}, {"y"}, "clip");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Activation& clip = result->graph.layer(0).activations[0];
  EXPECT_FLOAT_EQ(clip.min, 0.0f);
  EXPECT_TRUE(std::isinf(clip.max));
  EXPECT_EQ(FindPlacement(result->placement, "lo_const")->kind, PlacementKind::kFolded);
}

TEST(EpilogueImportTest, ClipRejectsMinAboveMax) {
  // min > max is an invalid attribute value.
  model_builder::OnnxModelBuilder builder("test", /*opset=*/10);
  builder.AddInput("x", {1, 2});
  builder.AddNode("Clip", {"x"}, {"y"}, "clip").Float("min", 3.0f).Float("max", 1.0f);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'clip' (op 'Clip'): attribute 'min' has invalid value 3"));
}

TEST(EpilogueImportTest, PerChannelAddFoldsIntoConvBias) {
  // Add of a [C, 1, 1] constant after a conv adds to its bias; a scalar adds everywhere.
  auto builder = ConvBuilder();
  builder.AddInitializer("c", {2, 1, 1}, {1.0f, 2.0f});
  builder.AddNode("Add", {"conv_out", "c"}, {"a"}, "add");
  builder.AddInitializer("s", {}, {10.0f});
  builder.AddNode("Add", {"s", "a"}, {"b"}, "add_scalar");
  builder.AddOutput("b", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  EXPECT_THAT(result->graph.layer(0).channel_bias, ElementsAre(11.5f, 11.0f));
  EXPECT_EQ(FindPlacement(result->placement, "add_scalar")->detail, "Add folded into Conv 'conv'");
}

TEST(EpilogueImportTest, PerChannelMulScalesConvEpilogue) {
  // Mul of a per-channel constant scales both the scale and the bias of the epilogue.
  auto builder = ConvBuilder();
  builder.AddInitializer("m", {1, 2, 1, 1}, {2.0f, -1.0f});
  builder.AddNode("Mul", {"conv_out", "m"}, {"y"}, "mul");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.layers.size(), 1u);
  EXPECT_THAT(result->graph.layer(0).channel_scale, ElementsAre(2.0f, -1.0f));
  EXPECT_THAT(result->graph.layer(0).channel_bias, ElementsAre(1.0f, 1.0f));
}

TEST(EpilogueImportTest, SpatialConstantAddStaysEltwise) {
  // A constant that varies over H and W is no per-channel bias: it stays a kEltwise operand.
  auto builder = ConvBuilder();
  builder.AddInitializer("c", {1, 1, 4, 4}, std::vector<float>(16, 1.0f));
  builder.AddNode("Add", {"conv_out", "c"}, {"y"}, "add");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* add = FindLayer(result->graph, "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->kind, graph::LayerKind::kEltwise);
  ASSERT_EQ(add->inputs.size(), 2u);
  const graph::Tensor& constant = result->graph.tensor(add->inputs[1]);
  EXPECT_TRUE(constant.IsConstant());
  EXPECT_EQ(constant.shape, (graph::Shape{1, 1, 4, 4}));
}

}  // namespace
}  // namespace soma::importer
