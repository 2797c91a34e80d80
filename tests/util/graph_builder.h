// graph_builder.h: builds small LayerGraphs for tests in a few lines, with seeded weights.
#ifndef SOMA_TESTS_UTIL_GRAPH_BUILDER_H_
#define SOMA_TESTS_UTIL_GRAPH_BUILDER_H_

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "graph/layer_graph.h"

namespace soma::testing {

struct ConvOptions {
  int64_t kernel = 3;
  int64_t stride = 1;
  int64_t pad = 1;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool relu = true;
  bool bias = true;
};

/// A tensor operation for GraphBuilder::TensorOp: one ONNX node over whole tensors.
struct TensorOpSpec {
  std::string op_type;
  std::string domain;
  /// The serialised onnx::NodeProto. Its input slots are the slots of `embedded_inputs`
  /// and, in order, the layer inputs in the remaining slots.
  std::string node_proto;
  /// Constant inputs as serialised onnx::TensorProto, keyed by ONNX input slot.
  std::vector<std::pair<int, std::string>> embedded_inputs;
  int64_t opset = 17;
  /// The node's dims of each input; empty uses each input's canonical shape.
  std::vector<std::vector<int64_t>> input_dims;
  /// Canonical shape of the output tensor.
  graph::Shape output_shape{1, 1, 1, 1};
  /// The node's dims of its output; empty uses `output_shape`.
  std::vector<int64_t> output_dims;
  graph::ExecutionUnit unit = graph::ExecutionUnit::kVector;
  std::string host_reason;
  int64_t mac_count = 0;
};

/// Appends layers in call order, so layer ids are topological. Weights are uniform random in
/// [-0.5, 0.5] scaled by 1/sqrt(fan-in), from a generator seeded with `seed`.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string model_name = "test", uint32_t seed = 1);

  graph::TensorId Input(const std::string& name, graph::Shape shape);
  /// A constant tensor of seeded values in [-0.5, 0.5], for constant layer operands.
  graph::TensorId Constant(const std::string& name, graph::Shape shape);
  graph::TensorId Conv(const std::string& name, graph::TensorId input, int64_t out_channels,
                       const ConvOptions& options = {});
  graph::TensorId FullyConnected(const std::string& name, graph::TensorId input,
                                 int64_t out_features, bool relu = false);
  graph::TensorId MaxPool(const std::string& name, graph::TensorId input, int64_t kernel,
                          int64_t stride, int64_t pad = 0);
  graph::TensorId AveragePool(const std::string& name, graph::TensorId input, int64_t kernel,
                              int64_t stride, int64_t pad = 0);
  graph::TensorId GlobalAveragePool(const std::string& name, graph::TensorId input);
  graph::TensorId Add(const std::string& name, graph::TensorId a, graph::TensorId b,
                      bool relu = false);
  graph::TensorId Concat(const std::string& name, const std::vector<graph::TensorId>& inputs);
  graph::TensorId Softmax(const std::string& name, graph::TensorId input);
  /// A batched matrix product of two tensors: A (a0, a1, M, K) x B (b0, b1, K, N) gives
  /// (max(a0, b0), max(a1, b1), M, N).
  graph::TensorId MatMul(const std::string& name, graph::TensorId a, graph::TensorId b);
  /// A tensor operation over `inputs` (float elements, slots in input order).
  graph::TensorId TensorOp(const std::string& name, const std::vector<graph::TensorId>& inputs,
                           const TensorOpSpec& spec);
  /// Marks `tensor` as a graph output.
  void Output(graph::TensorId tensor);

  /// Returns the graph with consumer lists filled in. Aborts the test binary when the graph
  /// fails LayerGraph::Verify, because a builder misuse is a bug in the test.
  graph::LayerGraph Build();

 private:
  graph::TensorId AddTensor(const std::string& name, graph::Shape shape);
  graph::TensorId AddConstant(const std::string& name, graph::Shape shape, int64_t fan_in);
  graph::TensorId AddLayer(graph::Layer layer, graph::Shape output_shape);
  graph::TensorId Pool(const std::string& name, graph::TensorId input, graph::PoolKind kind,
                       int64_t kernel, int64_t stride, int64_t pad);

  graph::LayerGraph graph_;
  std::mt19937 rng_;
};

}  // namespace soma::testing

#endif  // SOMA_TESTS_UTIL_GRAPH_BUILDER_H_
