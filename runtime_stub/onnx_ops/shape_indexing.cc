// shape_indexing.cc: operators driven by index tensors or by element selection: Gather,
// GatherElements, GatherND, ScatterND, ScatterElements (and the older Scatter), OneHot,
// NonZero, TopK, Trilu, Compress, ReverseSequence.
#include <algorithm>
#include <numeric>
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

// Resolves a possibly negative `index` into [0, dim); InvalidArgument names the node.
absl::StatusOr<int64_t> ResolveIndex(const OpCall& call, double index, int64_t dim) {
  int64_t resolved = ClampToInt64(index);
  if (resolved < 0) resolved += dim;
  if (resolved < 0 || resolved >= dim) {
    return InvalidNodeArgument(call, absl::StrCat("index ", ClampToInt64(index),
                                                  " is out of range [", -dim, ", ", dim - 1,
                                                  "]"));
  }
  return resolved;
}

Outputs RunGather(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 1));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 0), rank));
  const AxisSplit split = SplitAtAxis(data->dims, axis);
  std::vector<int64_t> dims(data->dims.begin(), data->dims.begin() + axis);
  dims.insert(dims.end(), indices->dims.begin(), indices->dims.end());
  dims.insert(dims.end(), data->dims.begin() + axis + 1, data->dims.end());
  HostTensor output = MakeTensor(data->elem_type, dims);
  const int64_t index_count = indices->ElementCount();
  double* destination = output.values.data();
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t i = 0; i < index_count; ++i) {
      ASSIGN_OR_RETURN(const int64_t index, ResolveIndex(call, indices->values[i], split.axis));
      const double* source = data->values.data() + (outer * split.axis + index) * split.inner;
      destination = std::copy(source, source + split.inner, destination);
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

// GatherElements and ScatterElements share the index walk: for each element of `indices`,
// the flat offset into `data` with the axis coordinate replaced by the index.
absl::StatusOr<std::vector<int64_t>> ElementOffsets(const OpCall& call, const HostTensor& data,
                                                    const HostTensor& indices, int64_t axis) {
  if (indices.dims.size() != data.dims.size()) {
    return InvalidNodeArgument(call, absl::StrCat("indices dims ", DimsToString(indices.dims),
                                                  " must have the rank of data dims ",
                                                  DimsToString(data.dims)));
  }
  const std::vector<int64_t> strides = RowMajorStrides(data.dims);
  std::vector<int64_t> offsets(indices.values.size());
  std::vector<int64_t> position(indices.dims.size(), 0);
  for (size_t i = 0; i < offsets.size(); ++i) {
    ASSIGN_OR_RETURN(const int64_t index, ResolveIndex(call, indices.values[i], data.dims[axis]));
    int64_t offset = 0;
    for (size_t d = 0; d < position.size(); ++d) {
      offset += (static_cast<int64_t>(d) == axis ? index : position[d]) * strides[d];
    }
    offsets[i] = offset;
    NextIndex(position, indices.dims);
  }
  return offsets;
}

Outputs RunGatherElements(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 0),
                                 static_cast<int64_t>(data->dims.size())));
  ASSIGN_OR_RETURN(const std::vector<int64_t> offsets,
                   ElementOffsets(call, *data, *indices, axis));
  HostTensor output = MakeTensor(data->elem_type, indices->dims);
  for (size_t i = 0; i < offsets.size(); ++i) output.values[i] = data->values[offsets[i]];
  return std::vector<HostTensor>{std::move(output)};
}

// The Scatter reduction as an index into "none", "add", "mul", "max", "min".
absl::StatusOr<int> ReductionKind(const OpCall& call) {
  const std::string reduction = StringAttribute(call.node, "reduction", "none");
  static const char* const kNames[] = {"none", "add", "mul", "max", "min"};
  for (int kind = 0; kind < 5; ++kind) {
    if (reduction == kNames[kind]) return kind;
  }
  return UnsupportedAttribute(call.node, "reduction", reduction, "use none, add, mul, max or min");
}

// Applies the reduction `kind` of `update` to `target`.
void Reduce(int kind, double update, double& target) {
  switch (kind) {
    case 0: target = update; break;
    case 1: target += update; break;
    case 2: target *= update; break;
    case 3: target = std::max(target, update); break;
    default: target = std::min(target, update); break;
  }
}

