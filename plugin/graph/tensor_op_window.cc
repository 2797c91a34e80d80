// tensor_op_window.cc: the node run of a tensor operation for one output box.
#include "graph/tensor_op_window.h"

namespace soma::graph {

namespace {

std::vector<int64_t> ExtentsAsDims(const Box& box) {
  return {box.Extent(0), box.Extent(1), box.Extent(2), box.Extent(3)};
}

}  // namespace

bool SlicesAlongAxisZero(const std::string& op_type, const std::vector<int64_t>& input_dims,
                         const std::vector<int64_t>& output_dims) {
  if (input_dims.empty() || output_dims.empty() || input_dims[0] != output_dims[0]) return false;
  return input_dims.size() == output_dims.size() || op_type == "Reshape" || op_type == "Flatten";
}

TensorOpWindow TensorOpWindowFor(const LayerGraph& graph, LayerId layer_id, const Box& output_box) {
  const Layer& layer = graph.layer(layer_id);
  const TensorOpParams& params = layer.Params<TensorOpParams>();
  const Shape& output_shape = graph.tensor(layer.output).shape;
  TensorOpWindow window;
  window.output_region = Box::Full(output_shape);
  window.output_dims = params.output_dims;
  const int input_count = static_cast<int>(layer.inputs.size());
  for (int input = 0; input < input_count; ++input) {
    window.input_boxes.push_back(Box::Full(graph.tensor(layer.inputs[input]).shape));
    window.input_dims.push_back(params.input_dims[input]);
  }

  if (params.parallel_dims > 0) {
    for (int dim = 0; dim < params.parallel_dims; ++dim) {
      window.output_region.lo[dim] = output_box.lo[dim];
      window.output_region.hi[dim] = output_box.hi[dim];
    }
    window.output_dims = ExtentsAsDims(window.output_region);
    const bool conv_transpose = params.op_type == "ConvTranspose";
    for (int input = 0; input < input_count; ++input) {
      const Shape& shape = graph.tensor(layer.inputs[input]).shape;
      const std::vector<int64_t>& dims = params.input_dims[input];
      if (conv_transpose && input < 2) {
        // ConvTranspose with one group reads the data [N, Cin, H, W] of the output's images
        // with every input channel, and the weight [Cin, Cout, kh, kw] of the output's
        // channels. The bias is a per-channel vector (below).
        const int dim = input == 0 ? kN : kC;
        Box& box = window.input_boxes[input];
        box.lo[dim] = window.output_region.lo[dim];
        box.hi[dim] = window.output_region.hi[dim];
        window.input_dims[input] = ExtentsAsDims(box);
        continue;
      }
      if (params.parallel_dims >= 2 && dims.size() == 1 && shape[kN] == 1 &&
          shape[kC] == dims[0] && dims[0] == output_shape[kC] && dims[0] > 1) {
        // A per-channel vector (InstanceNormalization's scale and bias) follows the
        // output's channels.
        window.input_boxes[input].lo[kC] = window.output_region.lo[kC];
        window.input_boxes[input].hi[kC] = window.output_region.hi[kC];
        window.input_dims[input] = {window.output_region.Extent(kC)};
        continue;
      }
      if (dims != ShapeDims(shape)) continue;  // read whole
      Box& box = window.input_boxes[input];
      for (int dim = 0; dim < params.parallel_dims; ++dim) {
        if (shape[dim] == 1) continue;
        box.lo[dim] = window.output_region.lo[dim];
        box.hi[dim] = window.output_region.hi[dim];
      }
      window.input_dims[input] = ExtentsAsDims(box);
    }
    return window;
  }

  if (params.axis0_sliced) {
    const int64_t slices = params.output_dims[0];
    const int64_t output_rows = output_shape[kN] / slices;
    const int64_t first = output_box.lo[kN] / output_rows;
    const int64_t last = (output_box.hi[kN] + output_rows - 1) / output_rows;
    window.output_region.lo[kN] = first * output_rows;
    window.output_region.hi[kN] = last * output_rows;
    window.output_dims[0] = last - first;
    for (int input = 0; input < input_count; ++input) {
      if (!SlicesAlongAxisZero(params.op_type, params.input_dims[input], params.output_dims)) {
        continue;
      }
      const int64_t input_rows = graph.tensor(layer.inputs[input]).shape[kN] / slices;
      window.input_boxes[input].lo[kN] = first * input_rows;
      window.input_boxes[input].hi[kN] = last * input_rows;
      window.input_dims[input][0] = last - first;
    }
  }
  return window;
}

}  // namespace soma::graph
