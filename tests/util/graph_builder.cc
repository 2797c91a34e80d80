// graph_builder.cc: small LayerGraphs for tests.
#include "util/graph_builder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace soma::testing {

using graph::Layer;
using graph::LayerKind;
using graph::Shape;
using graph::TensorId;

GraphBuilder::GraphBuilder(std::string model_name, uint32_t seed) : rng_(seed) {
  graph_.model_name = std::move(model_name);
}

TensorId GraphBuilder::AddTensor(const std::string& name, Shape shape) {
  graph::Tensor tensor;
  tensor.name = name;
  tensor.shape = shape;
  tensor.onnx_dims.assign(shape.begin(), shape.end());
  graph_.tensors.push_back(std::move(tensor));
  return static_cast<TensorId>(graph_.tensors.size()) - 1;
}

TensorId GraphBuilder::AddConstant(const std::string& name, Shape shape, int64_t fan_in) {
  TensorId id = AddTensor(name, shape);
  graph::ConstantData data;
  const int64_t count = graph::ElementCount(shape);
  data.values.resize(count);
  const double scale = 1.0 / std::sqrt(static_cast<double>(fan_in > 0 ? fan_in : 1));
  for (float& value : data.values) {
    // Derived from the raw engine so that every standard library gives the same values.
    const double unit = static_cast<double>(rng_()) / 4294967296.0;
    value = static_cast<float>((unit - 0.5) * scale);
  }
  graph_.tensors[id].constant = std::move(data);
  return id;
}

TensorId GraphBuilder::AddLayer(Layer layer, Shape output_shape) {
  layer.output = AddTensor(layer.name + "_out", output_shape);
  graph_.tensors[layer.output].producer = static_cast<int>(graph_.layers.size());
  if (layer.origins.empty()) layer.origins.push_back(layer.name);
  graph_.layers.push_back(std::move(layer));
  return graph_.layers.back().output;
}

TensorId GraphBuilder::Input(const std::string& name, Shape shape) {
  TensorId id = AddTensor(name, shape);
  graph_.tensors[id].is_graph_input = true;
  graph_.inputs.push_back(id);
  return id;
}

TensorId GraphBuilder::Constant(const std::string& name, Shape shape) {
  return AddConstant(name, shape, 1);
}

TensorId GraphBuilder::Conv(const std::string& name, TensorId input, int64_t out_channels,
                            const ConvOptions& options) {
  const Shape in = graph_.tensors[input].shape;
  graph::ConvParams params;
  params.kernel_h = params.kernel_w = options.kernel;
  params.stride_h = params.stride_w = options.stride;
  params.dilation_h = params.dilation_w = options.dilation;
  params.pad_top = params.pad_left = params.pad_bottom = params.pad_right = options.pad;
  params.groups = options.groups;
  const int64_t effective_kernel = (options.kernel - 1) * options.dilation + 1;
  const int64_t out_h = (in[2] + 2 * options.pad - effective_kernel) / options.stride + 1;
  const int64_t out_w = (in[3] + 2 * options.pad - effective_kernel) / options.stride + 1;
  const int64_t in_per_group = in[1] / options.groups;

  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kConv;
  layer.params = params;
  layer.inputs = {input};
  layer.weight = AddConstant(name + "_w", {out_channels, in_per_group, options.kernel, options.kernel},
                             in_per_group * options.kernel * options.kernel);
  if (options.bias) {
    layer.channel_bias.resize(out_channels);
    for (int64_t k = 0; k < out_channels; ++k) layer.channel_bias[k] = 0.01f * static_cast<float>(k % 7);
  }
  if (options.relu) layer.activations.push_back({graph::ActivationKind::kRelu});
  return AddLayer(std::move(layer), {in[0], out_channels, out_h, out_w});
}

TensorId GraphBuilder::FullyConnected(const std::string& name, TensorId input,
                                      int64_t out_features, bool relu) {
  const Shape in = graph_.tensors[input].shape;
  const int64_t in_features = in[1] * in[2] * in[3];
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kFullyConnected;
  layer.params = graph::FullyConnectedParams{};
  layer.inputs = {input};
  layer.weight = AddConstant(name + "_w", {out_features, in_features, 1, 1}, in_features);
  layer.channel_bias.assign(out_features, 0.02f);
  if (relu) layer.activations.push_back({graph::ActivationKind::kRelu});
  return AddLayer(std::move(layer), {in[0], out_features, 1, 1});
}

TensorId GraphBuilder::Pool(const std::string& name, TensorId input, graph::PoolKind kind,
                            int64_t kernel, int64_t stride, int64_t pad) {
  const Shape in = graph_.tensors[input].shape;
  graph::PoolParams params;
  params.kind = kind;
  params.kernel_h = params.kernel_w = kernel;
  params.stride_h = params.stride_w = stride;
  params.pad_top = params.pad_left = params.pad_bottom = params.pad_right = pad;
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kPool;
  layer.params = params;
  layer.inputs = {input};
  const int64_t out_h = (in[2] + 2 * pad - kernel) / stride + 1;
  const int64_t out_w = (in[3] + 2 * pad - kernel) / stride + 1;
  return AddLayer(std::move(layer), {in[0], in[1], out_h, out_w});
}

