// constant_folding.cc: Constant, ConstantOfShape, Shape and Size nodes, and ops whose inputs
// are all constant, evaluated at import time: views, Cast, Gather, Concat, Add, Sub, Mul, Div
// and DequantizeLinear by fast paths that keep fills, and every other operator the reference
// interpreter implements through it. This resolves the Shape -> Gather -> Concat -> Reshape
// chains that exporters emit, and dequantizes QDQ weights.
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "importer/host_values.h"
#include "importer/op_lowering.h"
#include "importer/tensor_op_lowering.h"
#include "onnx_ops/onnx_ops.h"
#include "importer/shape_rules.h"
#include "importer/view_shapes.h"

namespace soma::importer {

namespace {

// Largest constant that folding materialises, in elements; bigger results are rejected so
// that a fill over a huge shape never expands in memory.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

NodeOutcome ConstantOutcome(const std::string& detail) {
  return NodeOutcome{PlacementKind::kFolded, -1, detail};
}

absl::Status CheckFoldSize(const NodeScope& scope, const std::vector<int64_t>& dims) {
  if (DimsElementCount(dims) <= kMaxFoldedElements) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      scope.label, ": folding would materialise a constant of shape ", DimsToString(dims),
      ", more than ", kMaxFoldedElements, " elements"));
}

// A constant with explicit values of `dims`, integer when `is_integer` is true, else float.
ConstantTensor MakeConstant(std::vector<int64_t> dims, bool is_integer,
                            const std::vector<double>& values) {
  ConstantTensor result;
  result.dims = std::move(dims);
  result.is_integer = is_integer;
  for (double value : values) {
    if (is_integer) {
      result.int_values.push_back(static_cast<int64_t>(value));
    } else {
      result.float_values.push_back(static_cast<float>(value));
    }
  }
  return result;
}

// Row-major strides of `dims`, with stride 0 along axes of extent 1 so that a broadcast
// operand repeats its value.
std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 0);
  int64_t stride = 1;
  for (size_t axis = dims.size(); axis-- > 0;) {
    strides[axis] = dims[axis] == 1 ? 0 : stride;
    stride *= dims[axis];
  }
  return strides;
}

absl::StatusOr<ConstantTensor> FoldArithmetic(const NodeScope& scope, const ConstantTensor& a,
                                              const ConstantTensor& b) {
  const auto dims = BroadcastDims(a.dims, b.dims);
  if (!dims) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": operand shapes ",
                                                   DimsToString(a.dims), " and ",
                                                   DimsToString(b.dims), " do not broadcast"));
  }
  const std::string& op = scope.node.op_type();
  const bool is_integer = a.is_integer && b.is_integer;
  auto apply = [&](double x, double y) -> double {
    if (op == "Add") return x + y;
    if (op == "Sub") return x - y;
    if (op == "Mul") return x * y;
    if (is_integer) return y == 0 ? 0 : std::trunc(x / y);
    return x / y;
  };
  if (a.fill && b.fill) {
    ConstantTensor result;
    result.dims = *dims;
    result.is_integer = is_integer;
    result.fill = apply(*a.fill, *b.fill);
    return result;
  }
  absl::Status status = CheckFoldSize(scope, *dims);
  if (!status.ok()) return status;
  const std::vector<int64_t> a_strides = BroadcastStrides(AlignToRank(a.dims, dims->size()));
  const std::vector<int64_t> b_strides = BroadcastStrides(AlignToRank(b.dims, dims->size()));
  const int64_t count = DimsElementCount(*dims);
  std::vector<double> values(count);
  std::vector<int64_t> position(dims->size(), 0);
  for (int64_t index = 0; index < count; ++index) {
    int64_t a_index = 0;
    int64_t b_index = 0;
    for (size_t axis = 0; axis < dims->size(); ++axis) {
      a_index += position[axis] * a_strides[axis];
      b_index += position[axis] * b_strides[axis];
    }
    values[index] = apply(a.At(a_index), b.At(b_index));
    for (size_t axis = dims->size(); axis-- > 0;) {
      if (++position[axis] < (*dims)[axis]) break;
      position[axis] = 0;
    }
  }
  return MakeConstant(*dims, is_integer, values);
}

