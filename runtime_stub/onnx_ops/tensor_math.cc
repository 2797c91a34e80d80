// tensor_math.cc: broadcasting, index arithmetic and input access shared by the operator
// families of the reference interpreter. Element types are in element_types.cc.
#include "onnx_ops/tensor_math.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

std::vector<int64_t> RowMajorStrides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t i = dims.size(); i > 1; --i) strides[i - 2] = strides[i - 1] * dims[i - 1];
  return strides;
}

absl::StatusOr<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                   const std::vector<int64_t>& b,
                                                   const std::string& context) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t dim_a = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t dim_b = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (dim_a == dim_b || dim_b == 1) {
      out[i] = dim_a;
    } else if (dim_a == 1) {
      out[i] = dim_b;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": shapes ", DimsToString(a), " and ", DimsToString(b),
                       " cannot be broadcast (dimension ", i, " is ", dim_a, " vs ", dim_b,
                       "); each pair of dimensions must be equal or 1"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> BroadcastAllDims(
    absl::Span<const std::vector<int64_t>* const> shapes, const std::string& context) {
  std::vector<int64_t> out;
  for (const std::vector<int64_t>* shape : shapes) {
    ASSIGN_OR_RETURN(out, BroadcastDims(out, *shape, context));
  }
  return out;
}

std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& input_dims,
                                      const std::vector<int64_t>& output_dims) {
  const std::vector<int64_t> input_strides = RowMajorStrides(input_dims);
  std::vector<int64_t> strides(output_dims.size(), 0);
  const size_t offset = output_dims.size() - input_dims.size();
  for (size_t i = 0; i < input_dims.size(); ++i) {
    strides[offset + i] = input_dims[i] == 1 ? 0 : input_strides[i];
  }
  return strides;
}

BroadcastCursor::BroadcastCursor(const std::vector<int64_t>& input_dims,
                                 const std::vector<int64_t>& output_dims)
    : dims_(output_dims),
      strides_(BroadcastStrides(input_dims, output_dims)),
      index_(output_dims.size(), 0) {}

void BroadcastCursor::Advance() {
  for (size_t i = dims_.size(); i > 0; --i) {
    const size_t axis = i - 1;
    if (++index_[axis] < dims_[axis]) {
      offset_ += strides_[axis];
      return;
    }
    offset_ -= strides_[axis] * (dims_[axis] - 1);
    index_[axis] = 0;
  }
}

std::vector<int64_t> BroadcastIndexMap(const std::vector<int64_t>& input_dims,
                                       const std::vector<int64_t>& output_dims) {
  const int64_t count = DimsProduct(output_dims);
  std::vector<int64_t> map(static_cast<size_t>(count));
  BroadcastCursor cursor(input_dims, output_dims);
  for (int64_t i = 0; i < count; ++i) {
    map[i] = cursor.offset();
    cursor.Advance();
  }
  return map;
}

bool NextIndex(std::vector<int64_t>& index, const std::vector<int64_t>& dims) {
  for (size_t i = dims.size(); i > 0; --i) {
    if (++index[i - 1] < dims[i - 1]) return true;
    index[i - 1] = 0;
  }
  return false;
}

AxisSplit SplitAtAxis(const std::vector<int64_t>& dims, int64_t axis) {
  AxisSplit split;
  for (int64_t i = 0; i < static_cast<int64_t>(dims.size()); ++i) {
    if (i < axis) {
      split.outer *= dims[i];
    } else if (i == axis) {
      split.axis = dims[i];
    } else {
      split.inner *= dims[i];
    }
  }
  return split;
}

const HostTensor* OptionalInput(const OpCall& call, size_t index) {
  return index < call.inputs.size() ? call.inputs[index] : nullptr;
}

absl::StatusOr<const HostTensor*> RequiredInput(const OpCall& call, size_t index) {
  const HostTensor* input = OptionalInput(call, index);
  if (input == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": input ", index, " is missing; the operator requires it"));
  }
  return input;
}

std::vector<int64_t> ToInt64Vector(const HostTensor& tensor) {
  std::vector<int64_t> out(tensor.values.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = ClampToInt64(tensor.values[i]);
  return out;
}

absl::StatusOr<std::vector<int64_t>> InputAsInt64s(const OpCall& call, size_t index) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, index));
  if (!IsIntegerType(input->elem_type)) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": input ", index, " has type ",
                                                   ElemTypeName(input->elem_type),
                                                   "; expected an integer tensor"));
  }
  return ToInt64Vector(*input);
}

absl::StatusOr<int64_t> InputAsInt64Scalar(const OpCall& call, size_t index) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, index));
  if (input->values.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": input ", index, " has ", input->values.size(),
                     " elements (shape ", DimsToString(input->dims), "); expected a scalar"));
  }
  return ClampToInt64(input->values[0]);
}

absl::StatusOr<double> InputAsScalar(const OpCall& call, size_t index) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, index));
  if (input->values.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": input ", index, " has ", input->values.size(),
                     " elements (shape ", DimsToString(input->dims), "); expected a scalar"));
  }
  return input->values[0];
}

absl::Status CheckNumericInput(const OpCall& call, const HostTensor& tensor, size_t index) {
  if (IsNumericType(tensor.elem_type)) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      call.label, ": input ", index, " has element type ", ElemTypeName(tensor.elem_type),
      ", which the reference interpreter does not support; only float, integer and bool "
      "tensors are supported"));
}

HostTensor MakeTensor(int32_t elem_type, std::vector<int64_t> dims) {
  HostTensor tensor;
  tensor.elem_type = elem_type;
  tensor.dims = std::move(dims);
  tensor.values.assign(static_cast<size_t>(DimsProduct(tensor.dims)), 0.0);
  return tensor;
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

std::vector<HostTensor> SingleOutput(HostTensor tensor) {
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(tensor));
  return outputs;
}

absl::StatusOr<std::vector<bool>> AxisFlags(const OpCall& call, const std::vector<int64_t>& axes,
                                            int64_t rank) {
  std::vector<bool> flags(static_cast<size_t>(rank), false);
  for (const int64_t axis : axes) {
    const int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized < 0 || normalized >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat(call.label, ": axis ", axis, " is out of range for rank ", rank));
    }
    if (flags[normalized]) {
      return absl::InvalidArgumentError(
          absl::StrCat(call.label, ": axis ", axis, " is given twice; list each axis once"));
    }
    flags[normalized] = true;
  }
  return flags;
}

}  // namespace soma::onnx_ops
