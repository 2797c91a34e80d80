// shape_ops.cc: operators that read or rewrite dims and operators that make constants:
// Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Expand, Range, ConstantOfShape,
// Constant, EyeLike. RegisterShapeOps also registers the other shape_*.cc parts.
#include <algorithm>
#include <cmath>
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

HostTensor Int64Vector(const std::vector<int64_t>& ints) {
  HostTensor tensor = MakeTensor(kInt64, {static_cast<int64_t>(ints.size())});
  for (size_t i = 0; i < ints.size(); ++i) tensor.values[i] = static_cast<double>(ints[i]);
  return tensor;
}

// A copy of `input` with new dims. Requires: the element counts match.
std::vector<HostTensor> WithDims(const HostTensor& input, std::vector<int64_t> dims) {
  HostTensor output;
  output.elem_type = input.elem_type;
  output.dims = std::move(dims);
  output.values = input.values;
  return {std::move(output)};
}

Outputs RunShape(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  int64_t start = IntAttribute(call.node, "start", 0);
  int64_t end = IntAttribute(call.node, "end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  std::vector<int64_t> dims;
  for (int64_t axis = start; axis < end; ++axis) dims.push_back(data->dims[axis]);
  return std::vector<HostTensor>{Int64Vector(dims)};
}

Outputs RunSize(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  HostTensor size = MakeTensor(kInt64, {});
  size.values[0] = static_cast<double>(data->ElementCount());
  return std::vector<HostTensor>{std::move(size)};
}

Outputs RunReshape(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  std::vector<int64_t> shape;
  if (call.opset < 5) {
    shape = IntsAttribute(call.node, "shape").value_or(std::vector<int64_t>());
  } else {
    ASSIGN_OR_RETURN(shape, InputAsInt64s(call, 1));
  }
  const bool allow_zero = IntAttribute(call.node, "allowzero", 0) != 0;
  int64_t inferred_axis = -1;
  int64_t known_product = 1;
  for (size_t axis = 0; axis < shape.size(); ++axis) {
    if (shape[axis] == 0 && !allow_zero) {
      if (axis >= data->dims.size()) {
        return InvalidNodeArgument(call, absl::StrCat("shape ", DimsToString(shape),
                                                      " copies dim ", axis, " (0) but the data ",
                                                      "has rank ", data->dims.size()));
      }
      shape[axis] = data->dims[axis];
    }
    if (shape[axis] == -1) {
      if (inferred_axis >= 0) {
        return InvalidNodeArgument(call, absl::StrCat("shape ", DimsToString(shape),
                                                      " has more than one -1"));
      }
      inferred_axis = static_cast<int64_t>(axis);
    } else if (shape[axis] < 0) {
      return InvalidNodeArgument(call, absl::StrCat("shape ", DimsToString(shape),
                                                    " has a negative dim other than -1"));
    } else {
      known_product *= shape[axis];
    }
  }
  const int64_t count = data->ElementCount();
  if (inferred_axis >= 0) {
    if (known_product == 0 || count % known_product != 0) {
      return InvalidNodeArgument(call, absl::StrCat("cannot infer the -1 of shape ",
                                                    DimsToString(shape), " for ", count,
                                                    " elements"));
    }
    shape[inferred_axis] = count / known_product;
  }
  if (DimsProduct(shape) != count) {
    return InvalidNodeArgument(call, absl::StrCat("shape ", DimsToString(shape), " holds ",
                                                  DimsProduct(shape), " elements but the data ",
                                                  DimsToString(data->dims), " has ", count));
  }
  return WithDims(*data, std::move(shape));
}

Outputs RunFlatten(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  int64_t axis = IntAttribute(call.node, "axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) {
    return InvalidNodeArgument(call, absl::StrCat("axis ", IntAttribute(call.node, "axis", 1),
                                                  " is out of range [-", rank, ", ", rank,
                                                  "] for the data of rank ", rank));
  }
  int64_t outer = 1;
  int64_t inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= data->dims[i];
  return WithDims(*data, {outer, inner});
}

// Axes from the `axes` attribute (opset < 13) or the optional input 1 (opset >= 13).
absl::StatusOr<std::optional<std::vector<int64_t>>> AxesOperand(const OpCall& call) {
  if (call.opset < 13) return IntsAttribute(call.node, "axes");
  if (OptionalInput(call, 1) == nullptr) return std::optional<std::vector<int64_t>>();
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, InputAsInt64s(call, 1));
  return std::optional<std::vector<int64_t>>(std::move(axes));
}

