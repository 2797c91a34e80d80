// shape_movement.cc: operators that move elements without arithmetic: Transpose, Concat,
// Split, Slice, Tile, Pad, DepthToSpace, SpaceToDepth.
//
// Most of them are one gather: every output axis gets a table from its index to an offset
// into the input (or -1 for the pad value), and GatherByAxisOffsets walks the output once.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/shape_common.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;
using AxisOffsets = std::vector<std::vector<int64_t>>;

// Fills `output` (whose dims are the sizes of `offsets`) with
// input.values[sum over axes of offsets[axis][index]], or with `fill` when any term is -1.
void GatherByAxisOffsets(const AxisOffsets& offsets, const HostTensor& input, double fill,
                         HostTensor& output) {
  const size_t rank = offsets.size();
  if (output.values.empty()) return;
  if (rank == 0) {
    output.values[0] = input.values[0];
    return;
  }
  // partial[axis] is the offset summed over axes < axis, or -1 when one of them pads.
  std::vector<int64_t> index(rank, 0);
  std::vector<int64_t> partial(rank, 0);
  for (size_t axis = 1; axis < rank; ++axis) {
    const int64_t term = offsets[axis - 1][0];
    partial[axis] = partial[axis - 1] < 0 || term < 0 ? -1 : partial[axis - 1] + term;
  }
  const std::vector<int64_t>& last = offsets[rank - 1];
  const int64_t last_size = static_cast<int64_t>(last.size());
  const double* source = input.values.data();
  double* destination = output.values.data();
  while (true) {
    const int64_t base = partial[rank - 1];
    if (base < 0) {
      std::fill(destination, destination + last_size, fill);
    } else {
      for (int64_t i = 0; i < last_size; ++i) {
        destination[i] = last[i] < 0 ? fill : source[base + last[i]];
      }
    }
    destination += last_size;
    // Advance the odometer over the axes before the last one.
    size_t axis = rank - 1;
    while (axis > 0) {
      --axis;
      if (++index[axis] < static_cast<int64_t>(offsets[axis].size())) break;
      index[axis] = 0;
      if (axis == 0) return;
    }
    if (rank == 1) return;
    for (size_t next = axis + 1; next < rank; ++next) {
      const int64_t term = offsets[next - 1][index[next - 1]];
      partial[next] = partial[next - 1] < 0 || term < 0 ? -1 : partial[next - 1] + term;
    }
  }
}

// Dims of the output of an AxisOffsets gather.
std::vector<int64_t> OffsetDims(const AxisOffsets& offsets) {
  std::vector<int64_t> dims;
  for (const auto& table : offsets) dims.push_back(static_cast<int64_t>(table.size()));
  return dims;
}

HostTensor Gather(const AxisOffsets& offsets, const HostTensor& input, double fill = 0.0) {
  HostTensor output = MakeTensor(input.elem_type, OffsetDims(offsets));
  GatherByAxisOffsets(offsets, input, fill, output);
  return output;
}

// Transposes `input` by `perm` (output axis k is input axis perm[k]).
HostTensor TransposeTensor(const HostTensor& input, const std::vector<int64_t>& perm) {
  const std::vector<int64_t> strides = RowMajorStrides(input.dims);
  AxisOffsets offsets(perm.size());
  for (size_t axis = 0; axis < perm.size(); ++axis) {
    const int64_t size = input.dims[perm[axis]];
    offsets[axis].resize(size);
    for (int64_t i = 0; i < size; ++i) offsets[axis][i] = i * strides[perm[axis]];
  }
  return Gather(offsets, input);
}

Outputs RunTranspose(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const size_t rank = data->dims.size();
  std::vector<int64_t> perm = IntsAttribute(call.node, "perm").value_or(std::vector<int64_t>());
  if (perm.empty() && rank > 0) {
    for (size_t axis = rank; axis-- > 0;) perm.push_back(static_cast<int64_t>(axis));
  }
  std::vector<bool> seen(rank, false);
  for (int64_t& axis : perm) {
    if (axis < 0) axis += static_cast<int64_t>(rank);
    if (perm.size() != rank || axis < 0 || axis >= static_cast<int64_t>(rank) || seen[axis]) {
      return InvalidNodeArgument(call, absl::StrCat("perm ", DimsToString(perm),
                                                    " is not a permutation of the ", rank,
                                                    " axes of the data"));
    }
    seen[axis] = true;
  }
  return std::vector<HostTensor>{TransposeTensor(*data, perm)};
}

