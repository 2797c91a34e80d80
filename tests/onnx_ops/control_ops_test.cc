// control_ops_test.cc: If, Loop and Scan bodies run through RunGraph, and RunGraph itself.
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops {
namespace {

HostTensor Scalar(double value, int32_t elem_type) {
  HostTensor tensor;
  tensor.elem_type = elem_type;
  tensor.values = {value};
  return tensor;
}

// A graph whose single node runs `op_type` on `inputs` into `output`.
onnx::GraphProto OneNodeGraph(const std::string& op_type, std::vector<std::string> inputs,
                              const std::string& output, std::vector<std::string> graph_inputs) {
  onnx::GraphProto graph;
  graph.set_name(op_type + "_body");
  onnx::NodeProto* node = graph.add_node();
  node->set_op_type(op_type);
  node->set_name(op_type + "_node");
  for (const std::string& input : inputs) node->add_input(input);
  node->add_output(output);
  for (const std::string& input : graph_inputs) graph.add_input()->set_name(input);
  graph.add_output()->set_name(output);
  return graph;
}

onnx::GraphProto ConstantGraph(const std::string& output, int64_t value) {
  onnx::GraphProto graph = OneNodeGraph("Constant", {}, output, {});
  onnx::AttributeProto* attribute = graph.mutable_node(0)->add_attribute();
  attribute->set_name("value_int");
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
  return graph;
}

void SetGraph(onnx::NodeProto& node, const std::string& name, const onnx::GraphProto& graph) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::GRAPH);
  *attribute->mutable_g() = graph;
}

TEST(ControlOpsTest, IfPicksBranchByCondition) {
  // A true condition runs then_branch, a false one else_branch.
  onnx::NodeProto node;
  node.set_op_type("If");
  node.set_name("choose");
  node.add_input("cond");
  node.add_output("y");
  SetGraph(node, "then_branch", ConstantGraph("a", 1));
  SetGraph(node, "else_branch", ConstantGraph("b", 2));
  for (const bool condition : {true, false}) {
    const HostTensor cond = Scalar(condition ? 1 : 0, onnx::TensorProto::BOOL);
    const auto out = RunNode(node, 13, {&cond});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].values[0], condition ? 1.0 : 2.0);
  }
}

TEST(ControlOpsTest, IfBranchReadsOuterScope) {
  // The then_branch reads 'outer_value' from the enclosing graph through RunGraph.
  onnx::GraphProto main;
  main.set_name("main");
  main.add_input()->set_name("cond");
  main.add_input()->set_name("outer_value");
  main.add_output()->set_name("y");
  onnx::NodeProto* node = main.add_node();
  node->set_op_type("If");
  node->set_name("choose");
  node->add_input("cond");
  node->add_output("y");
  SetGraph(*node, "then_branch",
           OneNodeGraph("Reshape", {"outer_value", "outer_shape"}, "r", {}));
  SetGraph(*node, "else_branch", ConstantGraph("b", 2));
  onnx::NodeProto* shape_node = main.add_node();
  shape_node->set_op_type("Shape");
  shape_node->add_input("outer_value");
  shape_node->add_output("outer_shape");

  ValueScope feeds;
  feeds["cond"] = Scalar(1, onnx::TensorProto::BOOL);
  feeds["outer_value"] = Scalar(7, onnx::TensorProto::INT64);
  feeds["outer_value"].dims = {1};
  const auto out = RunGraph(main, 13, feeds);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].values, (std::vector<double>{7}));
}