Outputs RunScatterElements(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* updates, RequiredInput(call, 2));
  ASSIGN_OR_RETURN(const int kind, ReductionKind(call));
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 0),
                                 static_cast<int64_t>(data->dims.size())));
  if (updates->dims != indices->dims) {
    return InvalidNodeArgument(call, absl::StrCat("updates dims ", DimsToString(updates->dims),
                                                  " must equal indices dims ",
                                                  DimsToString(indices->dims)));
  }
  ASSIGN_OR_RETURN(const std::vector<int64_t> offsets,
                   ElementOffsets(call, *data, *indices, axis));
  HostTensor output = *data;
  for (size_t i = 0; i < offsets.size(); ++i) {
    Reduce(kind, updates->values[i], output.values[offsets[i]]);
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

// GatherND and ScatterND: the flat data offset and slice size of each index tuple.
struct NdSlices {
  std::vector<int64_t> offsets;  // one per index tuple
  int64_t slice_size = 1;
  std::vector<int64_t> slice_dims;
};

absl::StatusOr<NdSlices> ResolveNdSlices(const OpCall& call, const HostTensor& data,
                                         const HostTensor& indices, int64_t batch_dims) {
  if (indices.dims.empty()) return InvalidNodeArgument(call, "indices must have rank 1 or more");
  const int64_t tuple_size = indices.dims.back();
  const int64_t data_rank = static_cast<int64_t>(data.dims.size());
  if (tuple_size > data_rank - batch_dims) {
    return InvalidNodeArgument(call, absl::StrCat("index tuples of length ", tuple_size,
                                                  " exceed the data rank ", data_rank,
                                                  " minus batch_dims ", batch_dims));
  }
  NdSlices slices;
  for (int64_t axis = batch_dims + tuple_size; axis < data_rank; ++axis) {
    slices.slice_size *= data.dims[axis];
    slices.slice_dims.push_back(data.dims[axis]);
  }
  const std::vector<int64_t> strides = RowMajorStrides(data.dims);
  int64_t batch_count = 1;
  for (int64_t axis = 0; axis < batch_dims; ++axis) batch_count *= data.dims[axis];
  const int64_t tuple_count = tuple_size > 0 ? indices.ElementCount() / tuple_size
                                             : indices.ElementCount();
  const int64_t tuples_per_batch = tuple_count / std::max<int64_t>(batch_count, 1);
  const int64_t batch_stride = batch_dims > 0 ? strides[batch_dims - 1] : 0;
  for (int64_t tuple = 0; tuple < tuple_count; ++tuple) {
    int64_t offset = (tuple / std::max<int64_t>(tuples_per_batch, 1)) * batch_stride;
    for (int64_t k = 0; k < tuple_size; ++k) {
      const int64_t axis = batch_dims + k;
      ASSIGN_OR_RETURN(const int64_t index,
                       ResolveIndex(call, indices.values[tuple * tuple_size + k], data.dims[axis]));
      offset += index * strides[axis];
    }
    slices.offsets.push_back(offset);
  }
  return slices;
}

Outputs RunGatherNd(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 1));
  const int64_t batch_dims = IntAttribute(call.node, "batch_dims", 0);
  ASSIGN_OR_RETURN(const NdSlices slices, ResolveNdSlices(call, *data, *indices, batch_dims));
  std::vector<int64_t> dims(indices->dims.begin(), indices->dims.end() - 1);
  dims.insert(dims.end(), slices.slice_dims.begin(), slices.slice_dims.end());
  HostTensor output = MakeTensor(data->elem_type, dims);
  double* destination = output.values.data();
  for (const int64_t offset : slices.offsets) {
    const double* source = data->values.data() + offset;
    destination = std::copy(source, source + slices.slice_size, destination);
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunScatterNd(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* updates, RequiredInput(call, 2));
  ASSIGN_OR_RETURN(const int kind, ReductionKind(call));
  ASSIGN_OR_RETURN(const NdSlices slices, ResolveNdSlices(call, *data, *indices, 0));
  if (updates->ElementCount() !=
      static_cast<int64_t>(slices.offsets.size()) * slices.slice_size) {
    return InvalidNodeArgument(call, absl::StrCat("updates dims ", DimsToString(updates->dims),
                                                  " do not match ", slices.offsets.size(),
                                                  " slices of ", slices.slice_size, " elements"));
  }
  HostTensor output = *data;
  for (size_t tuple = 0; tuple < slices.offsets.size(); ++tuple) {
    for (int64_t i = 0; i < slices.slice_size; ++i) {
      Reduce(kind, updates->values[tuple * slices.slice_size + i],
             output.values[slices.offsets[tuple] + i]);
    }
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunOneHot(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const double depth_value, InputAsScalar(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* values, RequiredInput(call, 2));
  if (values->ElementCount() != 2) {
    return InvalidNodeArgument(call, "values must hold [off_value, on_value]");
  }
  const int64_t depth = ClampToInt64(depth_value);
  const int64_t out_rank = static_cast<int64_t>(indices->dims.size()) + 1;
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", -1), out_rank));
  std::vector<int64_t> dims = indices->dims;
  dims.insert(dims.begin() + axis, depth);
  HostTensor output = MakeTensor(values->elem_type, dims);
  std::fill(output.values.begin(), output.values.end(), values->values[0]);
  const AxisSplit split = SplitAtAxis(dims, axis);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t inner = 0; inner < split.inner; ++inner) {
      int64_t index = ClampToInt64(indices->values[outer * split.inner + inner]);
      if (index < 0) index += depth;
      if (index < 0 || index >= depth) continue;
      output.values[(outer * depth + index) * split.inner + inner] = values->values[1];
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunNonZero(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(x->dims.size());
  std::vector<int64_t> hits;
  for (size_t i = 0; i < x->values.size(); ++i) {
    if (x->values[i] != 0.0) hits.push_back(static_cast<int64_t>(i));
  }
  const int64_t count = static_cast<int64_t>(hits.size());
  HostTensor output = MakeTensor(kInt64, {rank, count});
  const std::vector<int64_t> strides = RowMajorStrides(x->dims);
  for (int64_t hit = 0; hit < count; ++hit) {
    int64_t rest = hits[hit];
    for (int64_t axis = 0; axis < rank; ++axis) {
      output.values[axis * count + hit] = static_cast<double>(rest / strides[axis]);
      rest %= strides[axis];
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunTopK(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  int64_t k = IntAttribute(call.node, "k", 0);
  if (call.opset >= 10) {
    ASSIGN_OR_RETURN(k, InputAsInt64Scalar(call, 1));
  }
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", -1),
                                 static_cast<int64_t>(x->dims.size())));
  const bool largest = IntAttribute(call.node, "largest", 1) != 0;
  const AxisSplit split = SplitAtAxis(x->dims, axis);
  if (k < 0 || k > split.axis) {
    return InvalidNodeArgument(call, absl::StrCat("k = ", k, " is out of range [0, ", split.axis,
                                                  "] for axis ", axis));
  }
  std::vector<int64_t> dims = x->dims;
  dims[axis] = k;
  HostTensor values = MakeTensor(x->elem_type, dims);
  HostTensor indices = MakeTensor(kInt64, dims);
  std::vector<int64_t> order(split.axis);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t inner = 0; inner < split.inner; ++inner) {
      const double* base = x->values.data() + outer * split.axis * split.inner + inner;
      std::iota(order.begin(), order.end(), 0);
      // Ties keep the lower index first, as the specification requires.
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        const double va = base[a * split.inner];
        const double vb = base[b * split.inner];
        return largest ? va > vb : va < vb;
      });
      for (int64_t j = 0; j < k; ++j) {
        const int64_t flat = (outer * k + j) * split.inner + inner;
        values.values[flat] = base[order[j] * split.inner];
        indices.values[flat] = static_cast<double>(order[j]);
      }
    }
  }
  return std::vector<HostTensor>{std::move(values), std::move(indices)};
}

