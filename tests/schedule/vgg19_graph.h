// vgg19_graph.h: the VGG-19 LayerGraph with fill-constant weights, so that its 140 million
// parameters cost no memory in tests.
#ifndef SOMA_TESTS_SCHEDULE_VGG19_GRAPH_H_
#define SOMA_TESTS_SCHEDULE_VGG19_GRAPH_H_

#include <string>
#include <utility>
#include <vector>

#include "graph/layer_graph.h"

namespace soma::testing {

/// Builds VGG-19 for 224x224 images at `batch`: 16 3x3 convs with ReLU in five blocks,
/// each block ended by a 2x2 max pool, then fc6 (25088 x 4096), fc7 (4096 x 4096) and fc8
/// (4096 x 1000). Weights are fill constants.
inline graph::LayerGraph VggNineteen(int64_t batch = 1) {
  graph::LayerGraph graph;
  graph.model_name = "vgg19";
  const auto add_tensor = [&](const std::string& name, graph::Shape shape, bool constant) {
    graph::Tensor tensor;
    tensor.name = name;
    tensor.shape = shape;
    tensor.onnx_dims.assign(shape.begin(), shape.end());
    if (constant) tensor.constant = graph::ConstantData{{}, 0.001f};
    graph.tensors.push_back(std::move(tensor));
    return static_cast<graph::TensorId>(graph.tensors.size()) - 1;
  };
  const auto add_layer = [&](graph::Layer layer, graph::Shape output_shape) {
    const auto layer_id = static_cast<graph::LayerId>(graph.layers.size());
    layer.origins = {layer.name};
    layer.output = add_tensor(layer.name + "_out", output_shape, false);
    graph.tensors[layer.output].producer = layer_id;
    for (graph::TensorId input : layer.inputs) graph.tensors[input].consumers.push_back(layer_id);
    graph.layers.push_back(std::move(layer));
    return graph.layers.back().output;
  };

  graph::TensorId x = add_tensor("data", {batch, 3, 224, 224}, false);
  graph.tensors[x].is_graph_input = true;
  graph.inputs.push_back(x);
  const std::vector<std::vector<int64_t>> blocks = {
      {64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512, 512, 512, 512}};
  for (size_t block = 0; block < blocks.size(); ++block) {
    for (size_t index = 0; index < blocks[block].size(); ++index) {
      const graph::Shape in = graph.tensors[x].shape;
      const int64_t channels = blocks[block][index];
      graph::Layer conv;
      conv.name = "conv" + std::to_string(block + 1) + "_" + std::to_string(index + 1);
      conv.kind = graph::LayerKind::kConv;
      graph::ConvParams params;
      params.kernel_h = params.kernel_w = 3;
      params.pad_top = params.pad_left = params.pad_bottom = params.pad_right = 1;
      conv.params = params;
      conv.inputs = {x};
      conv.weight = add_tensor(conv.name + "_w", {channels, in[1], 3, 3}, true);
      conv.channel_bias.assign(channels, 0.0f);
      conv.activations.push_back({graph::ActivationKind::kRelu});
      x = add_layer(std::move(conv), {in[0], channels, in[2], in[3]});
    }
    const graph::Shape in = graph.tensors[x].shape;
    graph::Layer pool;
    pool.name = "pool" + std::to_string(block + 1);
    pool.kind = graph::LayerKind::kPool;
    graph::PoolParams params;
    params.kernel_h = params.kernel_w = 2;
    params.stride_h = params.stride_w = 2;
    pool.params = params;
    pool.inputs = {x};
    x = add_layer(std::move(pool), {in[0], in[1], in[2] / 2, in[3] / 2});
  }
  const std::vector<std::pair<std::string, int64_t>> classifier = {
      {"fc6", 4096}, {"fc7", 4096}, {"fc8", 1000}};
  for (const auto& [name, features] : classifier) {
    const graph::Shape in = graph.tensors[x].shape;
    graph::Layer fc;
    fc.name = name;
    fc.kind = graph::LayerKind::kFullyConnected;
    fc.params = graph::FullyConnectedParams{};
    fc.inputs = {x};
    fc.weight = add_tensor(name + "_w", {features, in[1] * in[2] * in[3], 1, 1}, true);
    fc.channel_bias.assign(features, 0.0f);
    if (name != "fc8") fc.activations.push_back({graph::ActivationKind::kRelu});
    x = add_layer(std::move(fc), {in[0], features, 1, 1});
  }
  graph.tensors[x].is_graph_output = true;
  graph.outputs.push_back(x);
  return graph;
}

}  // namespace soma::testing

#endif  // SOMA_TESTS_SCHEDULE_VGG19_GRAPH_H_
