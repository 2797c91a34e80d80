// two_conv_stream.cc: a hand-built command stream of two 3x3 convolutions, for replay tests.
#include "replay/two_conv_stream.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "arch/cost_model.h"
#include "codegen/stream_io.h"
#include "graph/box_mapping.h"
#include "util/graph_builder.h"

namespace soma::testing {

namespace {

using graph::Box;

// Byte addresses of the buffer regions.
constexpr int64_t kInputRegion = 0;
constexpr int64_t kConv1WeightRegion = 256;
constexpr int64_t kConv2WeightRegion = 576;
constexpr int64_t kConv1OutputRegion = 896;
constexpr int64_t kOutputRegion = 1408;
constexpr int64_t kReloadedConv1OutputRegion = 1664;

// DRAM byte offsets of the tensors that live there.
constexpr int64_t kInputDram = 0;
constexpr int64_t kConv1WeightDram = 256;
constexpr int64_t kConv2WeightDram = 544;
constexpr int64_t kOutputDram = 832;
constexpr int64_t kConv1OutputDram = 1088;

std::array<int64_t, 4> Dense(const graph::Shape& extents) {
  return {extents[1] * extents[2] * extents[3], extents[2] * extents[3], extents[3], 1};
}

int64_t Offset(const Box& region, const std::array<int64_t, 4>& x) {
  const std::array<int64_t, 4> strides = Dense(region.Extents());
  int64_t offset = 0;
  for (int d = 0; d < 4; ++d) offset += (x[d] - region.lo[d]) * strides[d];
  return offset;
}

void SetBox(const Box& box, stream::Box* proto) {
  for (int d = 0; d < 4; ++d) {
    proto->add_lo(box.lo[d]);
    proto->add_hi(box.hi[d]);
  }
}

Box Rows(const graph::Shape& shape, int64_t first_row, int64_t end_row) {
  Box box = Box::Full(shape);
  box.lo[2] = first_row;
  box.hi[2] = end_row;
  return box;
}

class Builder {
 public:
  explicit Builder(const graph::LayerGraph& graph, stream::CommandStream* command_stream)
      : graph_(graph), stream_(command_stream) {}

  stream::Command* Add(int queue) { return stream_->mutable_queues(queue)->add_commands(); }

  void Wait(int queue, int target, int count) {
    stream::Wait* wait = Add(queue)->mutable_wait();
    wait->set_queue(target);
    wait->set_count(count);
  }

  /// Adds a transfer of `box` of `tensor` between DRAM and the dense region at
  /// `region_address`, which stores `region` of the tensor.
  void Transfer(int queue, bool is_store, int tensor, const Box& box, int64_t region_address,
                const Box& region, int tile) {
    stream::Command* command = Add(queue);
    stream::Dma* dma = is_store ? command->mutable_store() : command->mutable_load();
    const stream::Tensor& entry = stream_->tensors(tensor);
    const graph::Shape shape = graph_.tensor(tensor).shape;
    dma->set_tensor(tensor);
    SetBox(box, dma->mutable_box());
    dma->set_dram_address(entry.dram_offset() + Offset(Box::Full(shape), box.lo) * entry.element_bytes());
    for (int64_t stride : Dense(shape)) dma->add_dram_strides(stride);
    dma->set_buffer_address(region_address + Offset(region, box.lo) * entry.element_bytes());
    for (int64_t stride : Dense(region.Extents())) dma->add_buffer_strides(stride);
    dma->set_bytes(box.Volume() * entry.element_bytes());
    stream::Origin* origin = command->mutable_origin();
    origin->set_node(graph_.tensor(tensor).name);
    origin->set_tile(tile);
    origin->set_transfer(is_store ? "store" : "load");
  }

