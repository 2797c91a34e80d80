// graph_tables_test.cc: LayerGraph -> stream tables -> DecodeLayerGraph round trips, constant
// encoding, the hardware codec and the decoder's errors on corrupt tables.
#include "codegen/graph_tables.h"

#include <bit>
#include <cstring>
#include <string>
#include <variant>

#include "codegen/stream_io.h"
#include "codegen/two_conv_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/graph_builder.h"

namespace soma::codegen {
namespace {

using graph::LayerGraph;
using ::testing::HasSubstr;

void ExpectParamsEqual(const graph::LayerParams& expected, const graph::LayerParams& actual) {
  ASSERT_EQ(expected.index(), actual.index());
  if (const auto* conv = std::get_if<graph::ConvParams>(&expected)) {
    const auto& other = std::get<graph::ConvParams>(actual);
    EXPECT_EQ(conv->kernel_h, other.kernel_h);
    EXPECT_EQ(conv->kernel_w, other.kernel_w);
    EXPECT_EQ(conv->stride_h, other.stride_h);
    EXPECT_EQ(conv->stride_w, other.stride_w);
    EXPECT_EQ(conv->dilation_h, other.dilation_h);
    EXPECT_EQ(conv->dilation_w, other.dilation_w);
    EXPECT_EQ(conv->pad_top, other.pad_top);
    EXPECT_EQ(conv->pad_left, other.pad_left);
    EXPECT_EQ(conv->pad_bottom, other.pad_bottom);
    EXPECT_EQ(conv->pad_right, other.pad_right);
    EXPECT_EQ(conv->groups, other.groups);
  } else if (const auto* pool = std::get_if<graph::PoolParams>(&expected)) {
    const auto& other = std::get<graph::PoolParams>(actual);
    EXPECT_EQ(pool->kind, other.kind);
    EXPECT_EQ(pool->kernel_h, other.kernel_h);
    EXPECT_EQ(pool->kernel_w, other.kernel_w);
    EXPECT_EQ(pool->stride_h, other.stride_h);
    EXPECT_EQ(pool->stride_w, other.stride_w);
    EXPECT_EQ(pool->dilation_h, other.dilation_h);
    EXPECT_EQ(pool->dilation_w, other.dilation_w);
    EXPECT_EQ(pool->pad_top, other.pad_top);
    EXPECT_EQ(pool->pad_left, other.pad_left);
    EXPECT_EQ(pool->pad_bottom, other.pad_bottom);
    EXPECT_EQ(pool->pad_right, other.pad_right);
    EXPECT_EQ(pool->count_include_pad, other.count_include_pad);
  } else if (const auto* eltwise = std::get_if<graph::EltwiseParams>(&expected)) {
    EXPECT_EQ(eltwise->kind, std::get<graph::EltwiseParams>(actual).kind);
  } else if (const auto* softmax = std::get_if<graph::SoftmaxParams>(&expected)) {
    EXPECT_EQ(softmax->log, std::get<graph::SoftmaxParams>(actual).log);
  } else if (const auto* lrn = std::get_if<graph::LrnParams>(&expected)) {
    const auto& other = std::get<graph::LrnParams>(actual);
    EXPECT_EQ(lrn->size, other.size);
    EXPECT_EQ(lrn->alpha, other.alpha);
    EXPECT_EQ(lrn->beta, other.beta);
    EXPECT_EQ(lrn->bias, other.bias);
  }
}

void ExpectActivationsEqual(const std::vector<graph::Activation>& expected,
                            const std::vector<graph::Activation>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].kind, actual[i].kind);
    EXPECT_EQ(expected[i].alpha, actual[i].alpha);
    EXPECT_EQ(expected[i].beta, actual[i].beta);
    EXPECT_EQ(expected[i].min, actual[i].min);
    EXPECT_EQ(expected[i].max, actual[i].max);
  }
}

