// test_graphs.h: small LayerGraphs that several schedule tests share.
#ifndef SOMA_TESTS_SCHEDULE_TEST_GRAPHS_H_
#define SOMA_TESTS_SCHEDULE_TEST_GRAPHS_H_

#include "graph/layer_graph.h"
#include "util/graph_builder.h"

namespace soma::testing {

/// A 1x1 convolution without bias or activation.
inline constexpr ConvOptions kPointwise{.kernel = 1, .stride = 1, .pad = 0, .relu = false,
                                        .bias = false};

/// x [1,4,8,8] -> a -> b -> c, 3x3 convs with padding 1 and 4 output channels.
inline graph::LayerGraph ThreeConvChain() {
  GraphBuilder builder;
  graph::TensorId x = builder.Input("x", {1, 4, 8, 8});
  graph::TensorId a = builder.Conv("a", x, 4);
  graph::TensorId b = builder.Conv("b", a, 4);
  builder.Output(builder.Conv("c", b, 4));
  return builder.Build();
}

/// Builds the network of the SoMa worked example: x -> a -> b -> c with 1x1 convs whose
/// shapes give the example's transfer bytes. These are a.W 150, an x tile 50 (of 2
/// tiles), b.W 150, a b tile 50, the whole b output 100, c.W 300 and c's output 7500.
inline graph::LayerGraph WorkedExampleChain() {
  GraphBuilder builder;
  graph::TensorId x = builder.Input("x", {1, 2, 50, 1});
  graph::TensorId a = builder.Conv("a", x, 75, kPointwise);
  graph::TensorId b = builder.Conv("b", a, 2, kPointwise);
  builder.Output(builder.Conv("c", b, 150, kPointwise));
  return builder.Build();
}

/// x [1,4,2,2] -> a -> b -> c, 1x1 convs with 4 output channels: 16-byte weights and
/// 8-byte tiles when cut in two (at one byte per element).
inline graph::LayerGraph PointwiseChain() {
  GraphBuilder builder;
  graph::TensorId x = builder.Input("x", {1, 4, 2, 2});
  graph::TensorId a = builder.Conv("a", x, 4, kPointwise);
  graph::TensorId b = builder.Conv("b", a, 4, kPointwise);
  builder.Output(builder.Conv("c", b, 4, kPointwise));
  return builder.Build();
}

/// x [1,4,2,2] -> a, one 1x1 conv with 16-byte weights.
inline graph::LayerGraph SinglePointwiseConv() {
  GraphBuilder builder;
  graph::TensorId x = builder.Input("x", {1, 4, 2, 2});
  builder.Output(builder.Conv("a", x, 4, kPointwise));
  return builder.Build();
}

}  // namespace soma::testing

#endif  // SOMA_TESTS_SCHEDULE_TEST_GRAPHS_H_
