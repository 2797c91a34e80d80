// plane_op_tiling.cc: tiling rules of the per-plane tensor operations.
#include "importer/plane_op_tiling.h"

#include <algorithm>
#include <utility>

#include "graph/box.h"
#include "importer/attributes.h"

namespace soma::importer {

namespace {

using AxisPads = std::pair<int64_t, int64_t>;

// Appends the dims of `slot` to the tiling's input dims when it is a layer input of shape
// [channels], read per output channel. False when it is anything else.
bool AddPerChannelOperand(const TensorOpSlot& slot, int64_t channels, TensorOpTiling& tiling) {
  if (slot.kind != TensorOpSlot::Kind::kLayerInput || slot.dims.size() != 1 ||
      slot.dims[0] != channels) {
    return false;
  }
  tiling.input_dims.push_back(slot.dims);
  return true;
}

// `tiling` made parallel over N and C for `node`.
TensorOpTiling ParallelOverPlanes(const onnx::NodeProto& node, TensorOpTiling tiling) {
  tiling.parallel_dims = 2;
  tiling.node = node;
  return tiling;
}

// The pads of a Pad node per ONNX axis as (begin, end), from the attribute (opset < 11) or
// the embedded pads and axes inputs; nullopt when they are not known at compile time.
std::optional<std::vector<AxisPads>> PadsPerAxis(const onnx::NodeProto& node,
                                                 const std::vector<TensorOpSlot>& slots,
                                                 int rank) {
  std::vector<int64_t> pads;
  std::vector<int64_t> axes;
  if (const onnx::AttributeProto* attribute = FindAttribute(node, "pads")) {
    pads.assign(attribute->ints().begin(), attribute->ints().end());
  } else if (const onnx::AttributeProto* legacy = FindAttribute(node, "paddings")) {
    pads.assign(legacy->ints().begin(), legacy->ints().end());
  } else if (slots.size() > 1 && slots[1].kind == TensorOpSlot::Kind::kEmbedded) {
    pads = slots[1].values;
  } else {
    return std::nullopt;
  }
  if (slots.size() > 3 && slots[3].kind != TensorOpSlot::Kind::kAbsent) {
    if (slots[3].kind != TensorOpSlot::Kind::kEmbedded) return std::nullopt;
    axes = slots[3].values;
  } else {
    for (int axis = 0; axis < rank; ++axis) axes.push_back(axis);
  }
  if (pads.size() != 2 * axes.size()) return std::nullopt;
  std::vector<AxisPads> per_axis(rank, {0, 0});
  const int64_t count = static_cast<int64_t>(axes.size());
  for (int64_t index = 0; index < count; ++index) {
    const int64_t axis = axes[index] < 0 ? axes[index] + rank : axes[index];
    if (axis < 0 || axis >= rank) return std::nullopt;
    per_axis[axis] = {pads[index], pads[index + count]};
  }
  return per_axis;
}

bool IsScalar(const std::vector<int64_t>& dims) {
  return std::all_of(dims.begin(), dims.end(), [](int64_t dim) { return dim == 1; });
}

}  // namespace

std::optional<TensorOpTiling> InstanceNormTiling(const onnx::NodeProto& node,
                                                 const std::vector<TensorOpSlot>& slots,
                                                 const std::vector<int64_t>& output_dims) {
  if (output_dims.size() != 4 || slots.size() != 3) return std::nullopt;
  TensorOpTiling tiling;
  tiling.input_dims.push_back(graph::ShapeDims(slots[0].canonical));
  for (int slot = 1; slot < 3; ++slot) {
    if (!AddPerChannelOperand(slots[slot], output_dims[1], tiling)) return std::nullopt;
  }
  return ParallelOverPlanes(node, std::move(tiling));
}

std::optional<TensorOpTiling> PlaneTiling(const onnx::NodeProto& node,
                                          const std::vector<TensorOpSlot>& slots,
                                          const std::vector<int64_t>& output_dims) {
  if (output_dims.size() != 4 || slots.empty() ||
      slots[0].kind != TensorOpSlot::Kind::kLayerInput || slots[0].dims.size() != 4 ||
      slots[0].dims[0] != output_dims[0] || slots[0].dims[1] != output_dims[1]) {
    return std::nullopt;
  }
  TensorOpTiling tiling;
  tiling.input_dims.push_back(graph::ShapeDims(slots[0].canonical));
  if (node.op_type() == "Pad") {
    const auto pads = PadsPerAxis(node, slots, 4);
    if (!pads.has_value() || (*pads)[0] != AxisPads{0, 0} || (*pads)[1] != AxisPads{0, 0}) {
      return std::nullopt;
    }
    // The constant value (opset >= 11), when it is a layer input.
    if (slots.size() > 2 && slots[2].kind == TensorOpSlot::Kind::kLayerInput) {
      if (!IsScalar(slots[2].dims)) return std::nullopt;
      tiling.input_dims.push_back(slots[2].dims);
    }
  } else if (node.op_type() != "Crop" || slots.size() != 1) {
    return std::nullopt;
  }
  return ParallelOverPlanes(node, std::move(tiling));
}

std::optional<TensorOpTiling> ConvTransposeTiling(const onnx::NodeProto& node,
                                                  const std::vector<TensorOpSlot>& slots,
                                                  const std::vector<int64_t>& output_dims) {
  if (output_dims.size() != 4 || slots.size() < 2 || slots.size() > 3) return std::nullopt;
  const onnx::AttributeProto* group = FindAttribute(node, "group");
  if (group != nullptr && group->i() != 1) return std::nullopt;
  const onnx::AttributeProto* output_shape = FindAttribute(node, "output_shape");
  if (output_shape != nullptr && output_shape->ints_size() != 2) return std::nullopt;
  for (int slot = 0; slot < 2; ++slot) {
    if (slots[slot].kind != TensorOpSlot::Kind::kLayerInput || slots[slot].dims.size() != 4) {
      return std::nullopt;
    }
  }
  if (slots[0].dims[0] != output_dims[0] || slots[1].dims[1] != output_dims[1]) {
    return std::nullopt;
  }
  TensorOpTiling tiling;
  tiling.input_dims.push_back(graph::ShapeDims(slots[0].canonical));
  tiling.input_dims.push_back(graph::ShapeDims(slots[1].canonical));
  if (slots.size() == 3 && slots[2].kind != TensorOpSlot::Kind::kAbsent &&
      !AddPerChannelOperand(slots[2], output_dims[1], tiling)) {
    return std::nullopt;
  }
  return ParallelOverPlanes(node, std::move(tiling));
}

}  // namespace soma::importer
