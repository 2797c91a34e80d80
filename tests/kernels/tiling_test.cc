// tiling_test.cc: results do not depend on how a layer is split into calls: output boxes,
// input channel slices (partial sums) and worker threads.
#include <vector>

#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using graph::LayerKind;
using ::soma::testing::ConvOptions;
using ::soma::testing::GraphBuilder;
using testing::RunTiled;
using testing::RunWhole;
using testing::SeededValues;
using testing::SplitBox;
using testing::Values;

// Computes layer 0 whole and in the boxes of each split of its output; every split must give
// bit-identical values.
void ExpectTilingInvariant(const graph::LayerGraph& graph, const std::vector<Values>& inputs,
                           const std::vector<graph::Shape>& splits) {
  auto whole = RunWhole(graph, 0, inputs);
  ASSERT_TRUE(whole.ok()) << whole.status();
  const graph::Shape& out_shape = graph.OutputOf(0).shape;
  for (const graph::Shape& parts : splits) {
    auto tiled = RunTiled(graph, 0, inputs, SplitBox(out_shape, parts));
    ASSERT_TRUE(tiled.ok()) << tiled.status();
    EXPECT_EQ(*tiled, *whole) << "split " << graph::ShapeToString(parts);
  }
}

std::vector<Values> SeededInputs(const graph::LayerGraph& graph) {
  std::vector<Values> inputs;
  for (graph::TensorId id : graph.layer(0).inputs) {
    inputs.push_back(SeededValues(graph.tensor(id).ElementCount(), 100 + id));
  }
  return inputs;
}

TEST(TilingTest, ConvBoxesMatchWhole) {
  // A strided, padded conv split along every dimension, including uneven splits.
  GraphBuilder builder;
  const auto x = builder.Input("x", {2, 6, 15, 13});
  builder.Output(builder.Conv("conv", x, 10, ConvOptions{.kernel = 3, .stride = 2, .pad = 1}));
  const graph::LayerGraph graph = builder.Build();
  ExpectTilingInvariant(graph, SeededInputs(graph),
                        {{2, 1, 1, 1}, {1, 3, 1, 1}, {1, 1, 3, 2}, {2, 4, 4, 7}});
}

TEST(TilingTest, DilatedGroupedConvBoxesMatchWhole) {
  // Groups and dilation: channel boxes that cut through groups still read whole groups.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 6, 12, 12});
  builder.Output(
      builder.Conv("conv", x, 9, ConvOptions{.kernel = 3, .pad = 2, .dilation = 2, .groups = 3}));
  const graph::LayerGraph graph = builder.Build();
  ExpectTilingInvariant(graph, SeededInputs(graph), {{1, 2, 1, 1}, {1, 4, 3, 5}});
}

TEST(TilingTest, FullyConnectedBoxesMatchWhole) {
  // Output-channel and batch splits of a fully connected layer.
  GraphBuilder builder;
  const auto x = builder.Input("x", {3, 5, 3, 4});
  builder.Output(builder.FullyConnected("fc", x, 21, /*relu=*/true));
  const graph::LayerGraph graph = builder.Build();
  ExpectTilingInvariant(graph, SeededInputs(graph), {{3, 1, 1, 1}, {1, 5, 1, 1}, {2, 3, 1, 1}});
}

TEST(TilingTest, PoolBoxesMatchWhole) {
  // Max and average pools with padding, split spatially and by channel.
  for (graph::PoolKind kind : {graph::PoolKind::kMax, graph::PoolKind::kAverage}) {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 3, 11, 10});
    builder.Output(kind == graph::PoolKind::kMax ? builder.MaxPool("pool", x, 3, 2, 1)
                                                 : builder.AveragePool("pool", x, 3, 2, 1));
    const graph::LayerGraph graph = builder.Build();
    ExpectTilingInvariant(graph, SeededInputs(graph), {{1, 3, 2, 3}, {1, 1, 6, 5}});
  }
}

TEST(TilingTest, VectorKernelBoxesMatchWhole) {
  // Eltwise with broadcast, concat, softmax and LRN split along every dimension they allow.
  const std::vector<graph::LayerGraph> graphs = {
      testing::SingleLayerGraph(LayerKind::kEltwise, graph::EltwiseParams{},
                                {{1, 4, 5, 6}, {1, 4, 1, 1}, {1, 1, 5, 6}}, {1, 4, 5, 6}),
      testing::SingleLayerGraph(LayerKind::kConcat, graph::ConcatParams{},
                                {{1, 3, 5, 6}, {1, 2, 5, 6}}, {1, 5, 5, 6}),
      testing::SingleLayerGraph(LayerKind::kSoftmax, graph::SoftmaxParams{.log = true},
                                {{1, 7, 5, 6}}, {1, 7, 5, 6}),
      testing::SingleLayerGraph(LayerKind::kLrn, graph::LrnParams{.size = 5}, {{1, 7, 5, 6}},
                                {1, 7, 5, 6}),
  };
  for (const graph::LayerGraph& graph : graphs) {
    SCOPED_TRACE(graph::LayerKindName(graph.layer(0).kind));
    ExpectTilingInvariant(graph, SeededInputs(graph), {{1, 2, 1, 1}, {1, 3, 2, 4}});
  }
}