void ExpectGraphsEqual(const LayerGraph& expected, const LayerGraph& actual) {
  EXPECT_EQ(expected.model_name, actual.model_name);
  EXPECT_EQ(expected.inputs, actual.inputs);
  EXPECT_EQ(expected.outputs, actual.outputs);
  ASSERT_EQ(expected.tensors.size(), actual.tensors.size());
  for (size_t id = 0; id < expected.tensors.size(); ++id) {
    const graph::Tensor& a = expected.tensors[id];
    const graph::Tensor& b = actual.tensors[id];
    SCOPED_TRACE("tensor " + a.name);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.onnx_dims, b.onnx_dims);
    EXPECT_EQ(a.producer, b.producer);
    EXPECT_EQ(a.consumers, b.consumers);
    EXPECT_EQ(a.is_graph_input, b.is_graph_input);
    EXPECT_EQ(a.is_graph_output, b.is_graph_output);
    ASSERT_EQ(a.IsConstant(), b.IsConstant());
    if (a.IsConstant()) {
      EXPECT_EQ(a.constant->fill, b.constant->fill);
      EXPECT_EQ(a.constant->values, b.constant->values);
    }
  }
  ASSERT_EQ(expected.layers.size(), actual.layers.size());
  for (size_t id = 0; id < expected.layers.size(); ++id) {
    const graph::Layer& a = expected.layers[id];
    const graph::Layer& b = actual.layers[id];
    SCOPED_TRACE("layer " + a.name);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.kind, b.kind);
    ExpectParamsEqual(a.params, b.params);
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.weight, b.weight);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(a.channel_scale, b.channel_scale);
    EXPECT_EQ(a.channel_bias, b.channel_bias);
    ExpectActivationsEqual(a.activations, b.activations);
    EXPECT_EQ(a.origins, b.origins);
  }
}

// Appends a single-input layer with a new output tensor to a built graph, keeping the
// consumer lists sorted.
graph::TensorId AppendLayer(LayerGraph& graph, graph::Layer layer, graph::TensorId input,
                            const graph::Shape& output_shape) {
  const graph::LayerId id = static_cast<graph::LayerId>(graph.layers.size());
  graph::Tensor output;
  output.name = layer.name + "_out";
  output.shape = output_shape;
  output.onnx_dims.assign(output_shape.begin(), output_shape.end());
  output.producer = id;
  graph.tensors.push_back(output);
  layer.inputs = {input};
  layer.output = static_cast<graph::TensorId>(graph.tensors.size()) - 1;
  layer.origins = {layer.name};
  graph.tensors[input].consumers.push_back(id);
  graph.layers.push_back(std::move(layer));
  return graph.layers.back().output;
}

graph::LayerId LayerNamed(const LayerGraph& graph, const std::string& name) {
  for (graph::LayerId id = 0; id < static_cast<graph::LayerId>(graph.layers.size()); ++id) {
    if (graph.layers[id].name == name) return id;
  }
  ADD_FAILURE() << "no layer " << name;
  return 0;
}

// A graph with every layer kind, grouped and dilated convs, a fill constant, scale and bias
// vectors, every activation kind, several origins and a rank-2 ONNX output.
LayerGraph MakeEveryKindGraph() {
  soma::testing::GraphBuilder builder("every_kind", /*seed=*/3);
  const graph::TensorId x = builder.Input("x", {1, 3, 16, 16});
  const graph::TensorId conv1 = builder.Conv("conv1", x, 8);
  const graph::TensorId depthwise =
      builder.Conv("dw", conv1, 8,
                   {.kernel = 3, .stride = 2, .pad = 1, .groups = 8, .relu = false, .bias = false});
  const graph::TensorId dilated = builder.Conv("dil", depthwise, 8, {.pad = 2, .dilation = 2});
  const graph::TensorId max_pool = builder.MaxPool("pool", dilated, 2, 2);
  const graph::TensorId average_pool = builder.AveragePool("apool", dilated, 3, 1, 1);
  const graph::TensorId sum = builder.Add("add", dilated, average_pool, /*relu=*/true);
  const graph::TensorId concat = builder.Concat("cat", {sum, dilated});
  const graph::TensorId pooled = builder.GlobalAveragePool("gap", concat);
  const graph::TensorId fc = builder.FullyConnected("fc", pooled, 10, /*relu=*/true);
  const graph::TensorId softmax = builder.Softmax("softmax", fc);
  builder.Output(softmax);
  builder.Output(max_pool);
  LayerGraph graph = builder.Build();

  graph.layers[LayerNamed(graph, "conv1")].channel_scale = {0.5f, 1.5f, -2.0f, 1, 1, 1, 1, 0.25f};
  graph.layers[LayerNamed(graph, "conv1")].origins = {"conv1", "bn1", "relu1"};
  std::get<graph::PoolParams>(graph.layers[LayerNamed(graph, "apool")].params).count_include_pad =
      true;
  std::get<graph::SoftmaxParams>(graph.layers[LayerNamed(graph, "softmax")].params).log = true;
  graph.layers[LayerNamed(graph, "add")].params = graph::EltwiseParams{graph::EltwiseKind::kMul};
  graph::Layer& dw = graph.layers[LayerNamed(graph, "dw")];
  dw.activations = {{graph::ActivationKind::kLeakyRelu, 0.1f},
                    {graph::ActivationKind::kClip, 0, 0, 0.0f, 6.0f},
                    {graph::ActivationKind::kHardSigmoid, 0.2f, 0.5f},
                    {graph::ActivationKind::kHardSwish},
                    {graph::ActivationKind::kSigmoid}};
  graph.tensors[*graph.layers[LayerNamed(graph, "dil")].weight].constant =
      graph::ConstantData{{}, 0.125f};
  graph.tensors[softmax].onnx_dims = {1, 10};

  graph::Layer lrn;
  lrn.name = "lrn";
  lrn.kind = graph::LayerKind::kLrn;
  lrn.params = graph::LrnParams{5, 2e-4f, 0.5f, 2.0f};
  const graph::TensorId lrn_out = AppendLayer(graph, lrn, concat, graph.tensors[concat].shape);
  graph::Layer clip;
  clip.name = "clip";
  clip.kind = graph::LayerKind::kActivation;
  clip.params = graph::ActivationLayerParams{};
  clip.activations = {{graph::ActivationKind::kClip, 0, 0, -1.0f, 1.0f}};
  const graph::TensorId clip_out = AppendLayer(graph, clip, lrn_out, graph.tensors[lrn_out].shape);
  graph.tensors[clip_out].is_graph_output = true;
  graph.outputs.push_back(clip_out);
  EXPECT_TRUE(graph.Verify().ok()) << graph.Verify();
  return graph;
}

