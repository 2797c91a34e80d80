// tensor_op_window.h: what a kTensorOp layer computes and reads to produce one output box,
// under the tiling its TensorOpParams describe (whole tensors, canonical form, or axis-0
// slices).
#ifndef SOMA_GRAPH_TENSOR_OP_WINDOW_H_
#define SOMA_GRAPH_TENSOR_OP_WINDOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "graph/box.h"
#include "graph/layer_graph.h"

namespace soma::graph {

/// The node run that produces an output box of a kTensorOp layer.
struct TensorOpWindow {
  /// The output region the node computes; it contains the requested box.
  Box output_region;
  /// The node's dims of that region.
  std::vector<int64_t> output_dims;
  /// Per Layer::inputs entry: the canonical box the run reads and the node's dims of it.
  std::vector<Box> input_boxes;
  std::vector<std::vector<int64_t>> input_dims;
};

/// True when an operand with node dims `input_dims` is cut into axis-0 slices along with
/// the output of an axis0_sliced tensor operation: same dims[0] as the output and the same
/// rank (any rank for Reshape and Flatten, which keep axis 0 and copy data).
bool SlicesAlongAxisZero(const std::string& op_type, const std::vector<int64_t>& input_dims,
                         const std::vector<int64_t>& output_dims);

/// The node run of kTensorOp layer `layer_id` for `output_box`. With parallel_dims p > 0,
/// an input whose node dims are its canonical shape is cut along dims [0, p) with the output
/// (extent-1 dims stay [0, 1)), a 1-D per-channel vector of p >= 2 follows the output's
/// channels, and any other input is read whole. ConvTranspose (p = 2) reads its data input
/// cut along N only and its weight cut along C, the weight's output-channel dim.
/// Requires: the layer is a kTensorOp and `output_box` lies inside its output.
TensorOpWindow TensorOpWindowFor(const LayerGraph& graph, LayerId layer_id, const Box& output_box);

}  // namespace soma::graph

#endif  // SOMA_GRAPH_TENSOR_OP_WINDOW_H_
