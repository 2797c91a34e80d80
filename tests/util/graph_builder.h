// graph_builder.h: builds small LayerGraphs for tests in a few lines, with seeded weights.
#ifndef SOMA_TESTS_UTIL_GRAPH_BUILDER_H_
#define SOMA_TESTS_UTIL_GRAPH_BUILDER_H_

#include <cstdint>
#include <random>
#include <string>
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

/// Appends layers in call order, so layer ids are topological. Weights are uniform random in
/// [-0.5, 0.5] scaled by 1/sqrt(fan-in), from a generator seeded with `seed`.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string model_name = "test", uint32_t seed = 1);

  graph::TensorId Input(const std::string& name, graph::Shape shape);
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