Outputs RunSqueeze(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const std::optional<std::vector<int64_t>> axes, AxesOperand(call));
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  std::vector<bool> removed(rank, false);
  if (!axes.has_value()) {
    for (int64_t axis = 0; axis < rank; ++axis) removed[axis] = data->dims[axis] == 1;
  } else {
    for (const int64_t axis : *axes) {
      ASSIGN_OR_RETURN(const int64_t normalized, NormalizeAxis(call.node, axis, rank));
      if (data->dims[normalized] != 1) {
        return InvalidNodeArgument(call, absl::StrCat("cannot squeeze axis ", axis, " of dim ",
                                                      data->dims[normalized], "; only dims of 1 ",
                                                      "can be squeezed"));
      }
      removed[normalized] = true;
    }
  }
  std::vector<int64_t> dims;
  for (int64_t axis = 0; axis < rank; ++axis) {
    if (!removed[axis]) dims.push_back(data->dims[axis]);
  }
  return WithDims(*data, std::move(dims));
}

Outputs RunUnsqueeze(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const std::optional<std::vector<int64_t>> axes, AxesOperand(call));
  if (!axes.has_value()) {
    return InvalidNodeArgument(call, "axes are missing; give the axes to insert");
  }
  const int64_t out_rank = static_cast<int64_t>(data->dims.size() + axes->size());
  std::vector<bool> inserted(out_rank, false);
  for (const int64_t axis : *axes) {
    ASSIGN_OR_RETURN(const int64_t normalized, NormalizeAxis(call.node, axis, out_rank));
    if (inserted[normalized]) {
      return InvalidNodeArgument(call, absl::StrCat("axis ", axis, " is given twice"));
    }
    inserted[normalized] = true;
  }
  std::vector<int64_t> dims;
  size_t next_input_axis = 0;
  for (int64_t axis = 0; axis < out_rank; ++axis) {
    dims.push_back(inserted[axis] ? 1 : data->dims[next_input_axis++]);
  }
  return WithDims(*data, std::move(dims));
}

