// kernel_test_util.h: runs single layers through RunKernel for the kernel tests, whole or box
// by box, and gives plain loop-nest formulas to compare the kernels against.
#ifndef SOMA_TESTS_KERNELS_KERNEL_TEST_UTIL_H_
#define SOMA_TESTS_KERNELS_KERNEL_TEST_UTIL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "kernels/kernels.h"

namespace soma::kernels::testing {

using Values = std::vector<float>;

/// Returns `count` values in [-1, 1) from std::mt19937 seeded with `seed`, raw draws only.
Values SeededValues(int64_t count, uint32_t seed);

/// Returns the values 0, 1, 2, ... (count of them).
Values Iota(int64_t count);

/// Returns a graph of one weightless layer named "layer" of `kind` whose inputs are graph
/// inputs "in0", "in1", ... of `input_shapes` and whose output is the graph output.
graph::LayerGraph SingleLayerGraph(graph::LayerKind kind, graph::LayerParams params,
                                   const std::vector<graph::Shape>& input_shapes,
                                   const graph::Shape& output_shape);

/// Sets the weight tensor of `layer_id` to explicit `values`.
void SetWeights(graph::LayerGraph& graph, graph::LayerId layer_id, Values values);

/// Runs layer `layer_id` on whole tensors; `inputs[i]` contains the values of layer input i.
/// The weight comes from the graph's constant.
absl::StatusOr<Values> RunWhole(const graph::LayerGraph& graph, graph::LayerId layer_id,
                                const std::vector<Values>& inputs, int thread_count = 1);

/// Computes the output of `layer_id` one box of `boxes` at a time. Each call gets its own
/// buffers holding exactly the input regions InputBox returns, the weight rows WeightBox
/// returns and the output box, surrounded by NaN guards so that a read outside a region
/// shows up in the result.
absl::StatusOr<Values> RunTiled(const graph::LayerGraph& graph, graph::LayerId layer_id,
                                const std::vector<Values>& inputs,
                                const std::vector<graph::Box>& boxes);

/// Computes the output of kConv (groups == 1) or kFullyConnected `layer_id` as partial sums
/// over input channel slices [bounds[s], bounds[s + 1]), accumulating into one output and
/// applying the epilogue with the last slice.
absl::StatusOr<Values> RunPartialSums(const graph::LayerGraph& graph, graph::LayerId layer_id,
                                      const Values& input, const std::vector<int64_t>& bounds);

/// Splits a box of `shape` into pieces: dimension d into `parts[d]` near-equal ranges.
std::vector<graph::Box> SplitBox(const graph::Shape& shape, const graph::Shape& parts);

/// Convolution straight from its definition (seven nested loops, double sums, no epilogue).
Values NaiveConv(const graph::LayerGraph& graph, graph::LayerId layer_id, const Values& input);

/// Fully connected layer from its definition (double sums, no epilogue).
Values NaiveFullyConnected(const graph::LayerGraph& graph, graph::LayerId layer_id,
                           const Values& input);

/// Applies the layer's epilogue (scale, bias, activations) to `values` of its output, in place.
void NaiveEpilogue(const graph::LayerGraph& graph, graph::LayerId layer_id, Values& values);

/// Largest |a[i] - b[i]|, or infinity when the sizes differ.
double MaxAbsDifference(const Values& a, const Values& b);

}  // namespace soma::kernels::testing

#endif  // SOMA_TESTS_KERNELS_KERNEL_TEST_UTIL_H_
