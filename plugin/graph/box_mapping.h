// box_mapping.h: the output-to-input region function that tiling, fusion and codegen share.
#ifndef SOMA_GRAPH_BOX_MAPPING_H_
#define SOMA_GRAPH_BOX_MAPPING_H_

#include "graph/box.h"
#include "graph/layer_graph.h"

namespace soma::graph {

/// Returns the box of input operand `input_index` (an index into `layer.inputs`) that layer
/// `layer_id` reads to produce `output_box` of its output, halos included and clamped to
/// the input tensor's bounds (padding is not part of the box). Broadcast dimensions of
/// size 1 map to [0, 1). For kFullyConnected and kSoftmax, and for kLrn along C, the
/// reduction extent is whole.
/// Requires: `output_box` lies inside the output tensor.
Box InputBox(const LayerGraph& graph, LayerId layer_id, int input_index, const Box& output_box);

/// Returns the box of the layer's weight tensor needed for `output_box`: the output channels
/// [lo_C, hi_C) of the output box select rows of dimension 0 of the weight.
Box WeightBox(const LayerGraph& graph, LayerId layer_id, const Box& output_box);

}  // namespace soma::graph

#endif  // SOMA_GRAPH_BOX_MAPPING_H_
