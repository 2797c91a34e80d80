// fully_connected_kernel_test.cc: the fully connected kernel by hand and against its definition.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using ::soma::testing::GraphBuilder;
using ::testing::ElementsAre;
using testing::RunWhole;
using testing::SeededValues;
using testing::SetWeights;

TEST(FullyConnectedKernelTest, ReducesOverFlattenedInput) {
  // Row k of the weight dots the NCHW-flattened input; the builder's bias is 0.02.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 2, 1, 2});
  builder.Output(builder.FullyConnected("fc", x, 3));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, {1, 0, 0, 0, /**/ 0, 0, 0, 1, /**/ 1, 1, 1, 1});
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(1.02f, 4.02f, 10.02f));
}

TEST(FullyConnectedKernelTest, FlattensChannelsBeforeRows) {
  // Feature (c * H + h) * W + w: with C = 2, H = 2, W = 1 feature 1 is channel 0, row 1.
  GraphBuilder builder;
  const auto x = builder.Input("x", {2, 2, 2, 1});
  builder.Output(builder.FullyConnected("fc", x, 1, /*relu=*/true));
  graph::LayerGraph graph = builder.Build();
  SetWeights(graph, 0, {0, 1, 0, -1});
  // Image 0: c0 = (1, 2), c1 = (3, 4); image 1: c0 = (5, 6), c1 = (7, 9).
  auto result = RunWhole(graph, 0, {{1, 2, 3, 4, 5, 6, 7, 9}});
  ASSERT_TRUE(result.ok()) << result.status();
  // Image 0: 2 - 4 + 0.02 < 0, so ReLU gives 0; image 1: 6 - 9 + 0.02 < 0 as well.
  EXPECT_THAT(*result, ElementsAre(0.0f, 0.0f));
  SetWeights(graph, 0, {0, 1, 1, 0});
  result = RunWhole(graph, 0, {{1, 2, 3, 4, 5, 6, 7, 9}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(*result, ElementsAre(5.02f, 13.02f));
}

TEST(FullyConnectedKernelTest, MatchesDefinitionOnRandomData) {
  // A batch of three 13x3x3 inputs through 37 outputs equals the definition plus epilogue.
  GraphBuilder builder("fc_case", 5);
  const auto x = builder.Input("x", {3, 13, 3, 3});
  builder.Output(builder.FullyConnected("fc", x, 37, /*relu=*/true));
  graph::LayerGraph graph = builder.Build();
  const testing::Values input = SeededValues(3 * 13 * 9, 11);
  auto result = RunWhole(graph, 0, {input});
  ASSERT_TRUE(result.ok()) << result.status();
  testing::Values expected = testing::NaiveFullyConnected(graph, 0, input);
  testing::NaiveEpilogue(graph, 0, expected);
  EXPECT_LT(testing::MaxAbsDifference(*result, expected), 1e-6);
}

}  // namespace
}  // namespace soma::kernels
