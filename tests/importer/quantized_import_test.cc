// quantized_import_test.cc: QDQ models, opset-6 broadcasting and control flow on the host,
// on models built in the test.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "importer/importer.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindLayer;
using ::soma::importer::testing::FindPlacement;
using ::soma::importer::testing::Import;

// A TensorProto of `data_type` whose raw data is `bytes`.
onnx::TensorProto RawTensor(const std::string& name, int data_type,
                            const std::vector<int64_t>& dims, const std::string& bytes) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(data_type);
  for (int64_t extent : dims) tensor.add_dims(extent);
  tensor.set_raw_data(bytes);
  return tensor;
}

absl::StatusOr<ImportResult> ImportModel(const onnx::ModelProto& model) {
  return ImportModelBytes(model_builder::SerializeModel(model), "test.onnx", {});
}

TEST(QuantizedImportTest, DequantizedConvWeightFoldsPerChannel) {
  // A per-channel int8 weight behind DequantizeLinear folds to (w - zero_point) * scale, so
  // the Conv gets a float weight. The activation's QuantizeLinear and DequantizeLinear are
  // vector tensor ops.
  auto builder = BuilderWithInput({1, 2, 4, 4}, /*opset=*/13);
  builder.AddInitializer("x_scale", {}, {0.5f});
  builder.AddInitializer("w_scale", {3}, {0.5f, 0.25f, 2.0f});
  builder.AddNode("QuantizeLinear", {"x", "x_scale", "x_zero"}, {"xq"}, "quantize");
  builder.AddNode("DequantizeLinear", {"xq", "x_scale", "x_zero"}, {"xd"}, "dequantize");
  builder.AddNode("DequantizeLinear", {"w_int8", "w_scale", "w_zero"}, {"w"}, "weight_dq")
      .Int("axis", 0);
  builder.AddNode("Conv", {"xd", "w"}, {"y"}, "conv");
  builder.AddOutput("y", {1, 3, 4, 4});
  onnx::ModelProto model = builder.Build();
  *model.mutable_graph()->add_initializer() =
      RawTensor("x_zero", onnx::TensorProto::INT8, {}, std::string(1, '\0'));
  const std::string weights = {2, -2, 4, 8, -1, 1};
  *model.mutable_graph()->add_initializer() =
      RawTensor("w_int8", onnx::TensorProto::INT8, {3, 2, 1, 1}, weights);
  *model.mutable_graph()->add_initializer() =
      RawTensor("w_zero", onnx::TensorProto::INT8, {3}, std::string({0, 4, 1}));

  auto result = ImportModel(model);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* conv = FindLayer(result->graph, "conv");
  ASSERT_NE(conv, nullptr);
  ASSERT_EQ(conv->kind, graph::LayerKind::kConv);
  const graph::Tensor& weight = result->graph.tensor(*conv->weight);
  ASSERT_TRUE(weight.IsConstant());
  EXPECT_EQ(weight.constant->values,
            (std::vector<float>{1.0f, -1.0f, 0.0f, 1.0f, -4.0f, 0.0f}));
  EXPECT_EQ(FindPlacement(result->placement, "weight_dq")->kind, PlacementKind::kFolded);
  for (const char* name : {"quantize", "dequantize"}) {
    const graph::Layer* layer = FindLayer(result->graph, name);
    ASSERT_NE(layer, nullptr) << name;
    EXPECT_EQ(layer->kind, graph::LayerKind::kTensorOp) << name;
    EXPECT_EQ(FindPlacement(result->placement, name)->detail, "vector tensor op") << name;
  }
  const graph::TensorOpParams& quantize =
      std::get<graph::TensorOpParams>(FindLayer(result->graph, "quantize")->params);
  EXPECT_EQ(quantize.output_elem_type, onnx::TensorProto::INT8);
  EXPECT_EQ(quantize.embedded_inputs.size(), 1u);  // the int8 zero point
  // QuantizeLinear tiles on all four dims, and its scalar scale keeps its scalar dims.
  EXPECT_EQ(quantize.parallel_dims, 4);
  EXPECT_EQ(quantize.output_dims, (std::vector<int64_t>{1, 2, 4, 4}));
  ASSERT_EQ(quantize.input_dims.size(), 2u);
  EXPECT_TRUE(quantize.input_dims[1].empty());
}