stream::CommandStream EncodeTables(const LayerGraph& graph) {
  stream::CommandStream command_stream;
  command_stream.mutable_header()->set_model_name(graph.model_name);
  EncodeGraphTables(graph, testing::MakeTestConfig(), &command_stream);
  return command_stream;
}

TEST(GraphTablesTest, EveryLayerKindRoundTrips) {
  // Shapes, parameters, constants, epilogues and links survive encode and decode unchanged.
  const LayerGraph graph = MakeEveryKindGraph();
  absl::StatusOr<LayerGraph> decoded = DecodeLayerGraph(EncodeTables(graph));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ExpectGraphsEqual(graph, *decoded);
}

TEST(GraphTablesTest, RoundTripSurvivesSerialisation) {
  // The decoded graph of a parsed .npub equals the original graph.
  const LayerGraph graph = MakeEveryKindGraph();
  stream::CommandStream command_stream = EncodeTables(graph);
  command_stream.mutable_header()->set_magic(kStreamMagic);
  command_stream.mutable_header()->set_schema_version(kStreamSchemaVersion);
  command_stream.mutable_header()->set_hardware_hash(
      DecodeHardware(command_stream.hardware()).Hash());
  absl::StatusOr<stream::CommandStream> parsed =
      ParseStream(SerializeStream(command_stream), "every_kind.npub");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  absl::StatusOr<LayerGraph> decoded = DecodeLayerGraph(*parsed);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ExpectGraphsEqual(graph, *decoded);
}

TEST(GraphTablesTest, ConstantsGoToBlobAsLittleEndianFloat) {
  // Explicit weights are packed in id order as little-endian float32; offsets count floats.
  const LayerGraph graph = MakeEveryKindGraph();
  const stream::CommandStream command_stream = EncodeTables(graph);
  const stream::Tensor& conv1_weight = command_stream.tensors(1);
  ASSERT_EQ(conv1_weight.role(), stream::Tensor::ROLE_CONSTANT);
  EXPECT_FALSE(conv1_weight.has_fill());
  EXPECT_EQ(conv1_weight.constant_blob_offset(), 0u);
  EXPECT_EQ(conv1_weight.constant_count(), 8u * 3 * 3 * 3);
  const uint32_t bits = std::bit_cast<uint32_t>(graph.tensors[1].constant->values[0]);
  const std::string& blob = command_stream.constant_blob();
  ASSERT_GE(blob.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(blob[0]), bits & 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(blob[3]), bits >> 24);
  const stream::Tensor& dw_weight = command_stream.tensors(*graph.layers[1].weight);
  EXPECT_EQ(dw_weight.constant_blob_offset(), 8u * 3 * 3 * 3);
}

