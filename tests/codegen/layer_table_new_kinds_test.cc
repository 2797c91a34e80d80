// layer_table_new_kinds_test.cc: the layer table codec of MatMul and tensor operation layers
// and of the GELU and Tanh activations.
#include <string>
#include <utility>
#include <variant>

#include "codegen/layer_table.h"
#include "codegen/stream_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::codegen {
namespace {

using ::testing::HasSubstr;

graph::Layer HostTensorOpLayer() {
  graph::TensorOpParams params;
  params.domain = "com.microsoft";
  params.op_type = "FusedThing";
  params.node_proto = std::string("\x0a\x01x\x12\x01y", 6);
  params.opset = 1;
  params.input_slots = {0, -1, 1};
  params.embedded_inputs = {{1, std::string("\x08\x02", 2)}};
  params.captures = {{"outer_value", 1}};
  params.input_dims = {{2, 3}, {4}};
  params.input_elem_types = {1, 7};
  params.output_dims = {3, 2};
  params.output_elem_type = 1;
  params.output_index = 1;
  params.unit = graph::ExecutionUnit::kHost;
  params.mac_count = 42;
  params.parallel_dims = 0;
  params.axis0_sliced = true;
  params.host_reason = "no lowering for com.microsoft.FusedThing";
  graph::Layer layer;
  layer.name = "host_op";
  layer.kind = graph::LayerKind::kTensorOp;
  layer.params = std::move(params);
  layer.inputs = {0, 1};
  layer.output = 2;
  layer.origins = {"node_7"};
  return layer;
}

TEST(LayerTableNewKindsTest, TensorOpParamsRoundTrip) {
  // Every TensorOpParams field survives encoding and decoding.
  const graph::Layer layer = HostTensorOpLayer();
  const absl::StatusOr<graph::Layer> decoded = DecodeLayer(EncodeLayer(layer), 0, 3);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->kind, graph::LayerKind::kTensorOp);
  const auto& expected = layer.Params<graph::TensorOpParams>();
  const auto& actual = decoded->Params<graph::TensorOpParams>();
  EXPECT_EQ(actual.domain, expected.domain);
  EXPECT_EQ(actual.op_type, expected.op_type);
  EXPECT_EQ(actual.node_proto, expected.node_proto);
  EXPECT_EQ(actual.opset, expected.opset);
  EXPECT_EQ(actual.input_slots, expected.input_slots);
  EXPECT_EQ(actual.embedded_inputs, expected.embedded_inputs);
  EXPECT_EQ(actual.captures, expected.captures);
  EXPECT_EQ(actual.input_dims, expected.input_dims);
  EXPECT_EQ(actual.input_elem_types, expected.input_elem_types);
  EXPECT_EQ(actual.output_dims, expected.output_dims);
  EXPECT_EQ(actual.output_elem_type, expected.output_elem_type);
  EXPECT_EQ(actual.output_index, expected.output_index);
  EXPECT_EQ(actual.unit, expected.unit);
  EXPECT_EQ(actual.mac_count, expected.mac_count);
  EXPECT_EQ(actual.parallel_dims, expected.parallel_dims);
  EXPECT_EQ(actual.axis0_sliced, expected.axis0_sliced);
  EXPECT_EQ(actual.host_reason, expected.host_reason);
  EXPECT_EQ(decoded->inputs, layer.inputs);
  EXPECT_EQ(decoded->origins, layer.origins);
}

TEST(LayerTableNewKindsTest, MatMulAndNewActivationsRoundTrip) {
  // A MatMul layer keeps its kind, and GELU, GELU_TANH and TANH keep theirs.
  graph::Layer layer;
  layer.name = "scores";
  layer.kind = graph::LayerKind::kMatMul;
  layer.params = graph::MatMulParams{};
  layer.inputs = {0, 1};
  layer.output = 2;
  for (graph::ActivationKind kind : {graph::ActivationKind::kGelu,
                                     graph::ActivationKind::kGeluTanh,
                                     graph::ActivationKind::kTanh}) {
    layer.activations.push_back({kind});
  }
  const stream::Layer entry = EncodeLayer(layer);
  EXPECT_TRUE(entry.has_matmul());
  ASSERT_EQ(entry.activations_size(), 3);
  EXPECT_EQ(entry.activations(0).kind(), stream::Activation::GELU);
  EXPECT_EQ(entry.activations(1).kind(), stream::Activation::GELU_TANH);
  EXPECT_EQ(entry.activations(2).kind(), stream::Activation::TANH);
  const absl::StatusOr<graph::Layer> decoded = DecodeLayer(entry, 0, 3);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->kind, graph::LayerKind::kMatMul);
  ASSERT_EQ(decoded->activations.size(), 3u);
  EXPECT_EQ(decoded->activations[0].kind, graph::ActivationKind::kGelu);
  EXPECT_EQ(decoded->activations[1].kind, graph::ActivationKind::kGeluTanh);
  EXPECT_EQ(decoded->activations[2].kind, graph::ActivationKind::kTanh);
}

TEST(LayerTableNewKindsTest, UnknownTensorOpUnitIsRejected) {
  // A unit value outside the enum is rejected with the layer named and the stream called corrupt.
  stream::Layer entry = EncodeLayer(HostTensorOpLayer());
  entry.mutable_tensor_op()->set_unit(static_cast<stream::TensorOpParams::Unit>(9));
  const absl::StatusOr<graph::Layer> decoded = DecodeLayer(entry, 4, 3);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("layer table: layer 4 'host_op': unknown tensor op unit 9; the stream is "
                        "corrupt"));
}

TEST(LayerTableNewKindsTest, DisassemblyNamesTheUnit) {
  // The layer table lists a tensor operation with its operator and its unit, and a host
  // unit with its reason.
  stream::CommandStream command_stream;
  *command_stream.add_layers() = EncodeLayer(HostTensorOpLayer());
  graph::Layer vector_op = HostTensorOpLayer();
  vector_op.name = "norm";
  auto& params = std::get<graph::TensorOpParams>(vector_op.params);
  params.domain = "";
  params.op_type = "LayerNormalization";
  params.unit = graph::ExecutionUnit::kVector;
  params.host_reason = "";
  *command_stream.add_layers() = EncodeLayer(vector_op);
  const std::string text = Disassemble(command_stream);
  EXPECT_THAT(text, HasSubstr("'host_op' tensor_op com.microsoft.FusedThing (host: no lowering "
                              "for com.microsoft.FusedThing)"));
  EXPECT_THAT(text, HasSubstr("'norm' tensor_op LayerNormalization (vector)"));
}

}  // namespace
}  // namespace soma::codegen