TEST(QuantizedImportTest, Int4WeightUnpacksTwoPerByte) {
  // INT4 elements are packed low nibble first; 0xF7 contains 7 then -1.
  auto builder = BuilderWithInput({1, 4}, /*opset=*/21);
  builder.AddInitializer("w_scale", {}, {0.5f});
  builder.AddNode("DequantizeLinear", {"w_int4", "w_scale"}, {"w"}, "weight_dq");
  builder.AddNode("MatMul", {"x", "w"}, {"y"}, "matmul");
  builder.AddOutput("y", {1, 1});
  onnx::ModelProto model = builder.Build();
  const std::string packed = {static_cast<char>(0xF7), static_cast<char>(0x82)};
  *model.mutable_graph()->add_initializer() =
      RawTensor("w_int4", /*INT4=*/22, {4, 1}, packed);
  auto result = ImportModel(model);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer& layer = result->graph.layer(0);
  ASSERT_EQ(layer.kind, graph::LayerKind::kFullyConnected);
  EXPECT_EQ(result->graph.tensor(*layer.weight).constant->values,
            (std::vector<float>{3.5f, -0.5f, 1.0f, -4.0f}));
}

TEST(QuantizedImportTest, LegacyBroadcastAlignsFromAxis) {
  // Opset 6 Add with broadcast=1 and axis=1 aligns B [3] with A's axis 1, i.e. B acts as
  // [3, 1, 1], not as numpy's right-aligned [3].
  auto builder = BuilderWithInput({1, 3, 2, 2}, /*opset=*/6);
  builder.AddInitializer("b", {3}, {1.0f, 2.0f, 3.0f});
  builder.AddNode("Add", {"x", "b"}, {"y"}, "add").Int("broadcast", 1).Int("axis", 1);
  builder.AddOutput("y", {1, 3, 2, 2});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* add = FindLayer(result->graph, "add");
  ASSERT_NE(add, nullptr);
  ASSERT_EQ(add->kind, graph::LayerKind::kEltwise);
  ASSERT_EQ(add->inputs.size(), 2u);
  const graph::Tensor& constant = result->graph.tensor(add->inputs[1]);
  EXPECT_EQ(constant.shape, (graph::Shape{1, 3, 1, 1}));
  EXPECT_EQ(constant.constant->values, (std::vector<float>{1.0f, 2.0f, 3.0f}));
}

TEST(QuantizedImportTest, LegacyBroadcastAxisOutOfRangeIsError) {
  // B [3] does not fit into A [1, 3, 2, 2] from axis 5 on; the message names the attribute.
  auto builder = BuilderWithInput({1, 3, 2, 2}, /*opset=*/6);
  builder.AddInitializer("b", {3}, {1.0f, 2.0f, 3.0f});
  builder.AddNode("Mul", {"x", "b"}, {"y"}, "mul").Int("broadcast", 1).Int("axis", 5);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              ::testing::HasSubstr("node 'mul' (op 'Mul'): attribute 'axis' has invalid value 5"));
}

// A graph attribute `name` holding `graph`.
void AddGraphAttribute(onnx::NodeProto& node, const std::string& name,
                       const onnx::GraphProto& graph) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::GRAPH);
  *attribute->mutable_g() = graph;
}