  /// Adds one conv tile: output rows [first_row, end_row) into the whole-map region at
  /// `output_region`, reading the whole input map at `input_region`. With `channel_slice`,
  /// the tile is a partial sum over those input channels.
  void Conv(int layer_id, int64_t first_row, int64_t end_row, int64_t input_region,
            int64_t weight_region, int64_t output_region, int tile, int position,
            std::optional<std::pair<int64_t, int64_t>> channel_slice = std::nullopt,
            bool accumulate = false, bool final_partial = true) {
    const graph::Layer& layer = graph_.layer(layer_id);
    const graph::Shape output_shape = graph_.tensor(layer.output).shape;
    const Box output_box = Rows(output_shape, first_row, end_row);
    stream::Command* command = Add(kComputeQueue);
    stream::Compute* compute = command->mutable_compute();
    compute->set_layer(layer_id);
    SetBox(output_box, compute->mutable_output_box());
    compute->set_accumulate(accumulate);
    compute->set_final_partial(final_partial);

    stream::Operand* output = compute->add_outputs();
    output->set_tensor(layer.output);
    output->set_region_address(output_region);
    SetBox(Box::Full(output_shape), output->mutable_region());
    SetBox(output_box, output->mutable_box());

    stream::Operand* input = compute->add_inputs();
    input->set_tensor(layer.inputs[0]);
    input->set_region_address(input_region);
    SetBox(Box::Full(graph_.tensor(layer.inputs[0]).shape), input->mutable_region());
    Box input_box = graph::InputBox(graph_, layer_id, 0, output_box);
    if (channel_slice.has_value()) std::tie(input_box.lo[1], input_box.hi[1]) = *channel_slice;
    SetBox(input_box, input->mutable_box());

    stream::Operand* weight = compute->mutable_weight();
    weight->set_tensor(*layer.weight);
    weight->set_region_address(weight_region);
    SetBox(Box::Full(graph_.tensor(*layer.weight).shape), weight->mutable_region());
    Box weight_box = graph::WeightBox(graph_, layer_id, output_box);
    if (channel_slice.has_value()) std::tie(weight_box.lo[1], weight_box.hi[1]) = *channel_slice;
    SetBox(weight_box, weight->mutable_box());

    stream::Origin* origin = command->mutable_origin();
    origin->set_node(layer.name);
    origin->set_tile(tile);
    origin->set_position(position);
  }