TensorId GraphBuilder::MaxPool(const std::string& name, TensorId input, int64_t kernel,
                               int64_t stride, int64_t pad) {
  return Pool(name, input, graph::PoolKind::kMax, kernel, stride, pad);
}

TensorId GraphBuilder::AveragePool(const std::string& name, TensorId input, int64_t kernel,
                                   int64_t stride, int64_t pad) {
  return Pool(name, input, graph::PoolKind::kAverage, kernel, stride, pad);
}

TensorId GraphBuilder::GlobalAveragePool(const std::string& name, TensorId input) {
  const Shape in = graph_.tensors[input].shape;
  graph::PoolParams params;
  params.kind = graph::PoolKind::kAverage;
  params.kernel_h = in[2];
  params.kernel_w = in[3];
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kPool;
  layer.params = params;
  layer.inputs = {input};
  return AddLayer(std::move(layer), {in[0], in[1], 1, 1});
}

TensorId GraphBuilder::Add(const std::string& name, TensorId a, TensorId b, bool relu) {
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kEltwise;
  layer.params = graph::EltwiseParams{graph::EltwiseKind::kAdd};
  layer.inputs = {a, b};
  if (relu) layer.activations.push_back({graph::ActivationKind::kRelu});
  return AddLayer(std::move(layer), graph_.tensors[a].shape);
}

TensorId GraphBuilder::Concat(const std::string& name, const std::vector<TensorId>& inputs) {
  Shape shape = graph_.tensors[inputs.front()].shape;
  shape[1] = 0;
  for (TensorId input : inputs) shape[1] += graph_.tensors[input].shape[1];
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kConcat;
  layer.params = graph::ConcatParams{};
  layer.inputs = inputs;
  return AddLayer(std::move(layer), shape);
}

TensorId GraphBuilder::Softmax(const std::string& name, TensorId input) {
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kSoftmax;
  layer.params = graph::SoftmaxParams{};
  layer.inputs = {input};
  return AddLayer(std::move(layer), graph_.tensors[input].shape);
}

TensorId GraphBuilder::MatMul(const std::string& name, TensorId a, TensorId b) {
  const Shape a_shape = graph_.tensors[a].shape;
  const Shape b_shape = graph_.tensors[b].shape;
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kMatMul;
  layer.params = graph::MatMulParams{};
  layer.inputs = {a, b};
  return AddLayer(std::move(layer), {std::max(a_shape[0], b_shape[0]),
                                     std::max(a_shape[1], b_shape[1]), a_shape[2], b_shape[3]});
}

TensorId GraphBuilder::TensorOp(const std::string& name, const std::vector<TensorId>& inputs,
                                const TensorOpSpec& spec) {
  graph::TensorOpParams params;
  params.domain = spec.domain;
  params.op_type = spec.op_type;
  params.node_proto = spec.node_proto;
  params.opset = spec.opset;
  params.input_dims = spec.input_dims;
  params.embedded_inputs = spec.embedded_inputs;
  const int slot_count = static_cast<int>(inputs.size() + spec.embedded_inputs.size());
  int next_input = 0;
  for (int slot = 0; slot < slot_count; ++slot) {
    bool embedded = false;
    for (const auto& entry : spec.embedded_inputs) embedded = embedded || entry.first == slot;
    params.input_slots.push_back(embedded ? -1 : next_input++);
  }
  for (size_t index = 0; index < inputs.size(); ++index) {
    params.input_elem_types.push_back(1);
    if (spec.input_dims.empty()) {
      const Shape& shape = graph_.tensors[inputs[index]].shape;
      params.input_dims.emplace_back(shape.begin(), shape.end());
    }
  }
  params.output_dims = spec.output_dims;
  if (params.output_dims.empty()) {
    params.output_dims.assign(spec.output_shape.begin(), spec.output_shape.end());
  }
  params.unit = spec.unit;
  params.host_reason = spec.host_reason;
  params.mac_count = spec.mac_count;
  Layer layer;
  layer.name = name;
  layer.kind = LayerKind::kTensorOp;
  layer.params = std::move(params);
  layer.inputs = inputs;
  return AddLayer(std::move(layer), spec.output_shape);
}

void GraphBuilder::Output(TensorId tensor) {
  graph_.tensors[tensor].is_graph_output = true;
  graph_.outputs.push_back(tensor);
}

graph::LayerGraph GraphBuilder::Build() {
  for (auto& tensor : graph_.tensors) tensor.consumers.clear();
  for (int id = 0; id < static_cast<int>(graph_.layers.size()); ++id) {
    for (TensorId input : graph_.layers[id].inputs) {
      auto& consumers = graph_.tensors[input].consumers;
      if (consumers.empty() || consumers.back() != id) consumers.push_back(id);
    }
    if (graph_.layers[id].weight) graph_.tensors[*graph_.layers[id].weight].consumers.push_back(id);
  }
  absl::Status status = graph_.Verify();
  if (!status.ok()) {
    std::cerr << "GraphBuilder produced an invalid graph: " << status << "\n";
    std::abort();
  }
  return graph_;
}

}  // namespace soma::testing
