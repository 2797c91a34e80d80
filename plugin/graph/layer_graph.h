// layer_graph.h: the LayerGraph, the importer's output and the scheduler's input.
//
// Tensors are rank-4 NCHW. Constant tensors (weights, constant operands) carry their data
// either as explicit values or as one fill value, so a model whose weights come from
// ConstantOfShape stays small in memory and in the command stream.
#ifndef SOMA_GRAPH_LAYER_GRAPH_H_
#define SOMA_GRAPH_LAYER_GRAPH_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/box.h"
#include "graph/layer.h"

namespace soma::graph {

/// The values of a constant tensor: explicit data, or `count` copies of `fill`.
struct ConstantData {
  std::vector<float> values;
  std::optional<float> fill;

  /// Value of flat element `index` (NCHW order).
  float At(int64_t index) const { return fill.has_value() ? *fill : values[index]; }
};

struct Tensor {
  std::string name;
  Shape shape{1, 1, 1, 1};
  /// Shape as the ONNX model declares it (graph inputs and outputs keep their rank here).
  std::vector<int64_t> onnx_dims;
  std::optional<LayerId> producer;
  /// Layers that read the tensor, in ascending layer id order.
  std::vector<LayerId> consumers;
  bool is_graph_input = false;
  bool is_graph_output = false;
  std::optional<ConstantData> constant;

  bool IsConstant() const { return constant.has_value(); }
  int64_t ElementCount() const { return graph::ElementCount(shape); }
};

/// A DAG of layers over tensors. Layer ids are a topological order.
struct LayerGraph {
  std::string model_name;
  std::vector<Tensor> tensors;
  std::vector<Layer> layers;
  /// Graph inputs and outputs in ONNX declaration order.
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;

  const Tensor& tensor(TensorId id) const { return tensors[id]; }
  const Layer& layer(LayerId id) const { return layers[id]; }
  const Tensor& OutputOf(LayerId id) const { return tensors[layers[id].output]; }

  /// Layers whose output `layer_id` reads (constants and graph inputs excluded).
  std::vector<LayerId> Producers(LayerId layer_id) const;
  /// Total multiply-accumulate operations of the graph.
  int64_t MacCount() const;

  /// Checks the invariants: ids in range, layer ids topological, producer and consumer
  /// links consistent, shapes positive, weight shapes matching the layer kind, every graph
  /// output produced. Returns the first broken rule, naming the layer or tensor.
  absl::Status Verify() const;
  std::string ToString() const;
};

/// Multiply-accumulate count of one layer (0 for vector-unit layers).
int64_t LayerMacCount(const LayerGraph& graph, LayerId layer_id);

std::ostream& operator<<(std::ostream& os, const LayerGraph& graph);

}  // namespace soma::graph

#endif  // SOMA_GRAPH_LAYER_GRAPH_H_