Outputs RunConcat(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* first, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(first->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 1), rank));
  std::vector<int64_t> dims = first->dims;
  dims[axis] = 0;
  std::vector<const HostTensor*> parts;
  for (size_t slot = 0; slot < call.inputs.size(); ++slot) {
    const HostTensor* part = call.inputs[slot];
    if (part == nullptr) continue;
    for (int64_t other = 0; other < rank; ++other) {
      if (part->dims.size() != first->dims.size() ||
          (other != axis && part->dims[other] != first->dims[other])) {
        return InvalidNodeArgument(call, absl::StrCat("input ", slot, " has dims ",
                                                      DimsToString(part->dims),
                                                      ", which do not match input 0 dims ",
                                                      DimsToString(first->dims),
                                                      " outside axis ", axis));
      }
    }
    dims[axis] += part->dims[axis];
    parts.push_back(part);
  }
  HostTensor output = MakeTensor(first->elem_type, dims);
  const AxisSplit split = SplitAtAxis(dims, axis);
  double* destination = output.values.data();
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (const HostTensor* part : parts) {
      const int64_t chunk = part->dims[axis] * split.inner;
      const double* source = part->values.data() + outer * chunk;
      destination = std::copy(source, source + chunk, destination);
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunSplit(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 0), rank));
  const int64_t dim = data->dims[axis];
  const int64_t output_count = call.node.output_size();
  std::vector<int64_t> sizes;
  if (call.opset >= 13 && OptionalInput(call, 1) != nullptr) {
    ASSIGN_OR_RETURN(sizes, InputAsInt64s(call, 1));
  } else if (call.opset < 13 && FindAttribute(call.node, "split") != nullptr) {
    sizes = *IntsAttribute(call.node, "split");
  } else if (call.opset < 13 && OptionalInput(call, 1) != nullptr) {
    ASSIGN_OR_RETURN(sizes, InputAsInt64s(call, 1));  // Split-2 took `split` as input too.
  } else {
    const int64_t parts = IntAttribute(call.node, "num_outputs", output_count);
    const int64_t part_size = parts > 0 ? (dim + parts - 1) / parts : 0;
    for (int64_t part = 0; part < parts; ++part) {
      sizes.push_back(std::max<int64_t>(std::min(part_size, dim - part * part_size), 0));
    }
    if (FindAttribute(call.node, "num_outputs") == nullptr && parts > 0 && dim % parts != 0) {
      return InvalidNodeArgument(call, absl::StrCat("dim ", dim, " of axis ", axis,
                                                    " does not split evenly into ", parts,
                                                    " outputs; give the split sizes"));
    }
  }
  int64_t total = 0;
  for (const int64_t size : sizes) total += size;
  if (total != dim || static_cast<int64_t>(sizes.size()) != output_count) {
    return InvalidNodeArgument(call, absl::StrCat("split sizes ", DimsToString(sizes),
                                                  " must give ", output_count, " parts summing ",
                                                  "to dim ", dim, " of axis ", axis));
  }
  const AxisSplit split = SplitAtAxis(data->dims, axis);
  std::vector<HostTensor> outputs;
  int64_t begin = 0;
  for (const int64_t size : sizes) {
    std::vector<int64_t> dims = data->dims;
    dims[axis] = size;
    HostTensor part = MakeTensor(data->elem_type, dims);
    const int64_t chunk = size * split.inner;
    for (int64_t outer = 0; outer < split.outer; ++outer) {
      const double* source = data->values.data() + (outer * dim + begin) * split.inner;
      std::copy(source, source + chunk, part.values.data() + outer * chunk);
    }
    begin += size;
    outputs.push_back(std::move(part));
  }
  return outputs;
}

