// box_mapping.cc: output box to input box, per layer kind.
#include "graph/box_mapping.h"

#include <algorithm>

#include "graph/tensor_op_window.h"

namespace soma::graph {

namespace {

// Input rows [lo, hi) that a sliding window reads for output rows [out_lo, out_hi), before
// clamping to the input extent.
struct WindowRange {
  int64_t lo;
  int64_t hi;
};

WindowRange SlidingWindowRange(int64_t out_lo, int64_t out_hi, int64_t stride, int64_t kernel,
                               int64_t dilation, int64_t pad_before) {
  const int64_t effective_kernel = (kernel - 1) * dilation + 1;
  return {out_lo * stride - pad_before, (out_hi - 1) * stride - pad_before + effective_kernel};
}

Box ClampToShape(Box box, const Shape& shape) {
  for (int d = 0; d < kRank; ++d) {
    box.lo[d] = std::clamp<int64_t>(box.lo[d], 0, shape[d]);
    box.hi[d] = std::clamp<int64_t>(box.hi[d], box.lo[d], shape[d]);
  }
  return box;
}

// Maps `box` of a broadcast result onto an operand of `operand_shape`: dimensions of size 1
// that the result extends become [0, 1).
Box BroadcastBox(const Box& box, const Shape& operand_shape) {
  Box result = box;
  for (int d = 0; d < kRank; ++d) {
    if (operand_shape[d] == 1) {
      result.lo[d] = 0;
      result.hi[d] = 1;
    }
  }
  return result;
}

Box SpatialWindowBox(const Box& output_box, const Shape& input_shape, int64_t stride_h,
                     int64_t stride_w, int64_t kernel_h, int64_t kernel_w, int64_t dilation_h,
                     int64_t dilation_w, int64_t pad_top, int64_t pad_left) {
  Box box = output_box;
  const WindowRange rows = SlidingWindowRange(output_box.lo[kH], output_box.hi[kH], stride_h,
                                              kernel_h, dilation_h, pad_top);
  const WindowRange cols = SlidingWindowRange(output_box.lo[kW], output_box.hi[kW], stride_w,
                                              kernel_w, dilation_w, pad_left);
  box.lo[kH] = rows.lo;
  box.hi[kH] = rows.hi;
  box.lo[kW] = cols.lo;
  box.hi[kW] = cols.hi;
  return ClampToShape(box, input_shape);
}

}  // namespace

Box InputBox(const LayerGraph& graph, LayerId layer_id, int input_index, const Box& output_box) {
  const Layer& layer = graph.layer(layer_id);
  const Shape& input_shape = graph.tensor(layer.inputs[input_index]).shape;
  switch (layer.kind) {
    case LayerKind::kConv: {
      const auto& conv = layer.Params<ConvParams>();
      Box box = SpatialWindowBox(output_box, input_shape, conv.stride_h, conv.stride_w,
                                 conv.kernel_h, conv.kernel_w, conv.dilation_h, conv.dilation_w,
                                 conv.pad_top, conv.pad_left);
      // Output channels [lo, hi) belong to groups [lo / K_g, (hi - 1) / K_g]; each group
      // reads its own C/groups input channels.
      const int64_t out_channels = graph.tensor(layer.output).shape[kC];
      const int64_t out_per_group = out_channels / conv.groups;
      const int64_t in_per_group = input_shape[kC] / conv.groups;
      const int64_t first_group = output_box.lo[kC] / out_per_group;
      const int64_t last_group = (output_box.hi[kC] - 1) / out_per_group;
      box.lo[kC] = first_group * in_per_group;
      box.hi[kC] = (last_group + 1) * in_per_group;
      return box;
    }
    case LayerKind::kPool: {
      const auto& pool = layer.Params<PoolParams>();
      return SpatialWindowBox(output_box, input_shape, pool.stride_h, pool.stride_w,
                              pool.kernel_h, pool.kernel_w, pool.dilation_h, pool.dilation_w,
                              pool.pad_top, pool.pad_left);
    }
    case LayerKind::kFullyConnected: {
      Box box = Box::Full(input_shape);
      box.lo[kN] = output_box.lo[kN];
      box.hi[kN] = output_box.hi[kN];
      return box;
    }
    case LayerKind::kEltwise:
      return ClampToShape(BroadcastBox(output_box, input_shape), input_shape);
    case LayerKind::kConcat: {
      // Input i covers output channels [offset_i, offset_i + C_i).
      int64_t offset = 0;
      for (int i = 0; i < input_index; ++i) offset += graph.tensor(layer.inputs[i]).shape[kC];
      Box box = output_box;
      box.lo[kC] = std::clamp<int64_t>(output_box.lo[kC] - offset, 0, input_shape[kC]);
      box.hi[kC] = std::clamp<int64_t>(output_box.hi[kC] - offset, box.lo[kC], input_shape[kC]);
      return box;
    }
    case LayerKind::kSoftmax:
    case LayerKind::kLrn: {
      Box box = output_box;
      box.lo[kC] = 0;
      box.hi[kC] = input_shape[kC];
      return box;
    }
    case LayerKind::kActivation:
      return output_box;
    case LayerKind::kMatMul: {
      // A (a0, a1, M, K) reads the box's rows and every K; B (b0, b1, K, N) reads every K
      // and the box's columns. Batch extents of 1 broadcast.
      Box box = BroadcastBox(output_box, input_shape);
      if (input_index == 0) {
        box.lo[kW] = 0;
        box.hi[kW] = input_shape[kW];
      } else {
        box.lo[kH] = 0;
        box.hi[kH] = input_shape[kH];
      }
      return ClampToShape(box, input_shape);
    }
    case LayerKind::kTensorOp:
      return TensorOpWindowFor(graph, layer_id, output_box).input_boxes[input_index];
  }
  return output_box;
}

Box WeightBox(const LayerGraph& graph, LayerId layer_id, const Box& output_box) {
  const Layer& layer = graph.layer(layer_id);
  const Shape& weight_shape = graph.tensor(*layer.weight).shape;
  Box box = Box::Full(weight_shape);
  box.lo[0] = output_box.lo[kC];
  box.hi[0] = output_box.hi[kC];
  return box;
}

}  // namespace soma::graph
