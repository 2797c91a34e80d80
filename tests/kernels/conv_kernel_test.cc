// conv_kernel_test.cc: the convolution kernel on hand-computed cases and against its definition.
#include <ostream>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using ::soma::testing::ConvOptions;
using ::soma::testing::GraphBuilder;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::Iota;
using testing::RunWhole;
using testing::SeededValues;
using testing::SetWeights;
using testing::Values;

constexpr ConvOptions kPlain{.kernel = 3, .pad = 1, .relu = false, .bias = false};

TEST(ConvKernelTest, PaddedConvSumsNeighbours) {
  // A 3x3 all-ones kernel with pad 1 sums each pixel's in-bounds neighbourhood; padding adds 0.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 3, 3});
  builder.Output(builder.Conv("conv", x, 1, kPlain));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, Values(9, 1.0f));
  // x = 1..9 in row-major order.
  Values input = Iota(9);
  for (float& value : input) value += 1.0f;
  auto result = RunWhole(graph, 0, {input});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(12, 21, 16, 27, 45, 33, 24, 39, 28));
}

TEST(ConvKernelTest, StridedConvSkipsPositions) {
  // Kernel 2, stride 2, no padding: each output sums one disjoint 2x2 block of 0..15.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 4, 4});
  builder.Output(builder.Conv(
      "conv", x, 1, ConvOptions{.kernel = 2, .stride = 2, .pad = 0, .relu = false, .bias = false}));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, Values(4, 1.0f));
  auto result = RunWhole(graph, 0, {Iota(16)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(10, 18, 42, 50));
}

TEST(ConvKernelTest, DilatedConvReadsSpreadTaps) {
  // Kernel 3 with dilation 2 on a 5x5 input reads rows and columns 0, 2 and 4.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 5, 5});
  builder.Output(builder.Conv(
      "conv", x, 1,
      ConvOptions{.kernel = 3, .pad = 0, .dilation = 2, .relu = false, .bias = false}));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, {1, 0, 0, 0, 0, 0, 0, 0, 10});
  auto result = RunWhole(graph, 0, {Iota(25)});
  ASSERT_TRUE(result.ok()) << result.status();
  // Tap (0, 0) reads x[0][0] = 0, tap (2, 2) reads x[4][4] = 24.
  EXPECT_THAT(*result, ElementsAre(240));
}

TEST(ConvKernelTest, GroupedConvReadsOwnGroupChannels) {
  // Two groups of a 1x1 conv: output 0 mixes input channels 0-1, output 1 mixes 2-3.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 4, 1, 2});
  builder.Output(builder.Conv(
      "conv", x, 2, ConvOptions{.kernel = 1, .pad = 0, .groups = 2, .relu = false, .bias = false}));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, {1, 10, 100, 1000});
  // Channel c contains (c, c + 0.5).
  auto result = RunWhole(graph, 0, {{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(10, 15.5, 100 * 2 + 1000 * 3, 100 * 2.5 + 1000 * 3.5));
}

TEST(ConvKernelTest, DepthwiseConvFiltersEachChannel) {
  // Depthwise 3x3 pad 1: channel 0 sums its neighbourhood, channel 1 doubles the centre.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 2, 2, 2});
  builder.Output(builder.Conv(
      "dw", x, 2, ConvOptions{.kernel = 3, .pad = 1, .groups = 2, .relu = false, .bias = false}));
  graph::LayerGraph graph = builder.Build();
  Values weights(18, 0.0f);
  for (int i = 0; i < 9; ++i) weights[i] = 1.0f;
  weights[9 + 4] = 2.0f;
  SetWeights(graph, 0, weights);
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4, 5, 6, 7, 8}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(10, 10, 10, 10, 10, 12, 14, 16));
}

TEST(ConvKernelTest, EpilogueFollowsConvolution) {
  // The builder's bias (0.01 * k) and ReLU apply after the sum: k = 1 turns -1 into 0.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 1, 1});
  builder.Output(builder.Conv("conv", x, 2, ConvOptions{.kernel = 1, .pad = 0}));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, {2, -1});
  auto result = RunWhole(graph, 0, {{1}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(2.0f, 0.0f));
}

struct ConvCase {
  const char* name;
  graph::Shape input;
  int64_t out_channels;
  ConvOptions options;
};

void PrintTo(const ConvCase& param, std::ostream* os) { *os << param.name; }

class ConvDefinitionTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvDefinitionTest, MatchesDefinition) {
  // The kernel equals the seven-loop definition followed by the epilogue.
  const ConvCase& param = GetParam();
  GraphBuilder builder("conv_case", 7);
  const auto x = builder.Input("x", param.input);
  builder.Output(builder.Conv("conv", x, param.out_channels, param.options));
  graph::LayerGraph graph = builder.Build();
  const Values input = SeededValues(graph::ElementCount(param.input), 3);
  auto result = RunWhole(graph, 0, {input});
  ASSERT_TRUE(result.ok()) << result.status();
  Values expected = testing::NaiveConv(graph, 0, input);
  testing::NaiveEpilogue(graph, 0, expected);
  EXPECT_LT(testing::MaxAbsDifference(*result, expected), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvDefinitionTest,
    ::testing::Values(
        ConvCase{"Pad1", {1, 5, 9, 11}, 6, ConvOptions{}},
        ConvCase{"Stride2", {2, 3, 13, 10}, 7, ConvOptions{.kernel = 3, .stride = 2, .pad = 1}},
        ConvCase{"Kernel5Pad2", {1, 4, 8, 8}, 5, ConvOptions{.kernel = 5, .pad = 2}},
        ConvCase{"Dilation2", {1, 3, 10, 9}, 4, ConvOptions{.kernel = 3, .pad = 2, .dilation = 2}},
        ConvCase{"Groups3", {1, 6, 7, 7}, 9, ConvOptions{.kernel = 3, .pad = 1, .groups = 3}},
        ConvCase{"Depthwise",
                 {2, 8, 9, 9},
                 8,
                 ConvOptions{.kernel = 3, .stride = 2, .pad = 1, .groups = 8}},
        ConvCase{"Pointwise", {1, 17, 6, 5}, 11, ConvOptions{.kernel = 1, .pad = 0}},
        ConvCase{
            "Stride4Kernel11", {1, 3, 35, 35}, 5, ConvOptions{.kernel = 11, .stride = 4, .pad = 2}},
        ConvCase{"ManyPositions", {1, 3, 20, 30}, 6, ConvOptions{}}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return info.param.name; });

}  // namespace
}  // namespace soma::kernels
