// box_mapping_test.cc: output-to-input regions for every layer kind the builder makes.
#include "graph/box_mapping.h"

#include "gtest/gtest.h"
#include "util/graph_builder.h"

namespace soma::graph {
namespace {

using testing::ConvOptions;
using testing::GraphBuilder;

TEST(BoxMappingTest, ConvHaloIsClampedAtBorders) {
  // A 3x3 pad-1 conv needs one halo row each side, clamped at the tensor's edges.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 8, 16, 16});
  TensorId y = builder.Conv("conv", x, 4);
  builder.Output(y);
  LayerGraph graph = builder.Build();
  Box top{{0, 0, 0, 0}, {1, 4, 4, 16}};
  EXPECT_EQ(InputBox(graph, 0, 0, top), (Box{{0, 0, 0, 0}, {1, 8, 5, 16}}));
  Box middle{{0, 0, 4, 0}, {1, 4, 8, 16}};
  EXPECT_EQ(InputBox(graph, 0, 0, middle), (Box{{0, 0, 3, 0}, {1, 8, 9, 16}}));
}

TEST(BoxMappingTest, StridedConvScalesRows) {
  // Stride 2, kernel 3, pad 1: output rows [2, 4) read input rows [3, 8).
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 3, 16, 16});
  TensorId y = builder.Conv("conv", x, 8, ConvOptions{.kernel = 3, .stride = 2, .pad = 1});
  builder.Output(y);
  LayerGraph graph = builder.Build();
  Box out{{0, 0, 2, 0}, {1, 8, 4, 8}};
  EXPECT_EQ(InputBox(graph, 0, 0, out), (Box{{0, 0, 3, 0}, {1, 3, 8, 16}}));
}

TEST(BoxMappingTest, DepthwiseConvReadsOwnChannels) {
  // A depthwise conv's output channels [4, 8) read input channels [4, 8) only.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 16, 8, 8});
  TensorId y = builder.Conv("dw", x, 16, ConvOptions{.groups = 16});
  builder.Output(y);
  LayerGraph graph = builder.Build();
  Box out{{0, 4, 0, 0}, {1, 8, 8, 8}};
  Box in = InputBox(graph, 0, 0, out);
  EXPECT_EQ(in.lo[kC], 4);
  EXPECT_EQ(in.hi[kC], 8);
  EXPECT_EQ(WeightBox(graph, 0, out), (Box{{4, 0, 0, 0}, {8, 1, 3, 3}}));
}

TEST(BoxMappingTest, ConcatSplitsChannelsAcrossInputs) {
  // Output channels [2, 6) of concat(4 ch, 4 ch) read [2, 4) of input 0 and [0, 2) of input 1.
  GraphBuilder builder;
  TensorId a = builder.Input("a", {1, 4, 4, 4});
  TensorId b = builder.Input("b", {1, 4, 4, 4});
  TensorId y = builder.Concat("cat", {a, b});
  builder.Output(y);
  LayerGraph graph = builder.Build();
  Box out{{0, 2, 0, 0}, {1, 6, 4, 4}};
  EXPECT_EQ(InputBox(graph, 0, 0, out), (Box{{0, 2, 0, 0}, {1, 4, 4, 4}}));
  EXPECT_EQ(InputBox(graph, 0, 1, out), (Box{{0, 0, 0, 0}, {1, 2, 4, 4}}));
}

TEST(BoxMappingTest, FullyConnectedReadsWholeInput) {
  // A fully connected layer reads all input features for any output-channel chunk.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {2, 8, 2, 2});
  TensorId y = builder.FullyConnected("fc", x, 10);
  builder.Output(y);
  LayerGraph graph = builder.Build();
  Box out{{1, 3, 0, 0}, {2, 7, 1, 1}};
  EXPECT_EQ(InputBox(graph, 0, 0, out), (Box{{1, 0, 0, 0}, {2, 8, 2, 2}}));
  EXPECT_EQ(WeightBox(graph, 0, out), (Box{{3, 0, 0, 0}, {7, 32, 1, 1}}));
}

}  // namespace
}  // namespace soma::graph
