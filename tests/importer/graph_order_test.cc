// graph_order_test.cc: unsorted node lists, cycles, and IR-3 initializers listed as inputs.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::Import;

TEST(GraphOrderTest, UnsortedNodesAreSortedStably) {
  // Nodes written consumer-first are lowered producer-first; independent nodes keep file
  // order, so layer ids are topological and follow the file where they can.
  auto builder = BuilderWithInput({1, 2, 4, 4});
  builder.AddNode("Softmax", {"b"}, {"y"}, "last").Int("axis", 1);
  builder.AddNode("Relu", {"x"}, {"a"}, "first");
  builder.AddNode("MaxPool", {"a"}, {"b"}, "second").Ints("kernel_shape", {1, 1});
  builder.AddNode("GlobalAveragePool", {"x"}, {"z"}, "independent");
  builder.AddOutput("y", {});
  builder.AddOutput("z", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<std::string> names;
  for (const graph::Layer& layer : result->graph.layers) names.push_back(layer.name);
  EXPECT_THAT(names, ::testing::ElementsAre("first", "second", "last", "independent"));
  ASSERT_EQ(result->placement.size(), 4u);
  EXPECT_EQ(result->placement[0].node_name, "last");
  EXPECT_EQ(result->placement[0].layer, 2);
}

TEST(GraphOrderTest, CycleNamesNodeOnIt) {
  // A cycle is an invalid graph; the message names a node that lies on it, not one that
  // only depends on it.
  auto builder = BuilderWithInput({1, 2});
  builder.AddNode("Relu", {"c"}, {"d"}, "downstream");
  builder.AddNode("Add", {"x", "b"}, {"a"}, "loop_a");
  builder.AddNode("Relu", {"a"}, {"b"}, "loop_b");
  builder.AddNode("Relu", {"b"}, {"c"}, "after_loop");
  builder.AddOutput("d", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              ::testing::AnyOf(
                  ::testing::HasSubstr("cycle through node 'loop_a' (op 'Add')"),
                  ::testing::HasSubstr("cycle through node 'loop_b' (op 'Relu')")));
}

TEST(GraphOrderTest, InitializersListedAsInputsAreConstants) {
  // In IR 3 every initializer is also a graph input; those are weights, not inputs.
  model_builder::OnnxModelBuilder builder("test", /*opset=*/8, /*ir_version=*/3);
  builder.AddInput("x", {1, 2, 4, 4});
  builder.AddInitializer("w", {3, 2, 1, 1}, std::vector<float>(6, 1.0f));
  builder.AddNode("Conv", {"x", "w"}, {"y"}, "conv");
  builder.AddOutput("y", {1, 3, 4, 4});
  builder.ListInitializersAsInputs(true);
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->graph.inputs.size(), 1u);
  EXPECT_EQ(result->graph.tensor(result->graph.inputs[0]).name, "x");
  EXPECT_TRUE(result->graph.tensor(*result->graph.layer(0).weight).IsConstant());
}

TEST(GraphOrderTest, DuplicateOutputIsRejected) {
  // Two nodes writing the same value break single assignment.
  auto builder = BuilderWithInput({1, 2});
  builder.AddNode("Relu", {"x"}, {"y"}, "one");
  builder.AddNode("Sigmoid", {"x"}, {"y"}, "two");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              ::testing::HasSubstr("node 'two' (op 'Sigmoid'): output 'y' is also written by "
                                   "node 'one' (op 'Relu')"));
}

}  // namespace
}  // namespace soma::importer