// A subgraph whose one node `op_type` reads the outer value `x` and writes output `out`.
onnx::GraphProto Branch(const std::string& op_type, const std::string& out) {
  onnx::GraphProto graph;
  graph.set_name(op_type + "_branch");
  onnx::NodeProto* node = graph.add_node();
  node->set_op_type(op_type);
  node->add_input("x");
  node->add_output(out);
  onnx::ValueInfoProto* output = graph.add_output();
  output->set_name(out);
  output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return graph;
}

TEST(QuantizedImportTest, IfRunsOnHostWithCapture) {
  // If runs on the host; the branches read x from the enclosing graph, a capture.
  auto builder = BuilderWithInput({2, 3}, /*opset=*/13);
  builder.AddTypedInput("cond", onnx::TensorProto::BOOL, {});
  onnx::NodeProto& node = builder.AddNode("If", {"cond"}, {"y"}, "if").node();
  AddGraphAttribute(node, "then_branch", Branch("Relu", "then_out"));
  AddGraphAttribute(node, "else_branch", Branch("Neg", "else_out"));
  builder.AddOutput("y", {2, 3});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const Placement* placement = FindPlacement(result->placement, "if");
  EXPECT_EQ(placement->kind, PlacementKind::kHost);
  EXPECT_EQ(placement->detail, "control flow (If) runs on the host");
  const graph::Layer* layer = FindLayer(result->graph, "if");
  ASSERT_NE(layer, nullptr);
  const auto& params = layer->Params<graph::TensorOpParams>();
  EXPECT_EQ(params.unit, graph::ExecutionUnit::kHost);
  ASSERT_EQ(params.captures.size(), 1u);
  EXPECT_EQ(params.captures[0].first, "x");
  EXPECT_EQ(result->graph.tensor(layer->inputs[params.captures[0].second]).name, "x");
  EXPECT_EQ(params.output_dims, (std::vector<int64_t>{2, 3}));
}

TEST(QuantizedImportTest, LoopRunsOnHostWithCapture) {
  // A Loop with a constant trip count adds the outer x to its carried value each iteration.
  auto builder = BuilderWithInput({2, 3}, /*opset=*/13);
  builder.AddInt64Initializer("trip_count", {}, {3});
  onnx::GraphProto body;
  body.set_name("body");
  for (const auto& [name, type] : std::vector<std::pair<std::string, int>>{
           {"iteration", onnx::TensorProto::INT64},
           {"cond_in", onnx::TensorProto::BOOL},
           {"carried", onnx::TensorProto::FLOAT}}) {
    onnx::ValueInfoProto* input = body.add_input();
    input->set_name(name);
    input->mutable_type()->mutable_tensor_type()->set_elem_type(type);
  }
  onnx::NodeProto* identity = body.add_node();
  identity->set_op_type("Identity");
  identity->add_input("cond_in");
  identity->add_output("cond_out");
  onnx::NodeProto* add = body.add_node();
  add->set_op_type("Add");
  add->add_input("carried");
  add->add_input("x");
  add->add_output("carried_out");
  for (const char* name : {"cond_out", "carried_out"}) body.add_output()->set_name(name);
  onnx::NodeProto& node = builder.AddNode("Loop", {"trip_count", "", "x"}, {"y"}, "loop").node();
  AddGraphAttribute(node, "body", body);
  builder.AddOutput("y", {2, 3});

  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const Placement* placement = FindPlacement(result->placement, "loop");
  EXPECT_EQ(placement->kind, PlacementKind::kHost);
  const graph::Layer* loop = FindLayer(result->graph, "loop");
  ASSERT_NE(loop, nullptr);
  const graph::TensorOpParams& params = std::get<graph::TensorOpParams>(loop->params);
  ASSERT_EQ(params.captures.size(), 1u);
  EXPECT_EQ(params.captures[0].first, "x");
  EXPECT_EQ(params.input_slots, (std::vector<int>{-1, -1, 0}));
  EXPECT_EQ(params.embedded_inputs.size(), 1u);  // the trip count
}

}  // namespace
}  // namespace soma::importer