TEST(PartialSumTest, ConvSlicesMatchFullSum) {
  // Two input channel slices, the second accumulating and applying bias and ReLU, equal the
  // whole reduction up to float rounding of the stored partial sum.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 8, 9, 9});
  builder.Output(builder.Conv("conv", x, 5, ConvOptions{.kernel = 3, .pad = 1}));
  const graph::LayerGraph graph = builder.Build();
  const Values input = SeededValues(8 * 81, 5);
  auto whole = RunWhole(graph, 0, {input});
  ASSERT_TRUE(whole.ok()) << whole.status();
  for (const std::vector<int64_t>& bounds :
       std::vector<std::vector<int64_t>>{{0, 3, 8}, {0, 1, 2, 5, 8}}) {
    auto partial = testing::RunPartialSums(graph, 0, input, bounds);
    ASSERT_TRUE(partial.ok()) << partial.status();
    EXPECT_LT(testing::MaxAbsDifference(*partial, *whole), 1e-6);
  }
}

TEST(PartialSumTest, FullyConnectedSlicesMatchFullSum) {
  // FC slices cover channels [0, 2) and [2, 6), i.e. features [0, 24) and [24, 72).
  GraphBuilder builder;
  const auto x = builder.Input("x", {2, 6, 3, 4});
  builder.Output(builder.FullyConnected("fc", x, 9));
  const graph::LayerGraph graph = builder.Build();
  const Values input = SeededValues(2 * 72, 9);
  auto whole = RunWhole(graph, 0, {input});
  ASSERT_TRUE(whole.ok()) << whole.status();
  auto partial = testing::RunPartialSums(graph, 0, input, {0, 2, 6});
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_LT(testing::MaxAbsDifference(*partial, *whole), 1e-6);
}

TEST(PartialSumTest, NonFinalSliceSkipsEpilogue) {
  // A single slice with final_partial = false stores the raw sum: no bias, no ReLU.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 2, 1, 1});
  builder.Output(builder.Conv("conv", x, 2, ConvOptions{.kernel = 1, .pad = 0}));
  graph::LayerGraph graph = builder.Build();
  testing::SetWeights(graph, 0, {1, 1, -1, -1});
  const Values input = {1, 2};
  Values output(2, 0.0f);
  const graph::Box in_box = graph::Box::Full({1, 2, 1, 1});
  const graph::Box weight_box = graph::Box::Full({2, 2, 1, 1});
  KernelCall call;
  call.layer = 0;
  call.inputs = {{input.data(), in_box, in_box}};
  call.weight = {graph.tensor(*graph.layer(0).weight).constant->values.data(), weight_box,
                 weight_box};
  call.output_box = graph::Box::Full({1, 2, 1, 1});
  call.output = {output.data(), call.output_box};
  call.final_partial = false;
  ASSERT_TRUE(RunKernel(graph, call).ok());
  EXPECT_EQ(output, (Values{3, -3}));
}

TEST(ThreadCountTest, ConvBitIdentical) {
  // Enough work (2.4 M MACs) for the kernel to start threads; 1, 2 and 3 workers agree exactly.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 32, 16, 16});
  builder.Output(builder.Conv("conv", x, 37, ConvOptions{.kernel = 3, .pad = 1}));
  const graph::LayerGraph graph = builder.Build();
  const std::vector<Values> inputs = SeededInputs(graph);
  auto single = RunWhole(graph, 0, inputs, 1);
  ASSERT_TRUE(single.ok()) << single.status();
  for (int threads : {2, 3}) {
    auto multi = RunWhole(graph, 0, inputs, threads);
    ASSERT_TRUE(multi.ok()) << multi.status();
    EXPECT_EQ(*multi, *single) << threads << " threads";
  }
}

TEST(ThreadCountTest, FullyConnectedBitIdentical) {
  // A 4096 -> 301 fully connected layer (1.2 M MACs) with 1, 2 and 3 workers.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 256, 4, 4});
  builder.Output(builder.FullyConnected("fc", x, 301));
  const graph::LayerGraph graph = builder.Build();
  const std::vector<Values> inputs = SeededInputs(graph);
  auto single = RunWhole(graph, 0, inputs, 1);
  ASSERT_TRUE(single.ok()) << single.status();
  for (int threads : {2, 3}) {
    auto multi = RunWhole(graph, 0, inputs, threads);
    ASSERT_TRUE(multi.ok()) << multi.status();
    EXPECT_EQ(*multi, *single) << threads << " threads";
  }
}

}  // namespace
}  // namespace soma::kernels