absl::StatusOr<ConstantTensor> FoldGather(const NodeScope& scope, const ConstantTensor& data,
                                          const ConstantTensor& indices) {
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  auto axis = scope.attributes.Int("axis", 0);
  if (!axis.ok()) return axis.status();
  if (rank == 0 || *axis < -rank || *axis >= rank) {
    return scope.attributes.InvalidValue("axis", absl::StrCat(*axis),
                                         absl::StrCat("data has rank ", rank));
  }
  const int64_t gather_axis = *axis < 0 ? *axis + rank : *axis;
  std::vector<int64_t> dims(data.dims.begin(), data.dims.begin() + gather_axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + gather_axis + 1, data.dims.end());
  if (data.fill) {
    ConstantTensor result = data;
    result.dims = dims;
    return result;
  }
  absl::Status status = CheckFoldSize(scope, dims);
  if (!status.ok()) return status;
  int64_t outer = 1;
  for (int64_t axis_index = 0; axis_index < gather_axis; ++axis_index) outer *= data.dims[axis_index];
  int64_t inner = 1;
  for (int64_t axis_index = gather_axis + 1; axis_index < rank; ++axis_index) {
    inner *= data.dims[axis_index];
  }
  const int64_t extent = data.dims[gather_axis];
  const std::vector<int64_t> index_values = indices.ToInt64();
  std::vector<double> values;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : index_values) {
      const int64_t source = index < 0 ? index + extent : index;
      if (source < 0 || source >= extent) {
        return absl::InvalidArgumentError(absl::StrCat(scope.label, ": index ", index,
                                                       " is out of range for extent ", extent));
      }
      for (int64_t i = 0; i < inner; ++i) values.push_back(data.At((o * extent + source) * inner + i));
    }
  }
  return MakeConstant(dims, data.is_integer, values);
}

absl::StatusOr<ConstantTensor> FoldConcat(const NodeScope& scope,
                                          const std::vector<const ConstantTensor*>& operands) {
  const int64_t rank = static_cast<int64_t>(operands[0]->dims.size());
  auto axis = scope.attributes.Int("axis", 0);
  if (!axis.ok()) return axis.status();
  if (*axis < -rank || *axis >= rank) {
    return scope.attributes.InvalidValue("axis", absl::StrCat(*axis),
                                         absl::StrCat("inputs have rank ", rank));
  }
  const int64_t concat_axis = *axis < 0 ? *axis + rank : *axis;
  std::vector<int64_t> dims = operands[0]->dims;
  dims[concat_axis] = 0;
  for (const ConstantTensor* operand : operands) {
    if (static_cast<int64_t>(operand->dims.size()) != rank) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": inputs have ranks ", rank,
                                                     " and ", operand->dims.size()));
    }
    dims[concat_axis] += operand->dims[concat_axis];
  }
  absl::Status status = CheckFoldSize(scope, dims);
  if (!status.ok()) return status;
  int64_t outer = 1;
  for (int64_t index = 0; index < concat_axis; ++index) outer *= dims[index];
  bool is_integer = true;
  for (const ConstantTensor* operand : operands) is_integer = is_integer && operand->is_integer;
  std::vector<double> values;
  for (int64_t o = 0; o < outer; ++o) {
    for (const ConstantTensor* operand : operands) {
      const int64_t block = operand->ElementCount() / std::max<int64_t>(outer, 1);
      for (int64_t i = 0; i < block; ++i) values.push_back(operand->At(o * block + i));
    }
  }
  return MakeConstant(dims, is_integer, values);
}