Outputs RunExpand(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* data, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const std::vector<int64_t> shape, InputAsInt64s(call, 1));
  ASSIGN_OR_RETURN(const std::vector<int64_t> dims,
                   BroadcastDims(data->dims, shape, call.label));
  HostTensor output = MakeTensor(data->elem_type, dims);
  BroadcastCursor cursor(data->dims, dims);
  for (double& value : output.values) {
    value = data->values[cursor.offset()];
    cursor.Advance();
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunRange(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* start_tensor, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const double start, InputAsScalar(call, 0));
  ASSIGN_OR_RETURN(const double limit, InputAsScalar(call, 1));
  ASSIGN_OR_RETURN(const double delta, InputAsScalar(call, 2));
  if (delta == 0) return InvalidNodeArgument(call, "delta is 0; give a non-zero step");
  const int64_t count =
      std::max<int64_t>(static_cast<int64_t>(std::ceil((limit - start) / delta)), 0);
  HostTensor output = MakeTensor(start_tensor->elem_type, {count});
  // The specification accumulates in the element type: start + i * delta, rounded.
  double value = start;
  for (int64_t i = 0; i < count; ++i) {
    output.values[i] = value;
    value = RoundToType(value + delta, start_tensor->elem_type);
  }
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunConstantOfShape(const OpCall& call) {
  ASSIGN_OR_RETURN(const std::vector<int64_t> shape, InputAsInt64s(call, 0));
  int32_t elem_type = kFloat;
  double fill = 0.0;
  if (const onnx::AttributeProto* value = FindAttribute(call.node, "value")) {
    ASSIGN_OR_RETURN(const HostTensor tensor, TensorFromProto(value->t()));
    if (tensor.values.size() != 1) {
      return InvalidNodeArgument(call, absl::StrCat("attribute 'value' must hold one element, ",
                                                    "found ", tensor.values.size()));
    }
    elem_type = tensor.elem_type;
    fill = tensor.values[0];
  }
  HostTensor output = MakeTensor(elem_type, shape);
  std::fill(output.values.begin(), output.values.end(), fill);
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunConstant(const OpCall& call) {
  for (const onnx::AttributeProto& attribute : call.node.attribute()) {
    const std::string& name = attribute.name();
    if (name == "value") {
      ASSIGN_OR_RETURN(HostTensor tensor, TensorFromProto(attribute.t()));
      return std::vector<HostTensor>{std::move(tensor)};
    }
    if (name == "value_float" || name == "value_int") {
      HostTensor tensor = MakeTensor(name == "value_float" ? kFloat : kInt64, {});
      tensor.values[0] = name == "value_float" ? attribute.f() : attribute.i();
      return std::vector<HostTensor>{std::move(tensor)};
    }
    if (name == "value_floats") {
      HostTensor tensor = MakeTensor(kFloat, {attribute.floats_size()});
      for (int i = 0; i < attribute.floats_size(); ++i) tensor.values[i] = attribute.floats(i);
      return std::vector<HostTensor>{std::move(tensor)};
    }
    if (name == "value_ints") {
      std::vector<int64_t> ints(attribute.ints().begin(), attribute.ints().end());
      return std::vector<HostTensor>{Int64Vector(ints)};
    }
    if (name == "value_string" || name == "value_strings" || name == "sparse_value") {
      return UnsupportedAttribute(call.node, name, "(set)",
                                  "string and sparse constants are not supported");
    }
  }
  return InvalidNodeArgument(call, "has no value attribute; set one of value, value_float, "
                                   "value_floats, value_int, value_ints");
}

Outputs RunEyeLike(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  if (input->dims.size() != 2) {
    return InvalidNodeArgument(call, absl::StrCat("input must be 2-D, found dims ",
                                                  DimsToString(input->dims)));
  }
  const int32_t elem_type =
      static_cast<int32_t>(IntAttribute(call.node, "dtype", input->elem_type));
  const int64_t k = IntAttribute(call.node, "k", 0);
  HostTensor output = MakeTensor(elem_type, input->dims);
  const int64_t rows = input->dims[0];
  const int64_t cols = input->dims[1];
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t col = row + k;
    if (col >= 0 && col < cols) output.values[row * cols + col] = 1.0;
  }
  return std::vector<HostTensor>{std::move(output)};
}

}  // namespace

void RegisterShapeOps(OpTable& table) {
  table["/Shape"] = {RunShape, ""};
  table["/Size"] = {RunSize, ""};
  table["/Reshape"] = {RunReshape, ""};
  table["/Flatten"] = {RunFlatten, ""};
  table["/Squeeze"] = {RunSqueeze, ""};
  table["/Unsqueeze"] = {RunUnsqueeze, ""};
  table["/Expand"] = {RunExpand, ""};
  table["/Range"] = {RunRange, ""};
  table["/ConstantOfShape"] = {RunConstantOfShape, ""};
  table["/Constant"] = {RunConstant, "string and sparse values not supported"};
  table["/EyeLike"] = {RunEyeLike, ""};
  RegisterShapeMovementOps(table);
  RegisterShapeIndexingOps(table);
  RegisterShapeResizeOps(table);
}

}  // namespace soma::onnx_ops