Outputs RunSlice(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (call.opset < 10) {
    starts = IntsAttribute(call.node, "starts").value_or(std::vector<int64_t>());
    ends = IntsAttribute(call.node, "ends").value_or(std::vector<int64_t>());
    axes = IntsAttribute(call.node, "axes").value_or(std::vector<int64_t>());
  } else {
    ASSIGN_OR_RETURN(starts, InputAsInt64s(call, 1));
    ASSIGN_OR_RETURN(ends, InputAsInt64s(call, 2));
    if (OptionalInput(call, 3) != nullptr) {
      ASSIGN_OR_RETURN(axes, InputAsInt64s(call, 3));
    }
    if (OptionalInput(call, 4) != nullptr) {
      ASSIGN_OR_RETURN(steps, InputAsInt64s(call, 4));
    }
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return InvalidNodeArgument(call, absl::StrCat("starts, ends, axes and steps must have one ",
                                                  "entry each per sliced axis; found ",
                                                  starts.size(), ", ", ends.size(), ", ",
                                                  axes.size(), ", ", steps.size()));
  }

  std::vector<int64_t> first(rank, 0), step(rank, 1), count(data->dims);
  for (size_t i = 0; i < axes.size(); ++i) {
    ASSIGN_OR_RETURN(const int64_t axis, NormalizeAxis(call.node, axes[i], rank));
    const int64_t dim = data->dims[axis];
    if (steps[i] == 0) return InvalidNodeArgument(call, "a step is 0; steps must be non-zero");
    int64_t start = starts[i];
    int64_t end = ends[i];
    // Large magnitudes such as INT64_MAX clamp without overflow.
    if (start < 0) start = start < -dim ? -1 : start + dim;
    if (end < 0) end = end < -dim ? -1 : end + dim;
    if (steps[i] > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count[axis] = end > start ? (end - start + steps[i] - 1) / steps[i] : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count[axis] = start > end ? (start - end - steps[i] - 1) / -steps[i] : 0;
    }
    first[axis] = start;
    step[axis] = steps[i];
  }
  const std::vector<int64_t> strides = RowMajorStrides(data->dims);
  AxisOffsets offsets(rank);
  for (int64_t axis = 0; axis < rank; ++axis) {
    offsets[axis].resize(count[axis]);
    for (int64_t i = 0; i < count[axis]; ++i) {
      offsets[axis][i] = (first[axis] + i * step[axis]) * strides[axis];
    }
  }
  return std::vector<HostTensor>{Gather(offsets, *data)};
}

Outputs RunTile(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const std::vector<int64_t> repeats, InputAsInt64s(call, 1));
  const size_t rank = data->dims.size();
  if (repeats.size() != rank) {
    return InvalidNodeArgument(call, absl::StrCat("repeats has ", repeats.size(),
                                                  " entries but the data has rank ", rank));
  }
  const std::vector<int64_t> strides = RowMajorStrides(data->dims);
  AxisOffsets offsets(rank);
  for (size_t axis = 0; axis < rank; ++axis) {
    const int64_t dim = data->dims[axis];
    offsets[axis].resize(dim * std::max<int64_t>(repeats[axis], 0));
    for (size_t i = 0; i < offsets[axis].size(); ++i) {
      offsets[axis][i] = (static_cast<int64_t>(i) % dim) * strides[axis];
    }
  }
  return std::vector<HostTensor>{Gather(offsets, *data)};
}

// Maps an index of a padded axis to an index of the input axis of size `dim`, or -1 for
// the constant value.
int64_t PadSourceIndex(int64_t index, int64_t dim, const std::string& mode) {
  if (index >= 0 && index < dim) return index;
  if (mode == "constant" || dim == 0) return -1;
  if (mode == "edge") return std::clamp<int64_t>(index, 0, dim - 1);
  if (mode == "wrap") return ((index % dim) + dim) % dim;
  if (dim == 1) return 0;  // reflect
  const int64_t period = 2 * (dim - 1);
  int64_t folded = ((index % period) + period) % period;
  return folded < dim ? folded : period - folded;
}