ConstantTensor FoldCast(const ConstantTensor& input, int64_t to) {
  const bool to_float = IsFloatElementType(static_cast<int32_t>(to));
  ConstantTensor result;
  result.dims = input.dims;
  result.is_integer = !to_float;
  result.elem_type = static_cast<int32_t>(to);
  if (input.fill) {
    result.fill = to_float ? *input.fill : std::trunc(*input.fill);
    return result;
  }
  std::vector<double> values;
  for (int64_t index = 0; index < input.ElementCount(); ++index) {
    const double value = input.At(index);
    values.push_back(to == onnx::TensorProto::BOOL ? (value != 0) : value);
  }
  ConstantTensor cast = MakeConstant(input.dims, !to_float, values);
  cast.elem_type = result.elem_type;
  return cast;
}

// DequantizeLinear: (x - zero_point) * scale, per tensor (one scale) or per axis (scale of
// shape [x.dims[axis]]). Returns nullopt for the forms left to the interpreter (blocked
// quantization, a fill).
std::optional<absl::StatusOr<ConstantTensor>> FoldDequantize(
    const NodeScope& scope, const std::vector<const ConstantTensor*>& operands) {
  const ConstantTensor& x = *operands[0];
  const ConstantTensor& scale = *operands[1];
  const ConstantTensor* zero_point = operands.size() > 2 ? operands[2] : nullptr;
  if (scope.attributes.Has("block_size") || x.fill || !x.is_integer) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  auto axis_attribute = scope.attributes.Int("axis", 1);
  if (!axis_attribute.ok()) return absl::StatusOr<ConstantTensor>(axis_attribute.status());
  const bool per_tensor = scale.ElementCount() == 1;
  const int64_t axis = *axis_attribute < 0 ? *axis_attribute + rank : *axis_attribute;
  if (!per_tensor && (axis < 0 || axis >= rank || scale.dims.size() != 1 ||
                      scale.ElementCount() != x.dims[axis])) {
    return std::nullopt;
  }
  if (zero_point != nullptr && zero_point->ElementCount() != scale.ElementCount()) {
    return std::nullopt;
  }
  int64_t inner = 1;
  for (int64_t index = axis + 1; !per_tensor && index < rank; ++index) inner *= x.dims[index];
  const int64_t extent = per_tensor ? 1 : x.dims[axis];
  std::vector<double> values(x.ElementCount());
  for (int64_t index = 0; index < x.ElementCount(); ++index) {
    const int64_t channel = per_tensor ? 0 : (index / inner) % extent;
    const double offset = zero_point != nullptr ? zero_point->At(channel) : 0.0;
    // fp32 arithmetic, as the ONNX reference computes it.
    values[index] = static_cast<float>(x.At(index) - offset) * static_cast<float>(scale.At(channel));
  }
  ConstantTensor result = MakeConstant(x.dims, /*is_integer=*/false, values);
  result.elem_type = scale.ElementType();
  return absl::StatusOr<ConstantTensor>(std::move(result));
}

