// epilogue_test.cc: standalone activation layers, every activation kind, and epilogue order.
#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"

namespace soma::kernels {
namespace {

using graph::Activation;
using graph::ActivationKind;
using graph::LayerKind;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;
using testing::RunWhole;
using testing::SingleLayerGraph;
using testing::Values;

const Values kInputs = {-8, -3, -0.5, 0, 0.5, 3, 8};

// Runs a kActivation layer over kInputs (one channel) with `activations` and no scale or bias.
Values RunActivations(const std::vector<Activation>& activations) {
  graph::LayerGraph graph = SingleLayerGraph(LayerKind::kActivation, graph::ActivationLayerParams{},
                                             {{1, 1, 1, 7}}, {1, 1, 1, 7});
  graph.layers[0].activations = activations;
  auto result = RunWhole(graph, 0, {kInputs});
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : Values{};
}

TEST(ActivationKernelTest, Relu) {
  // ReLU zeroes negatives.
  EXPECT_THAT(RunActivations({{.kind = ActivationKind::kRelu}}),
              ElementsAre(0, 0, 0, 0, 0.5, 3, 8));
}

TEST(ActivationKernelTest, Clip) {
  // Clip to [-1, 6], the ReLU6 form with a negative floor.
  EXPECT_THAT(RunActivations({{.kind = ActivationKind::kClip, .min = -1.0f, .max = 6.0f}}),
              ElementsAre(-1, -1, -0.5, 0, 0.5, 3, 6));
}

TEST(ActivationKernelTest, LeakyRelu) {
  // LeakyRelu with slope 0.1 scales negatives only.
  EXPECT_THAT(RunActivations({{.kind = ActivationKind::kLeakyRelu, .alpha = 0.1f}}),
              Pointwise(FloatNear(1e-7), Values{-0.8f, -0.3f, -0.05f, 0, 0.5f, 3, 8}));
}

TEST(ActivationKernelTest, Sigmoid) {
  // Sigmoid is 1 / (1 + e^-x).
  Values expected;
  for (float x : kInputs) expected.push_back(static_cast<float>(1.0 / (1.0 + std::exp(-x))));
  EXPECT_THAT(RunActivations({{.kind = ActivationKind::kSigmoid}}),
              Pointwise(FloatNear(1e-6), expected));
}

TEST(ActivationKernelTest, HardSigmoid) {
  // HardSigmoid with alpha 0.2, beta 0.5 is clamp(0.2 x + 0.5, 0, 1).
  EXPECT_THAT(RunActivations({{.kind = ActivationKind::kHardSigmoid, .alpha = 0.2f, .beta = 0.5f}}),
              Pointwise(FloatNear(1e-7), Values{0, 0, 0.4f, 0.5f, 0.6f, 1, 1}));
}

TEST(ActivationKernelTest, HardSwish) {
  // HardSwish is x * clamp(x / 6 + 1/2, 0, 1).
  EXPECT_THAT(
      RunActivations({{.kind = ActivationKind::kHardSwish}}),
      Pointwise(FloatNear(1e-6), Values{0, 0, -0.5f * (5.0f / 12), 0, 0.5f * (7.0f / 12), 3, 8}));
}

TEST(EpilogueTest, ScaleThenBiasThenActivationsInOrder) {
  // v * 2 - 1, then Clip to [-1, 1], then LeakyRelu 0.5: -8 -> -17 -> -1 -> -0.5.
  graph::LayerGraph graph = SingleLayerGraph(LayerKind::kActivation, graph::ActivationLayerParams{},
                                             {{1, 1, 1, 7}}, {1, 1, 1, 7});
  graph::Layer& layer = graph.layers[0];
  layer.channel_scale = {2.0f};
  layer.channel_bias = {-1.0f};
  layer.activations = {{.kind = ActivationKind::kClip, .min = -1.0f, .max = 1.0f},
                       {.kind = ActivationKind::kLeakyRelu, .alpha = 0.5f}};
  auto result = RunWhole(graph, 0, {kInputs});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(-0.5, -0.5, -0.5, -0.5, 0, 1, 1));

  // The reverse order applies LeakyRelu first: -8 -> -17 -> -8.5 -> clipped to -1.
  std::swap(layer.activations[0], layer.activations[1]);
  result = RunWhole(graph, 0, {kInputs});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(-1, -1, -1, -0.5, 0, 1, 1));
}

TEST(EpilogueTest, ScaleAndBiasArePerChannel) {
  // Channel k uses channel_scale[k] and channel_bias[k].
  graph::LayerGraph graph = SingleLayerGraph(LayerKind::kActivation, graph::ActivationLayerParams{},
                                             {{1, 2, 1, 2}}, {1, 2, 1, 2});
  graph.layers[0].channel_scale = {10.0f, -1.0f};
  graph.layers[0].channel_bias = {1.0f, 0.5f};
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(11, 21, -2.5, -3.5));
}

}  // namespace
}  // namespace soma::kernels