Outputs RunPad(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  const std::string mode = StringAttribute(call.node, "mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      !(mode == "wrap" && call.opset >= 19)) {
    return UnsupportedAttribute(call.node, "mode", mode,
                                "use constant, reflect, edge or (opset 19) wrap");
  }
  std::vector<int64_t> pads;
  std::vector<int64_t> axes;
  double value = 0.0;
  if (call.opset < 11) {
    pads = IntsAttribute(call.node, call.opset < 2 ? "paddings" : "pads")
               .value_or(std::vector<int64_t>());
    value = FloatAttribute(call.node, "value", 0.0f);
  } else {
    ASSIGN_OR_RETURN(pads, InputAsInt64s(call, 1));
    if (OptionalInput(call, 2) != nullptr && OptionalInput(call, 2)->ElementCount() > 0) {
      ASSIGN_OR_RETURN(value, InputAsScalar(call, 2));
    }
    if (OptionalInput(call, 3) != nullptr) {
      ASSIGN_OR_RETURN(axes, InputAsInt64s(call, 3));
    }
  }
  if (axes.empty()) {
    for (int64_t axis = 0; axis < rank; ++axis) axes.push_back(axis);
  }
  if (pads.size() != 2 * axes.size()) {
    return InvalidNodeArgument(call, absl::StrCat("pads has ", pads.size(), " entries; expected ",
                                                  2 * axes.size(), " (begin and end per axis)"));
  }
  std::vector<int64_t> begin(rank, 0), end(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    ASSIGN_OR_RETURN(const int64_t axis, NormalizeAxis(call.node, axes[i], rank));
    begin[axis] = pads[i];
    end[axis] = pads[i + axes.size()];
  }
  const std::vector<int64_t> strides = RowMajorStrides(data->dims);
  AxisOffsets offsets(rank);
  for (int64_t axis = 0; axis < rank; ++axis) {
    const int64_t dim = data->dims[axis];
    const int64_t size = dim + begin[axis] + end[axis];
    if (size < 0) {
      return InvalidNodeArgument(call, absl::StrCat("pads crop axis ", axis, " of dim ", dim,
                                                    " below zero"));
    }
    offsets[axis].resize(size);
    for (int64_t i = 0; i < size; ++i) {
      const int64_t source = PadSourceIndex(i - begin[axis], dim, mode);
      offsets[axis][i] = source < 0 ? -1 : source * strides[axis];
    }
  }
  return std::vector<HostTensor>{Gather(offsets, *data, RoundToType(value, data->elem_type))};
}

// DepthToSpace and SpaceToDepth: a reshape to 6-D, a transpose and a reshape to 4-D.
Outputs RunDepthSpace(const OpCall& call, bool depth_to_space) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const int64_t block = IntAttribute(call.node, "blocksize", 0);
  if (data->dims.size() != 4 || block <= 0) {
    return InvalidNodeArgument(call, absl::StrCat("needs 4-D data and a positive blocksize; found ",
                                                  "dims ", DimsToString(data->dims),
                                                  " and blocksize ", block));
  }
  const int64_t n = data->dims[0], c = data->dims[1], h = data->dims[2], w = data->dims[3];
  HostTensor reshaped = *data;
  std::vector<int64_t> perm;
  std::vector<int64_t> out_dims;
  if (depth_to_space) {
    if (c % (block * block) != 0) {
      return InvalidNodeArgument(call, absl::StrCat("channels ", c, " are not a multiple of ",
                                                    "blocksize^2 = ", block * block));
    }
    const int64_t out_c = c / (block * block);
    const std::string mode = StringAttribute(call.node, "mode", "DCR");
    if (mode == "DCR") {
      reshaped.dims = {n, block, block, out_c, h, w};
      perm = {0, 3, 4, 1, 5, 2};
    } else if (mode == "CRD") {
      reshaped.dims = {n, out_c, block, block, h, w};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      return UnsupportedAttribute(call.node, "mode", mode, "use DCR or CRD");
    }
    out_dims = {n, out_c, h * block, w * block};
  } else {
    if (h % block != 0 || w % block != 0) {
      return InvalidNodeArgument(call, absl::StrCat("height ", h, " and width ", w,
                                                    " must be multiples of blocksize ", block));
    }
    reshaped.dims = {n, c, h / block, block, w / block, block};
    perm = {0, 3, 5, 1, 2, 4};
    out_dims = {n, c * block * block, h / block, w / block};
  }
  HostTensor output = TransposeTensor(reshaped, perm);
  output.dims = out_dims;
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunDepthToSpace(const OpCall& call) { return RunDepthSpace(call, true); }
Outputs RunSpaceToDepth(const OpCall& call) { return RunDepthSpace(call, false); }

}  // namespace

void RegisterShapeMovementOps(OpTable& table) {
  table["/Transpose"] = {RunTranspose, ""};
  table["/Concat"] = {RunConcat, ""};
  table["/Split"] = {RunSplit, ""};
  table["/Slice"] = {RunSlice, ""};
  table["/Tile"] = {RunTile, ""};
  table["/Pad"] = {RunPad, ""};
  table["/DepthToSpace"] = {RunDepthToSpace, ""};
  table["/SpaceToDepth"] = {RunSpaceToDepth, ""};
}

}  // namespace soma::onnx_ops