// Any operator, through the reference interpreter. Extra outputs become constants too.
absl::StatusOr<ConstantTensor> FoldThroughInterpreter(const NodeScope& scope,
                                                      LoweringContext& context) {
  std::vector<onnx_ops::HostTensor> values(scope.node.input_size());
  std::vector<const onnx_ops::HostTensor*> pointers;
  for (int index = 0; index < scope.node.input_size(); ++index) {
    if (!LoweringContext::HasInput(scope, index)) {
      pointers.push_back(nullptr);
      continue;
    }
    auto operand = context.ConstantInput(scope, index, "operand");
    if (!operand.ok()) return operand.status();
    absl::Status status = CheckFoldSize(scope, (*operand)->dims);
    if (!status.ok()) return status;
    values[index] = HostFromConstant(**operand);
    pointers.push_back(&values[index]);
  }
  auto results =
      onnx_ops::RunNode(scope.node, context.DomainOpset(scope.node.domain()), pointers);
  if (!results.ok()) return results.status();
  if (results->empty()) {
    return absl::InternalError(absl::StrCat(scope.label, ": the interpreter returned no output"));
  }
  for (size_t index = 0; index < results->size(); ++index) {
    absl::Status status = CheckFoldSize(scope, (*results)[index].dims);
    if (!status.ok()) return status;
  }
  for (int index = 1; index < scope.node.output_size() &&
                      index < static_cast<int>(results->size());
       ++index) {
    if (scope.node.output(index).empty()) continue;
    context.AddConstant(scope.node.output(index), ConstantFromHost((*results)[index]));
  }
  return ConstantFromHost((*results)[0]);
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerConstant(const NodeScope& scope, LoweringContext& context) {
  ConstantTensor constant;
  auto tensor = scope.attributes.Tensor("value");
  if (!tensor.ok()) return tensor.status();
  if (*tensor != nullptr) {
    auto decoded = ConstantFromTensorProto(**tensor, context.external_data_policy());
    if (!decoded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": ", decoded.status().message()));
    }
    constant = std::move(*decoded);
  } else if (scope.attributes.Has("value_float") || scope.attributes.Has("value_floats")) {
    auto values = scope.attributes.Floats("value_floats", {});
    if (!values.ok()) return values.status();
    auto value = scope.attributes.Float("value_float", 0.0f);
    if (!value.ok()) return value.status();
    const bool scalar = scope.attributes.Has("value_float");
    constant.float_values = scalar ? std::vector<float>{*value} : *values;
    if (!scalar) constant.dims = {static_cast<int64_t>(values->size())};
  } else if (scope.attributes.Has("value_int") || scope.attributes.Has("value_ints")) {
    auto values = scope.attributes.Ints("value_ints", {});
    if (!values.ok()) return values.status();
    auto value = scope.attributes.Int("value_int", 0);
    if (!value.ok()) return value.status();
    const bool scalar = scope.attributes.Has("value_int");
    constant.is_integer = true;
    constant.int_values = scalar ? std::vector<int64_t>{*value} : *values;
    if (!scalar) constant.dims = {static_cast<int64_t>(values->size())};
  } else {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": only the value, value_float(s) and value_int(s) attributes are "
        "supported (sparse and string constants are not)"));
  }
  const std::string detail = absl::StrCat("constant ", DimsToString(constant.dims));
  context.AddConstant(scope.node.output(0), std::move(constant));
  return ConstantOutcome(detail);
}

absl::StatusOr<NodeOutcome> LowerConstantOfShape(const NodeScope& scope,
                                                 LoweringContext& context) {
  auto shape = context.ConstantInput(scope, 0, "shape");
  if (!shape.ok()) return shape.status();
  ConstantTensor constant;
  constant.dims = (*shape)->ToInt64();
  for (int64_t extent : constant.dims) {
    if (extent < 0) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": shape ",
                                                     DimsToString(constant.dims),
                                                     " has a negative extent"));
    }
  }
  constant.fill = 0.0;
  auto value = scope.attributes.Tensor("value");
  if (!value.ok()) return value.status();
  if (*value != nullptr) {
    auto decoded = ConstantFromTensorProto(**value, context.external_data_policy());
    if (!decoded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": ", decoded.status().message()));
    }
    if (decoded->ElementCount() != 1) {
      return scope.attributes.InvalidValue(
          "value", absl::StrCat("of shape ", DimsToString(decoded->dims)),
          "expected a tensor with one element");
    }
    constant.is_integer = decoded->is_integer;
    constant.fill = decoded->At(0);
  }
  const std::string detail =
      absl::StrCat("constant fill ", *constant.fill, " of shape ", DimsToString(constant.dims));
  context.AddConstant(scope.node.output(0), std::move(constant));
  return ConstantOutcome(detail);
}