TEST(ControlOpsTest, LoopStacksScanOutputs) {
  // Three iterations of a body that emits the iteration number give a scan output [0, 1, 2]
  // and pass the condition through unchanged.
  onnx::GraphProto body;
  body.set_name("body");
  body.add_input()->set_name("i");
  body.add_input()->set_name("cond_in");
  body.add_output()->set_name("cond_out");
  body.add_output()->set_name("i_out");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"cond_in", "cond_out"},
                                 std::pair<std::string, std::string>{"i", "i_out"}}) {
    onnx::NodeProto* node = body.add_node();
    node->set_op_type("Unsqueeze");
    node->add_input(from);
    node->add_output(to + "_1d");
    onnx::AttributeProto* axes = node->add_attribute();
    axes->set_name("axes");
    axes->set_type(onnx::AttributeProto::INTS);
    axes->add_ints(0);
    onnx::NodeProto* squeeze = body.add_node();
    squeeze->set_op_type("Squeeze");
    squeeze->add_input(to + "_1d");
    squeeze->add_output(to);
  }
  onnx::NodeProto node;
  node.set_op_type("Loop");
  node.set_name("loop");
  node.add_input("M");
  node.add_input("cond");
  node.add_output("scan");
  SetGraph(node, "body", body);
  const HostTensor trip = Scalar(3, onnx::TensorProto::INT64);
  const HostTensor cond = Scalar(1, onnx::TensorProto::BOOL);
  const auto out = RunNode(node, 11, {&trip, &cond});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].dims, (std::vector<int64_t>{3}));
  EXPECT_EQ((*out)[0].values, (std::vector<double>{0, 1, 2}));
}

TEST(ControlOpsTest, LoopRejectsMissingTripCountAndCondition) {
  // A Loop with neither M nor cond never ends and is rejected.
  onnx::NodeProto node;
  node.set_op_type("Loop");
  node.set_name("forever");
  node.add_input("");
  node.add_input("");
  SetGraph(node, "body", ConstantGraph("c", 1));
  const auto out = RunNode(node, 13, {nullptr, nullptr});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("node 'forever' (op 'Loop'): has neither a trip count"),
            std::string::npos);
}

TEST(ControlOpsTest, ScanReversesInputDirection) {
  // A body that copies its scan input to a scan output, read in reverse, reverses [1, 2, 3].
  onnx::GraphProto body = OneNodeGraph("Squeeze", {"x_1d"}, "y", {"x"});
  onnx::NodeProto* unsqueeze = body.add_node();
  unsqueeze->set_op_type("Unsqueeze");
  unsqueeze->add_input("x");
  unsqueeze->add_output("x_1d");
  onnx::AttributeProto* axes = unsqueeze->add_attribute();
  axes->set_name("axes");
  axes->set_type(onnx::AttributeProto::INTS);
  axes->add_ints(0);
  onnx::NodeProto node;
  node.set_op_type("Scan");
  node.set_name("scan");
  node.add_input("xs");
  node.add_output("ys");
  SetGraph(node, "body", body);
  onnx::AttributeProto* count = node.add_attribute();
  count->set_name("num_scan_inputs");
  count->set_type(onnx::AttributeProto::INT);
  count->set_i(1);
  onnx::AttributeProto* directions = node.add_attribute();
  directions->set_name("scan_input_directions");
  directions->set_type(onnx::AttributeProto::INTS);
  directions->add_ints(1);
  HostTensor xs;
  xs.dims = {3};
  xs.values = {1, 2, 3};
  const auto out = RunNode(node, 11, {&xs});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].values, (std::vector<double>{3, 2, 1}));
}

TEST(ControlOpsTest, RunGraphSortsNodesAndNamesMissingInput) {
  // Nodes listed consumer first still run in dependency order; an unknown input is
  // reported with the node that reads it.
  onnx::GraphProto graph;
  graph.set_name("g");
  graph.add_input()->set_name("x");
  graph.add_output()->set_name("z");
  onnx::NodeProto* consumer = graph.add_node();
  consumer->set_op_type("Shape");
  consumer->set_name("consumer");
  consumer->add_input("y");
  consumer->add_output("z");
  onnx::NodeProto* producer = graph.add_node();
  producer->set_op_type("Transpose");
  producer->set_name("producer");
  producer->add_input("x");
  producer->add_output("y");
  ValueScope feeds;
  feeds["x"].dims = {2, 3};
  feeds["x"].values = {1, 2, 3, 4, 5, 6};
  const auto out = RunGraph(graph, 13, feeds);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].values, (std::vector<double>{3, 2}));

  graph.mutable_node(1)->set_input(0, "missing");
  const auto error = RunGraph(graph, 13, feeds);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.status().message().find("node 'producer' (op 'Transpose'): input 'missing'"),
            std::string::npos);
}

}  // namespace
}  // namespace soma::onnx_ops