TEST(GraphTablesTest, HugeFillConstantStaysOneFill) {
  // A 100 MiB ConstantOfShape weight is one fill value in the stream, not 100 MiB of blob.
  LayerGraph graph;
  graph.model_name = "huge_fill";
  graph.tensors.resize(3);
  graph.tensors[0].name = "x";
  graph.tensors[0].shape = {1, 1024, 10, 10};
  graph.tensors[0].is_graph_input = true;
  graph.tensors[0].consumers = {0};
  graph.tensors[1].name = "w";
  graph.tensors[1].shape = {1024, 1024, 10, 10};
  graph.tensors[1].constant = graph::ConstantData{{}, 0.25f};
  graph.tensors[1].consumers = {0};
  graph.tensors[2].name = "y";
  graph.tensors[2].shape = {1, 1024, 1, 1};
  graph.tensors[2].producer = 0;
  graph.tensors[2].is_graph_output = true;
  graph::Layer conv;
  conv.name = "conv";
  conv.params = graph::ConvParams{10, 10};
  conv.inputs = {0};
  conv.weight = 1;
  conv.output = 2;
  conv.origins = {"conv"};
  graph.layers.push_back(conv);
  graph.inputs = {0};
  graph.outputs = {2};
  ASSERT_TRUE(graph.Verify().ok()) << graph.Verify();

  const stream::CommandStream command_stream = EncodeTables(graph);
  EXPECT_TRUE(command_stream.constant_blob().empty());
  EXPECT_TRUE(command_stream.tensors(1).has_fill());
  EXPECT_EQ(command_stream.tensors(1).constant_fill(), 0.25f);
  EXPECT_EQ(command_stream.tensors(1).constant_count(), 104857600u);
  EXPECT_LT(command_stream.ByteSizeLong(), 1024u);

  absl::StatusOr<LayerGraph> decoded = DecodeLayerGraph(command_stream);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->tensors[1].constant->fill, 0.25f);
  EXPECT_TRUE(decoded->tensors[1].constant->values.empty());
}

TEST(GraphTablesTest, HardwareCodecIsInverse) {
  // DecodeHardware(EncodeHardware(c)) gives back every field of c.
  const arch::ArchConfig config = testing::MakeTestConfig();
  const arch::ArchConfig decoded = DecodeHardware(EncodeHardware(config));
  EXPECT_EQ(decoded.ToYaml(), config.ToYaml());
  EXPECT_EQ(decoded.Hash(), config.Hash());
  EXPECT_EQ(decoded.dram_energy_pj_per_byte, 84.0);
  EXPECT_EQ(decoded.activation_bytes, 2);
}

TEST(GraphTablesTest, LayerWithoutParamsIsRejected) {
  // The params oneof is the layer kind; an unset oneof is a corrupt stream.
  stream::CommandStream command_stream = EncodeTables(MakeEveryKindGraph());
  command_stream.mutable_layers(1)->clear_params();
  const absl::Status status = DecodeLayerGraph(command_stream).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "command stream layer table: layer 1 'dw': no parameters set, so the layer kind is "
            "unknown; the stream is corrupt");
}

TEST(GraphTablesTest, ConstantOutsideBlobIsRejected) {
  // Constant values must lie inside the blob.
  stream::CommandStream command_stream = EncodeTables(MakeEveryKindGraph());
  command_stream.mutable_constant_blob()->resize(400);
  const absl::Status status = DecodeLayerGraph(command_stream).status();
  EXPECT_EQ(status.message(),
            "command stream tensor table: tensor 1 'conv1_w': constant values [0, 216) (in "
            "floats) lie outside the constant blob of 100 floats; the stream is corrupt");
}

TEST(GraphTablesTest, TensorIdOutOfRangeIsRejected) {
  // A layer naming a tensor past the table is a corrupt stream.
  stream::CommandStream command_stream = EncodeTables(MakeEveryKindGraph());
  command_stream.mutable_layers(0)->set_output_tensor(999);
  const absl::Status status = DecodeLayerGraph(command_stream).status();
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("layer 0 'conv1': output tensor id 999 is not below the tensor count"));
}

TEST(GraphTablesTest, OutputListMustMatchRoles) {
  // A network output whose tensor-table role disagrees is reported with both roles.
  stream::CommandStream command_stream = EncodeTables(MakeEveryKindGraph());
  command_stream.add_network_outputs(2);
  const absl::Status status = DecodeLayerGraph(command_stream).status();
  EXPECT_EQ(status.message(),
            "command stream: network_outputs names tensor 2 'conv1_out' whose role is "
            "ROLE_INTERMEDIATE, expected ROLE_NETWORK_OUTPUT; the stream is corrupt");
}

TEST(GraphTablesTest, NonTopologicalLayersFailVerify) {
  // Layers swapped out of topological order fail LayerGraph::Verify, reported as input error.
  stream::CommandStream command_stream = EncodeTables(MakeEveryKindGraph());
  command_stream.mutable_layers()->SwapElements(0, 1);
  const absl::Status status = DecodeLayerGraph(command_stream).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("command stream: the decoded LayerGraph is invalid: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("layer ids are not topological"));
}

}  // namespace
}  // namespace soma::codegen