absl::StatusOr<NodeOutcome> LowerShape(const NodeScope& scope, LoweringContext& context) {
  std::vector<int64_t> dims;
  if (const ConstantTensor* constant = context.FindConstant(scope.node.input(0))) {
    dims = constant->dims;
  } else {
    auto input = context.ActivationInput(scope, 0);
    if (!input.ok()) return input.status();
    dims = input->dims;
  }
  const int64_t rank = static_cast<int64_t>(dims.size());
  auto start = scope.attributes.Int("start", 0);
  if (!start.ok()) return start.status();
  auto end = scope.attributes.Int("end", rank);
  if (!end.ok()) return end.status();
  if (scope.node.op_type() == "Size") {
    ConstantTensor size;
    size.is_integer = true;
    size.elem_type = onnx::TensorProto::INT64;
    size.int_values = {DimsElementCount(dims)};
    const std::string detail = absl::StrCat("constant size ", size.int_values[0]);
    context.AddConstant(scope.node.output(0), std::move(size));
    return ConstantOutcome(detail);
  }
  const int64_t first = std::clamp<int64_t>(*start < 0 ? *start + rank : *start, 0, rank);
  const int64_t last = std::clamp<int64_t>(*end < 0 ? *end + rank : *end, first, rank);
  ConstantTensor constant;
  constant.is_integer = true;
  constant.elem_type = onnx::TensorProto::INT64;
  constant.int_values.assign(dims.begin() + first, dims.begin() + last);
  constant.dims = {last - first};
  const std::string detail = absl::StrCat("constant shape ", DimsToString(constant.int_values));
  context.AddConstant(scope.node.output(0), std::move(constant));
  return ConstantOutcome(detail);
}

bool IsFoldableOnConstants(std::string_view op_type) {
  return IsViewOperator(op_type) || op_type == "Cast" || op_type == "Gather" ||
         op_type == "Concat" || op_type == "Add" || op_type == "Sub" || op_type == "Mul" ||
         op_type == "Div" || op_type == "DequantizeLinear" || onnx_ops::IsSupported("", op_type);
}

absl::StatusOr<NodeOutcome> FoldConstantNode(const NodeScope& scope, LoweringContext& context) {
  const std::string& op = scope.node.op_type();
  std::vector<const ConstantTensor*> operands;
  for (int index = 0; index < scope.node.input_size(); ++index) {
    if (!LoweringContext::HasInput(scope, index)) continue;
    auto operand = context.ConstantInput(scope, index, "operand");
    if (!operand.ok()) return operand.status();
    operands.push_back(*operand);
  }
  absl::StatusOr<ConstantTensor> result;
  std::optional<absl::StatusOr<ConstantTensor>> dequantized;
  if (op == "DequantizeLinear" && operands.size() >= 2 && LoweringContext::HasInput(scope, 1)) {
    dequantized = FoldDequantize(scope, operands);
  }
  // The fast paths need every input slot present (Concat takes any number of them).
  const bool fast_path = (IsViewOperator(op) || op == "Cast" || op == "Gather" ||
                          op == "Concat" || op == "Add" || op == "Sub" || op == "Mul" ||
                          op == "Div") &&
                         !operands.empty() &&
                         static_cast<int>(operands.size()) == scope.node.input_size();
  if (dequantized) {
    result = std::move(*dequantized);
  } else if (!fast_path) {
    result = FoldThroughInterpreter(scope, context);
  } else if (IsViewOperator(op)) {
    auto dims = ViewOutputDims(scope, context, operands[0]->dims);
    if (!dims.ok()) return dims.status();
    ConstantTensor viewed = *operands[0];
    viewed.dims = *dims;
    result = std::move(viewed);
  } else if (op == "Cast") {
    auto to = scope.attributes.Int("to", onnx::TensorProto::FLOAT);
    if (!to.ok()) return to.status();
    result = FoldCast(*operands[0], *to);
  } else if (op == "Gather") {
    if (operands.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": expected 2 inputs"));
    }
    result = FoldGather(scope, *operands[0], *operands[1]);
  } else if (op == "Concat") {
    result = FoldConcat(scope, operands);
  } else {
    if (operands.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": expected 2 inputs"));
    }
    result = FoldArithmetic(scope, *operands[0], *operands[1]);
  }
  if (!result.ok()) return result.status();
  const std::string detail =
      absl::StrCat("constant folded to shape ", DimsToString(result->dims));
  context.AddConstant(scope.node.output(0), std::move(*result));
  return ConstantOutcome(detail);
}

}  // namespace soma::importer
