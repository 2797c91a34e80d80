// pool_kernel_test.cc: max and average pooling with padding, dilation and count_include_pad.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using ::soma::testing::GraphBuilder;
using ::testing::ElementsAre;
using ::testing::FloatEq;
using testing::Iota;
using testing::RunWhole;
using testing::Values;

TEST(PoolKernelTest, MaxPoolTakesWindowMaximum) {
  // 2x2 stride 2 windows over 0..15 hold maxima 5, 7, 13 and 15.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 4, 4});
  builder.Output(builder.MaxPool("pool", x, 2, 2));
  const graph::LayerGraph graph = builder.Build();
  auto result = RunWhole(graph, 0, {Iota(16)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(5, 7, 13, 15));
}

TEST(PoolKernelTest, MaxPoolIgnoresPadding) {
  // With all inputs negative, a padded 3x3 max pool must not return a padding zero.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 2, 2});
  builder.Output(builder.MaxPool("pool", x, 3, 1, 1));
  const graph::LayerGraph graph = builder.Build();
  auto result = RunWhole(graph, 0, {{-4, -3, -2, -1}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(-1, -1, -1, -1));
}

TEST(PoolKernelTest, MaxPoolWithDilation) {
  // Kernel 2 with dilation 2 on 0..15 reads (r, c), (r, c+2), (r+2, c), (r+2, c+2).
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 4, 4});
  builder.Output(builder.MaxPool("pool", x, 3, 1));
  graph::LayerGraph graph = builder.Build();
  auto& params = std::get<graph::PoolParams>(graph.layers[0].params);
  params.kernel_h = params.kernel_w = 2;
  params.dilation_h = params.dilation_w = 2;
  Values input = Iota(16);
  input[10] = 100;  // (2, 2): read by the window at (0, 0) only.
  auto result = RunWhole(graph, 0, {input});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(100, 11, 14, 15));
}

TEST(PoolKernelTest, AveragePoolExcludesPaddingByDefault) {
  // A padded 3x3 average over 1..4 divides by the in-bounds count: 4 at every corner.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 2, 2});
  builder.Output(builder.AveragePool("pool", x, 3, 1, 1));
  const graph::LayerGraph graph = builder.Build();
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(2.5, 2.5, 2.5, 2.5));
}

TEST(PoolKernelTest, AveragePoolCountsPaddingWhenAsked) {
  // With count_include_pad every 3x3 window divides by 9.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 2, 2});
  builder.Output(builder.AveragePool("pool", x, 3, 1, 1));
  graph::LayerGraph graph = builder.Build();
  std::get<graph::PoolParams>(graph.layers[0].params).count_include_pad = true;
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(FloatEq(10.0f / 9), FloatEq(10.0f / 9), FloatEq(10.0f / 9),
                                   FloatEq(10.0f / 9)));
}

TEST(PoolKernelTest, CountIncludePadStopsAtPaddedExtent) {
  // Kernel 3, stride 2, pad_left 1, pad_right 0 on a 1x5 row: the padded extent is columns
  // [-1, 5), so the first window counts its padding column and the last window, which reaches
  // column 5, counts two columns only.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 1, 5});
  builder.Output(builder.AveragePool("pool", x, 3, 2, 1));
  graph::LayerGraph graph = builder.Build();
  auto& params = std::get<graph::PoolParams>(graph.layers[0].params);
  params.kernel_h = 1;
  params.pad_top = params.pad_bottom = 0;
  params.pad_right = 0;
  params.count_include_pad = true;
  const Values input = {3, 6, 9, 12, 15};
  auto result = RunWhole(graph, 0, {input});
  ASSERT_TRUE(result.ok()) << result.status();
  // Columns {-1, 0, 1}: 9 / 3; {1, 2, 3}: 27 / 3; {3, 4, 5}: 27 / 2.
  EXPECT_THAT(*result, ElementsAre(3, 9, 13.5));

  params.count_include_pad = false;
  result = RunWhole(graph, 0, {input});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(4.5, 9, 13.5));
}

TEST(PoolKernelTest, GlobalAveragePoolAveragesPlane) {
  // Global average pooling over a 2x3 plane per channel.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 2, 2, 3});
  builder.Output(builder.GlobalAveragePool("gap", x));
  const graph::LayerGraph graph = builder.Build();
  auto result = RunWhole(graph, 0, {Iota(12)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(2.5, 8.5));
}

}  // namespace
}  // namespace soma::kernels
