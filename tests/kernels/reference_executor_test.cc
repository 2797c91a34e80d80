// reference_executor_test.cc: ExecuteReference runs whole graphs layer by layer.
#include "kernels/reference_executor.h"

#include <map>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using graph::TensorId;
using ::soma::testing::ConvOptions;
using ::soma::testing::GraphBuilder;
using ::testing::ElementsAre;
using testing::RunWhole;
using testing::SeededValues;
using ::testing::SizeIs;
using testing::Values;

TEST(ReferenceExecutorTest, ChainMatchesLayerDefinitions) {
  // conv -> max pool -> fc -> softmax equals the definitions applied one after another.
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {1, 3, 8, 8});
  const TensorId conv = builder.Conv("conv", x, 4);
  const TensorId pool = builder.MaxPool("pool", conv, 2, 2);
  const TensorId fc = builder.FullyConnected("fc", pool, 5, /*relu=*/false);
  const TensorId probabilities = builder.Softmax("softmax", fc);
  builder.Output(probabilities);
  const graph::LayerGraph graph = builder.Build();
  const Values input = SeededValues(3 * 64, 21);

  auto outputs = ExecuteReference(graph, {{x, input}});
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->count(probabilities), 1u);

  Values expected = testing::NaiveConv(graph, 0, input);
  testing::NaiveEpilogue(graph, 0, expected);
  auto pooled = RunWhole(graph, 1, {expected});
  ASSERT_TRUE(pooled.ok()) << pooled.status();
  expected = testing::NaiveFullyConnected(graph, 2, *pooled);
  testing::NaiveEpilogue(graph, 2, expected);
  auto softmax = RunWhole(graph, 3, {expected});
  ASSERT_TRUE(softmax.ok()) << softmax.status();
  EXPECT_LT(testing::MaxAbsDifference(outputs->at(probabilities), *softmax), 1e-6);
}

TEST(ReferenceExecutorTest, BranchesReadSharedTensor) {
  // Two convs read x, an Add joins them; x stays alive until its last reader ran.
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {1, 2, 4, 4});
  const TensorId a = builder.Conv("a", x, 2);
  const TensorId b = builder.Conv("b", x, 2, ConvOptions{.kernel = 1, .pad = 0});
  const TensorId sum = builder.Add("add", a, b);
  builder.Output(sum);
  builder.Output(a);
  const graph::LayerGraph graph = builder.Build();
  const Values input = SeededValues(32, 4);

  auto outputs = ExecuteReference(graph, {{x, input}});
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  EXPECT_THAT(*outputs, SizeIs(2));
  auto expected_a = RunWhole(graph, 0, {input});
  auto expected_b = RunWhole(graph, 1, {input});
  ASSERT_TRUE(expected_a.ok()) << expected_a.status();
  ASSERT_TRUE(expected_b.ok()) << expected_b.status();
  auto expected_sum = RunWhole(graph, 2, {*expected_a, *expected_b});
  ASSERT_TRUE(expected_sum.ok()) << expected_sum.status();
  EXPECT_EQ(outputs->at(a), *expected_a);
  EXPECT_EQ(outputs->at(sum), *expected_sum);
}

TEST(ReferenceExecutorTest, ConstantOperandsComeFromValuesOrFill) {
  // x + c1 + c2 where c1 has explicit values and c2 is a fill of 0.5.
  graph::LayerGraph graph =
      testing::SingleLayerGraph(graph::LayerKind::kEltwise, graph::EltwiseParams{},
                                {{1, 1, 1, 3}, {1, 1, 1, 3}, {1, 1, 1, 1}}, {1, 1, 1, 3});
  graph.tensors[1].is_graph_input = false;
  graph.tensors[1].constant = graph::ConstantData{.values = {10, 20, 30}, .fill = std::nullopt};
  graph.tensors[2].is_graph_input = false;
  graph.tensors[2].constant = graph::ConstantData{.values = {}, .fill = 0.5f};
  graph.inputs = {0};
  auto outputs = ExecuteReference(graph, {{0, {1, 2, 3}}});
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  EXPECT_THAT(outputs->at(3), ElementsAre(11.5, 22.5, 33.5));
}