 private:
  const graph::LayerGraph& graph_;
  stream::CommandStream* stream_;
};

void EncodeHardware(const arch::ArchConfig& config, stream::Hardware* hardware) {
  hardware->set_name(config.name);
  hardware->set_clock_hz(config.clock_hz);
  hardware->set_pe_rows(config.pe_rows);
  hardware->set_pe_cols(config.pe_cols);
  hardware->set_vector_width(config.vector_width);
  hardware->set_lanes(config.lanes);
  hardware->set_vector_ops_per_cycle(config.vector_ops_per_cycle);
  hardware->set_buffer_bytes(config.buffer_bytes);
  hardware->set_buffer_alignment_bytes(config.buffer_alignment_bytes);
  hardware->set_buffer_bandwidth_bytes_per_cycle(config.buffer_bandwidth_bytes_per_cycle);
  hardware->set_dram_bandwidth_bytes_per_second(config.dram_bandwidth_bytes_per_second);
  hardware->set_dma_queues(config.dma_queues);
  hardware->set_activation_bytes(config.activation_bytes);
  hardware->set_weight_bytes(config.weight_bytes);
  hardware->set_mac_energy_pj(config.mac_energy_pj);
  hardware->set_vector_op_energy_pj(config.vector_op_energy_pj);
  hardware->set_buffer_read_energy_pj_per_byte(config.buffer_read_energy_pj_per_byte);
  hardware->set_buffer_write_energy_pj_per_byte(config.buffer_write_energy_pj_per_byte);
  hardware->set_dram_energy_pj_per_byte(config.dram_energy_pj_per_byte);
}

/// The tensor table, constant blob, layer table and network lists of `graph`.
void EncodeTables(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                  bool intermediate_in_dram, stream::CommandStream* command_stream) {
  const std::vector<int64_t> dram_offsets = {kInputDram, kConv1WeightDram,
                                             intermediate_in_dram ? kConv1OutputDram : -1,
                                             kConv2WeightDram, kOutputDram};
  std::string blob;
  for (int id = 0; id < static_cast<int>(graph.tensors.size()); ++id) {
    const graph::Tensor& tensor = graph.tensor(id);
    stream::Tensor* entry = command_stream->add_tensors();
    entry->set_id(id);
    entry->set_name(tensor.name);
    entry->set_role(tensor.IsConstant()       ? stream::Tensor::ROLE_CONSTANT
                    : tensor.is_graph_input  ? stream::Tensor::ROLE_NETWORK_INPUT
                    : tensor.is_graph_output ? stream::Tensor::ROLE_NETWORK_OUTPUT
                                             : stream::Tensor::ROLE_INTERMEDIATE);
    for (int64_t extent : tensor.shape) entry->add_shape(extent);
    for (int64_t dim : tensor.onnx_dims) entry->add_onnx_dims(dim);
    const int64_t element_bytes = tensor.IsConstant() ? config.weight_bytes : config.activation_bytes;
    entry->set_element_bytes(element_bytes);
    if (dram_offsets[id] >= 0) {
      entry->set_in_dram(true);
      entry->set_dram_offset(dram_offsets[id]);
      entry->set_dram_bytes(tensor.ElementCount() * element_bytes);
    }
    if (tensor.IsConstant()) {
      entry->set_constant_blob_offset(blob.size() / 4);
      entry->set_constant_count(tensor.ElementCount());
      for (float value : tensor.constant->values) {
        char bytes[4];
        std::memcpy(bytes, &value, 4);
        blob.append(bytes, 4);
      }
    }
  }
  command_stream->set_constant_blob(blob);

  for (const graph::Layer& layer : graph.layers) {
    const graph::ConvParams& params = layer.Params<graph::ConvParams>();
    stream::Layer* entry = command_stream->add_layers();
    entry->set_name(layer.name);
    stream::ConvParams* conv = entry->mutable_conv();
    conv->set_kernel_h(params.kernel_h);
    conv->set_kernel_w(params.kernel_w);
    conv->set_stride_h(params.stride_h);
    conv->set_stride_w(params.stride_w);
    conv->set_dilation_h(params.dilation_h);
    conv->set_dilation_w(params.dilation_w);
    conv->set_pad_top(params.pad_top);
    conv->set_pad_left(params.pad_left);
    conv->set_pad_bottom(params.pad_bottom);
    conv->set_pad_right(params.pad_right);
    conv->set_groups(params.groups);
    for (int input : layer.inputs) entry->add_input_tensors(input);
    entry->set_output_tensor(layer.output);
    entry->set_weight_tensor(*layer.weight);
    for (float bias : layer.channel_bias) entry->add_channel_bias(bias);
    for (const graph::Activation& activation : layer.activations) {
      entry->add_activations()->set_kind(activation.kind == graph::ActivationKind::kRelu
                                             ? stream::Activation::RELU
                                             : stream::Activation::CLIP);
    }
    for (const std::string& origin : layer.origins) entry->add_origins(origin);
  }
  for (int input : graph.inputs) command_stream->add_network_inputs(input);
  for (int output : graph.outputs) command_stream->add_network_outputs(output);
}

/// Cost-model cycles of every command of `command_stream`.
void FillCycles(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                stream::CommandStream* command_stream) {
  const arch::CostModel cost_model(config);
  for (stream::Queue& queue : *command_stream->mutable_queues()) {
    for (stream::Command& command : *queue.mutable_commands()) {
      if (command.has_load()) command.set_cycles(cost_model.DmaCycles(command.load().bytes()));
      if (command.has_store()) command.set_cycles(cost_model.DmaCycles(command.store().bytes()));
      if (command.has_compute()) {
        Box box;
        for (int d = 0; d < 4; ++d) {
          box.lo[d] = command.compute().output_box().lo(d);
          box.hi[d] = command.compute().output_box().hi(d);
        }
        command.set_cycles(
            cost_model.LayerTileCost(graph, static_cast<int>(command.compute().layer()), box).cycles);
      }
    }
  }
}

int64_t ComputeCycles(const graph::LayerGraph& graph, int layer_id, int64_t first_row,
                      int64_t end_row) {
  const arch::CostModel cost_model(TwoConvHardware());
  return cost_model
      .LayerTileCost(graph, layer_id, Rows(graph.OutputOf(layer_id).shape, first_row, end_row))
      .cycles;
}

}  // namespace

arch::ArchConfig TwoConvHardware() {
  arch::ArchConfig config;
  config.name = "replay-test";
  config.clock_hz = 1000000000;
  config.pe_rows = 2;
  config.pe_cols = 2;
  config.vector_width = 4;
  config.lanes = 4;
  config.vector_ops_per_cycle = 16;
  config.buffer_bytes = 16384;
  config.buffer_alignment_bytes = 64;
  config.buffer_bandwidth_bytes_per_cycle = 64;
  config.dram_bandwidth_bytes_per_second = 1000000000;  // one byte per cycle
  config.dma_queues = 2;
  config.activation_bytes = 1;
  config.weight_bytes = 1;
  config.mac_energy_pj = 0.5;
  config.vector_op_energy_pj = 0.25;
  config.buffer_read_energy_pj_per_byte = 1;
  config.buffer_write_energy_pj_per_byte = 1;
  config.dram_energy_pj_per_byte = 84;
  return config;
}

graph::LayerGraph TwoConvGraph() {
  GraphBuilder builder("two_conv", /*seed=*/7);
  const graph::TensorId x = builder.Input("x", {1, 4, 8, 8});
  const graph::TensorId t1 = builder.Conv("conv1", x, 8);
  ConvOptions no_relu;
  no_relu.relu = false;
  const graph::TensorId y = builder.Conv("conv2", t1, 4, no_relu);
  builder.Output(y);
  return builder.Build();
}

stream::CommandStream MakeTwoConvStream(const TwoConvOptions& options) {
  const graph::LayerGraph graph = TwoConvGraph();
  const arch::ArchConfig config = TwoConvHardware();
  stream::CommandStream command_stream;
  stream::Header* header = command_stream.mutable_header();
  header->set_magic(codegen::kStreamMagic);
  header->set_schema_version(codegen::kStreamSchemaVersion);
  header->set_hardware_hash(config.Hash());
  header->set_hardware_name(config.name);
  header->set_model_name(graph.model_name);
  header->set_strategy("hand");
  EncodeHardware(config, command_stream.mutable_hardware());
  EncodeTables(graph, config, options.intermediate_in_dram, &command_stream);
  for (int queue = 0; queue < 3; ++queue) {
    stream::Queue* entry = command_stream.add_queues();
    entry->set_id(queue);
    entry->set_kind(queue == kComputeQueue ? stream::Queue::COMPUTE : stream::Queue::DMA);
  }

  Builder builder(graph, &command_stream);
  const Box x_full = Box::Full(graph.tensor(kInputTensor).shape);
  const Box w1_full = Box::Full(graph.tensor(kConv1WeightTensor).shape);
  const Box w2_full = Box::Full(graph.tensor(kConv2WeightTensor).shape);
  const graph::Shape t1_shape = graph.tensor(kConv1OutputTensor).shape;
  const graph::Shape y_shape = graph.tensor(kOutputTensor).shape;
  const int64_t conv2_input_region =
      options.intermediate_in_dram ? kReloadedConv1OutputRegion : kConv1OutputRegion;

  builder.Transfer(kLoadQueue, false, kInputTensor, x_full, kInputRegion, x_full, 0);
  builder.Transfer(kLoadQueue, false, kConv1WeightTensor, w1_full, kConv1WeightRegion, w1_full, 0);
  builder.Transfer(kLoadQueue, false, kConv2WeightTensor, w2_full, kConv2WeightRegion, w2_full, 0);
  if (options.intermediate_in_dram) {
    builder.Wait(kLoadQueue, kStoreQueue, 2);
    builder.Transfer(kLoadQueue, false, kConv1OutputTensor, Box::Full(t1_shape),
                     kReloadedConv1OutputRegion, Box::Full(t1_shape), 0);
  }

  builder.Wait(kComputeQueue, kLoadQueue, 2);
  builder.Conv(0, 0, 4, kInputRegion, kConv1WeightRegion, kConv1OutputRegion, 0, 0);
  builder.Conv(0, 4, 8, kInputRegion, kConv1WeightRegion, kConv1OutputRegion, 1, 1);
  builder.Wait(kComputeQueue, kLoadQueue, options.intermediate_in_dram ? 4 : 3);
  for (int tile = 0; tile < 2; ++tile) {
    const int64_t first_row = 4 * tile;
    if (options.split_conv2_channels) {
      builder.Conv(1, first_row, first_row + 4, conv2_input_region, kConv2WeightRegion,
                   kOutputRegion, tile, 2 + tile, std::make_pair(0, 4), /*accumulate=*/false,
                   /*final_partial=*/false);
      builder.Conv(1, first_row, first_row + 4, conv2_input_region, kConv2WeightRegion,
                   kOutputRegion, tile, 2 + tile, std::make_pair(4, 8), /*accumulate=*/true,
                   /*final_partial=*/true);
    } else {
      builder.Conv(1, first_row, first_row + 4, conv2_input_region, kConv2WeightRegion,
                   kOutputRegion, tile, 2 + tile);
    }
  }

  if (options.intermediate_in_dram) {
    for (int tile = 0; tile < 2; ++tile) {
      builder.Wait(kStoreQueue, kComputeQueue, tile + 1);
      builder.Transfer(kStoreQueue, true, kConv1OutputTensor, Rows(t1_shape, 4 * tile, 4 * tile + 4),
                       kConv1OutputRegion, Box::Full(t1_shape), tile);
    }
  }
  for (int tile = 0; tile < 2; ++tile) {
    builder.Wait(kStoreQueue, kComputeQueue,
                 options.split_conv2_channels ? 2 * tile + 4 : tile + 3);
    builder.Transfer(kStoreQueue, true, kOutputTensor, Rows(y_shape, 4 * tile, 4 * tile + 4),
                     kOutputRegion, Box::Full(y_shape), tile);
  }

  FillCycles(graph, config, &command_stream);
  if (!options.intermediate_in_dram && !options.split_conv2_channels) {
    command_stream.mutable_estimate()->set_latency_cycles(TwoConvLatencyCycles());
  }
  return command_stream;
}

int64_t TwoConvLatencyCycles() {
  const graph::LayerGraph graph = TwoConvGraph();
  // Loads: x 256 bytes, conv1_w 288 bytes, conv2_w 288 bytes, back to back at 1 byte/cycle.
  const int64_t conv1_weight_loaded = 256 + 288;
  const int64_t conv2_weight_loaded = conv1_weight_loaded + 288;
  // conv1 waits for x and its weights; conv2 also for its weights.
  const int64_t conv1_done = conv1_weight_loaded + ComputeCycles(graph, 0, 0, 4) +
                             ComputeCycles(graph, 0, 4, 8);
  const int64_t conv2_first_done =
      std::max(conv1_done, conv2_weight_loaded) + ComputeCycles(graph, 1, 0, 4);
  const int64_t conv2_second_done = conv2_first_done + ComputeCycles(graph, 1, 4, 8);
  // Each store moves 4 channels x 4 rows x 8 columns = 128 bytes after its tile.
  const int64_t first_store_done = conv2_first_done + 128;
  return std::max(first_store_done, conv2_second_done) + 128;
}

}  // namespace soma::testing
