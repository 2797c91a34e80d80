// vector_kernels_test.cc: eltwise, concat, softmax and LRN kernels on hand-computed cases.
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"

namespace soma::kernels {
namespace {

using graph::LayerKind;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using testing::Iota;
using ::testing::Pointwise;
using testing::RunWhole;
using testing::SingleLayerGraph;
using testing::Values;

TEST(EltwiseKernelTest, AddBroadcastsExtentsOfOne) {
  // a [1,2,2,2] + per-channel b [1,2,1,1] + per-column c [1,1,1,2].
  const graph::LayerGraph graph =
      SingleLayerGraph(LayerKind::kEltwise, graph::EltwiseParams{graph::EltwiseKind::kAdd},
                       {{1, 2, 2, 2}, {1, 2, 1, 1}, {1, 1, 1, 2}}, {1, 2, 2, 2});
  auto result = RunWhole(graph, 0, {Iota(8), {100, 200}, {0.5, 0.25}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(100.5, 101.25, 102.5, 103.25, 204.5, 205.25, 206.5, 207.25));
}

TEST(EltwiseKernelTest, MulBroadcastsRows) {
  // a [1,1,2,3] * b [1,1,2,1] scales each row by its own factor.
  const graph::LayerGraph graph =
      SingleLayerGraph(LayerKind::kEltwise, graph::EltwiseParams{graph::EltwiseKind::kMul},
                       {{1, 1, 2, 3}, {1, 1, 2, 1}}, {1, 1, 2, 3});
  auto result = RunWhole(graph, 0, {Iota(6), {2, -1}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(0, 2, 4, -3, -4, -5));
}

TEST(EltwiseKernelTest, BroadcastsBatchOfOne) {
  // A constant-like operand of batch 1 adds to both images of a batch of 2.
  const graph::LayerGraph graph =
      SingleLayerGraph(LayerKind::kEltwise, graph::EltwiseParams{graph::EltwiseKind::kAdd},
                       {{2, 1, 1, 2}, {1, 1, 1, 2}}, {2, 1, 1, 2});
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4}, {10, 20}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(11, 22, 13, 24));
}

TEST(ConcatKernelTest, StacksInputsAlongChannels) {
  // Inputs of 1 and 2 channels fill output channels [0, 1) and [1, 3) in order.
  const graph::LayerGraph graph = SingleLayerGraph(LayerKind::kConcat, graph::ConcatParams{},
                                                   {{1, 1, 1, 2}, {1, 2, 1, 2}}, {1, 3, 1, 2});
  auto result = RunWhole(graph, 0, {{1, 2}, {3, 4, 5, 6}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(ConcatKernelTest, BoxWithinOneInputNeedsNoOtherData) {
  // Output channels [1, 3) come from input 1 alone, so input 0 may arrive without data.
  const graph::LayerGraph graph = SingleLayerGraph(LayerKind::kConcat, graph::ConcatParams{},
                                                   {{1, 1, 1, 2}, {1, 2, 1, 2}}, {1, 3, 1, 2});
  const Values second = {3, 4, 5, 6};
  Values output(4, 0.0f);
  KernelCall call;
  call.layer = 0;
  call.output_box = graph::Box{{0, 1, 0, 0}, {1, 3, 1, 2}};
  call.output = {output.data(), call.output_box};
  call.inputs = {{nullptr, graph::Box{}, graph::Box{}},
                 {second.data(), graph::Box::Full({1, 2, 1, 2}), graph::Box::Full({1, 2, 1, 2})}};
  const absl::Status status = RunKernel(graph, call);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(output, ElementsAre(3, 4, 5, 6));
}

TEST(SoftmaxKernelTest, NormalisesOverChannels) {
  // Softmax of (1, 2, 3) per pixel; the second pixel adds 1000 and must not overflow.
  const graph::LayerGraph graph = SingleLayerGraph(
      LayerKind::kSoftmax, graph::SoftmaxParams{.log = false}, {{1, 3, 1, 2}}, {1, 3, 1, 2});
  auto result = RunWhole(graph, 0, {{1, 1001, 2, 1002, 3, 1003}});
  ASSERT_TRUE(result.ok()) << result.status();
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const float p0 = std::exp(1.0) / sum;
  const float p1 = std::exp(2.0) / sum;
  const float p2 = std::exp(3.0) / sum;
  EXPECT_THAT(*result, Pointwise(FloatNear(1e-7), Values{p0, p0, p1, p1, p2, p2}));
}

TEST(SoftmaxKernelTest, LogSoftmaxSubtractsLogSum) {
  // LogSoftmax of (0, ln 3) is (-ln 4, ln 3 - ln 4).
  const graph::LayerGraph graph = SingleLayerGraph(
      LayerKind::kSoftmax, graph::SoftmaxParams{.log = true}, {{1, 2, 1, 1}}, {1, 2, 1, 1});
  auto result = RunWhole(graph, 0, {{0.0f, static_cast<float>(std::log(3.0))}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, Pointwise(FloatNear(1e-6), Values{static_cast<float>(-std::log(4.0)),
                                                         static_cast<float>(std::log(0.75))}));
}

// LRN straight from the ONNX formula, per element.
Values DirectLrn(const Values& x, int64_t channels, int64_t plane, const graph::LrnParams& lrn) {
  Values y(x.size());
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t p = 0; p < plane; ++p) {
      double square_sum = 0.0;
      const int64_t lo = c - (lrn.size - 1) / 2;
      const int64_t hi = c + lrn.size / 2;  // ceil((size - 1) / 2)
      for (int64_t i = std::max<int64_t>(0, lo); i <= std::min<int64_t>(channels - 1, hi); ++i) {
        square_sum += static_cast<double>(x[i * plane + p]) * x[i * plane + p];
      }
      y[c * plane + p] = static_cast<float>(
          x[c * plane + p] / std::pow(lrn.bias + lrn.alpha / lrn.size * square_sum, lrn.beta));
    }
  }
  return y;
}

TEST(LrnKernelTest, MatchesOnnxFormulaForOddAndEvenSizes) {
  // Size 3 reaches one channel each way; size 4 reaches one below and two above.
  for (int64_t size : {3, 4}) {
    const graph::LrnParams lrn{.size = size, .alpha = 0.5f, .beta = 0.75f, .bias = 2.0f};
    const graph::LayerGraph graph =
        SingleLayerGraph(LayerKind::kLrn, lrn, {{1, 5, 2, 3}}, {1, 5, 2, 3});
    const Values input = testing::SeededValues(30, 17);
    auto result = RunWhole(graph, 0, {input});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_THAT(*result, Pointwise(FloatNear(1e-6), DirectLrn(input, 5, 6, lrn)))
        << "size " << size;
  }
}

TEST(LrnKernelTest, SizeOneDividesBySelf) {
  // Size 1, alpha 1, beta 1, bias 0: y = x / x^2 = 1 / x.
  const graph::LrnParams lrn{.size = 1, .alpha = 1.0f, .beta = 1.0f, .bias = 0.0f};
  const graph::LayerGraph graph =
      SingleLayerGraph(LayerKind::kLrn, lrn, {{1, 2, 1, 1}}, {1, 2, 1, 1});
  auto result = RunWhole(graph, 0, {{2, 4}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(0.5, 0.25));
}

}  // namespace
}  // namespace soma::kernels