TEST(ReferenceExecutorTest, FillWeightsMatchExplicitWeights) {
  // A 4096 -> 1100 FC (4.5 M weight elements, above the 4 M element chunk) and a conv, with
  // weights given as a fill, equal the same weights given as explicit values.
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {1, 16, 16, 16});
  const TensorId conv = builder.Conv("conv", x, 8, ConvOptions{.kernel = 3, .pad = 1});
  const TensorId pooled = builder.MaxPool("pool", conv, 2, 2);
  const TensorId fc = builder.FullyConnected("fc", builder.Conv("widen", pooled, 64), 1100);
  builder.Output(fc);
  graph::LayerGraph explicit_graph = builder.Build();
  graph::LayerGraph fill_graph = explicit_graph;
  for (graph::Tensor& tensor : explicit_graph.tensors) {
    if (tensor.IsConstant()) {
      std::fill(tensor.constant->values.begin(), tensor.constant->values.end(), 0.01f);
    }
  }
  for (graph::Tensor& tensor : fill_graph.tensors) {
    if (tensor.IsConstant()) tensor.constant = graph::ConstantData{.values = {}, .fill = 0.01f};
  }
  const Values input = SeededValues(16 * 256, 8);
  auto from_values = ExecuteReference(explicit_graph, {{x, input}});
  auto from_fill = ExecuteReference(fill_graph, {{x, input}});
  ASSERT_TRUE(from_values.ok()) << from_values.status();
  ASSERT_TRUE(from_fill.ok()) << from_fill.status();
  EXPECT_EQ(from_fill->at(fc), from_values->at(fc));
}

TEST(ReferenceExecutorTest, ThreadCountDoesNotChangeOutputs) {
  // The same network with 1 and 2 kernel threads gives bit-identical outputs.
  GraphBuilder builder;
  const TensorId x = builder.Input("x", {1, 16, 32, 32});
  const TensorId y = builder.Conv("conv2", builder.Conv("conv1", x, 32), 32);
  builder.Output(builder.FullyConnected("fc", builder.GlobalAveragePool("gap", y), 10));
  const graph::LayerGraph graph = builder.Build();
  const Values input = SeededValues(16 * 32 * 32, 2);
  auto single = ExecuteReference(graph, {{x, input}}, ReferenceOptions{.thread_count = 1});
  auto dual = ExecuteReference(graph, {{x, input}}, ReferenceOptions{.thread_count = 2});
  ASSERT_TRUE(single.ok()) << single.status();
  ASSERT_TRUE(dual.ok()) << dual.status();
  EXPECT_EQ(*single, *dual);
}

TEST(ReferenceExecutorTest, MissingInputIsNamed) {
  // Every graph input needs values.
  GraphBuilder builder;
  const TensorId a = builder.Input("a", {1, 2, 2, 2});
  const TensorId b = builder.Input("b", {1, 2, 2, 2});
  builder.Output(builder.Add("add", a, b));
  const graph::LayerGraph graph = builder.Build();
  auto outputs = ExecuteReference(graph, {{a, Values(8, 1.0f)}});
  EXPECT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outputs.status().message(),
            "missing values for graph input 'b' (tensor 1, shape [1,2,2,2]); pass 8 values in "
            "NCHW order");
}

TEST(ReferenceExecutorTest, WrongInputSizeIsNamed) {
  // An input's value count must match its shape.
  GraphBuilder builder;
  const TensorId a = builder.Input("a", {1, 2, 2, 2});
  builder.Output(builder.Softmax("softmax", a));
  const graph::LayerGraph graph = builder.Build();
  auto outputs = ExecuteReference(graph, {{a, Values(7, 1.0f)}});
  EXPECT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outputs.status().message(),
            "graph input 'a' has 7 values, expected 8 for shape [1,2,2,2]");
}

TEST(ReferenceExecutorTest, RejectsValuesForNonInput) {
  // Values keyed by a tensor that is not a graph input point at a caller bug.
  GraphBuilder builder;
  const TensorId a = builder.Input("a", {1, 1, 1, 2});
  const TensorId y = builder.Softmax("softmax", a);
  builder.Output(y);
  const graph::LayerGraph graph = builder.Build();
  auto outputs = ExecuteReference(graph, {{a, Values(2, 1.0f)}, {y, Values(2, 1.0f)}});
  EXPECT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outputs.status().message(),
            "tensor id 1 in the reference inputs is not a graph input of model 'test'; pass "
            "values for graph inputs only");
}

}  // namespace
}  // namespace soma::kernels