Outputs RunTrilu(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  int64_t k = 0;
  if (OptionalInput(call, 1) != nullptr) {
    ASSIGN_OR_RETURN(k, InputAsInt64Scalar(call, 1));
  }
  const bool upper = IntAttribute(call.node, "upper", 1) != 0;
  if (x->dims.size() < 2) {
    return InvalidNodeArgument(call, absl::StrCat("input must have rank 2 or more, found ",
                                                  DimsToString(x->dims)));
  }
  HostTensor output = *x;
  const int64_t rows = x->dims[x->dims.size() - 2];
  const int64_t cols = x->dims.back();
  const int64_t matrices = x->ElementCount() / std::max<int64_t>(rows * cols, 1);
  for (int64_t matrix = 0; matrix < matrices; ++matrix) {
    for (int64_t row = 0; row < rows; ++row) {
      for (int64_t col = 0; col < cols; ++col) {
        const bool keep = upper ? col - row >= k : col - row <= k;
        if (!keep) output.values[(matrix * rows + row) * cols + col] = 0.0;
      }
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunCompress(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* condition, RequiredInput(call, 1));
  const onnx::AttributeProto* axis_attribute = FindAttribute(call.node, "axis");
  HostTensor flat = *x;
  int64_t axis = 0;
  if (axis_attribute == nullptr) {
    flat.dims = {x->ElementCount()};
  } else {
    ASSIGN_OR_RETURN(axis, NormalizeAxis(call.node, axis_attribute->i(),
                                         static_cast<int64_t>(x->dims.size())));
  }
  const AxisSplit split = SplitAtAxis(flat.dims, axis);
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < split.axis && i < condition->ElementCount(); ++i) {
    if (condition->values[i] != 0.0) kept.push_back(i);
  }
  std::vector<int64_t> dims = flat.dims;
  dims[axis] = static_cast<int64_t>(kept.size());
  HostTensor output = MakeTensor(x->elem_type, dims);
  double* destination = output.values.data();
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (const int64_t index : kept) {
      const double* source = flat.values.data() + (outer * split.axis + index) * split.inner;
      destination = std::copy(source, source + split.inner, destination);
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunReverseSequence(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const std::vector<int64_t> lengths, InputAsInt64s(call, 1));
  const int64_t batch_axis = IntAttribute(call.node, "batch_axis", 1);
  const int64_t time_axis = IntAttribute(call.node, "time_axis", 0);
  if (x->dims.size() < 2 || (batch_axis != 0 && batch_axis != 1) || time_axis + batch_axis != 1) {
    return InvalidNodeArgument(call, "batch_axis and time_axis must be 0 and 1 in some order, "
                                     "on an input of rank 2 or more");
  }
  const std::vector<int64_t> strides = RowMajorStrides(x->dims);
  const int64_t batch = x->dims[batch_axis];
  const int64_t steps = x->dims[time_axis];
  const int64_t inner = strides[1];
  if (static_cast<int64_t>(lengths.size()) != batch) {
    return InvalidNodeArgument(call, absl::StrCat("sequence_lens has ", lengths.size(),
                                                  " entries; expected the batch size ", batch));
  }
  HostTensor output = *x;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t length = std::clamp<int64_t>(lengths[b], 0, steps);
    for (int64_t t = 0; t < length; ++t) {
      const int64_t from = b * strides[batch_axis] + (length - 1 - t) * strides[time_axis];
      const int64_t to = b * strides[batch_axis] + t * strides[time_axis];
      std::copy(x->values.begin() + from, x->values.begin() + from + inner,
                output.values.begin() + to);
    }
  }
  return std::vector<HostTensor>{std::move(output)};
}

}  // namespace

void RegisterShapeIndexingOps(OpTable& table) {
  table["/Gather"] = {RunGather, ""};
  table["/GatherElements"] = {RunGatherElements, ""};
  table["/GatherND"] = {RunGatherNd, ""};
  table["/ScatterND"] = {RunScatterNd, ""};
  table["/ScatterElements"] = {RunScatterElements, ""};
  table["/Scatter"] = {RunScatterElements, ""};
  table["/OneHot"] = {RunOneHot, ""};
  table["/NonZero"] = {RunNonZero, ""};
  table["/TopK"] = {RunTopK, ""};
  table["/Trilu"] = {RunTrilu, ""};
  table["/Compress"] = {RunCompress, ""};
  table["/ReverseSequence"] = {RunReverseSequence, ""};
}

}  // namespace soma::onnx_ops
