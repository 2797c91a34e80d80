// quantization_ops.cc: QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear.
// RegisterQuantizationOps also registers the quantized MatMul and Conv operators of
// quantized_linear_ops.cc.
//
// Scales and zero points apply per tensor (one element), per axis (1-D along `axis`,
// opset 13 on) or per block (opset 21: the input shape with dims[axis] divided by
// block_size, rounded up).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

void RegisterQuantizedLinearOps(OpTable& table);

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

bool IsFloat8Type(int32_t elem_type) {
  return elem_type >= kFloat8E4M3Fn && elem_type <= kFloat8E5M2Fnuz;
}

// Maps each element of the quantized or float input to its scale and zero-point element.
struct ParameterLayout {
  enum class Kind { kPerTensor, kPerAxis, kBlocked } kind = Kind::kPerTensor;
  AxisSplit split;
  int64_t block_size = 1;
  int64_t blocks = 1;  // Parameter length along the axis (blocked form).

  int64_t Index(int64_t element) const {
    if (kind == Kind::kPerTensor) return 0;
    const int64_t inner = element % split.inner;
    const int64_t k = (element / split.inner) % split.axis;
    if (kind == Kind::kPerAxis) return k;
    const int64_t outer = element / (split.inner * split.axis);
    return (outer * blocks + k / block_size) * split.inner + inner;
  }
};

absl::StatusOr<ParameterLayout> ResolveLayout(const OpCall& call, const HostTensor& x,
                                              const HostTensor& scale) {
  ParameterLayout layout;
  const auto rank = static_cast<int64_t>(x.dims.size());
  const int64_t block_size = call.opset >= 21 ? IntAttribute(call.node, "block_size", 0) : 0;
  if (scale.values.size() == 1 && scale.dims.size() <= 1 && block_size == 0) return layout;
  if (call.opset < 13) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": the scale has shape ", DimsToString(scale.dims),
                     " but opsets before 13 allow only a per-tensor scale (one element)"));
  }
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 1), rank));
  layout.split = SplitAtAxis(x.dims, axis);
  if (block_size > 0) {
    layout.kind = ParameterLayout::Kind::kBlocked;
    layout.block_size = block_size;
    layout.blocks = (x.dims[axis] + block_size - 1) / block_size;
    std::vector<int64_t> expected = x.dims;
    expected[axis] = layout.blocks;
    if (scale.dims != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          call.label, ": the blocked scale has shape ", DimsToString(scale.dims), "; expected ",
          DimsToString(expected), " for block_size ", block_size, " along axis ", axis));
    }
    return layout;
  }
  layout.kind = ParameterLayout::Kind::kPerAxis;
  if (scale.dims.size() != 1 || scale.dims[0] != x.dims[axis]) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": the per-axis scale has shape ", DimsToString(scale.dims),
                     "; expected [", x.dims[axis], "] (dimension ", axis, " of the input)"));
  }
  return layout;
}

absl::Status CheckZeroPointShape(const OpCall& call, const HostTensor& scale,
                                 const HostTensor* zero_point) {
  if (zero_point == nullptr || zero_point->values.size() == scale.values.size()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(call.label, ": the zero point has shape ", DimsToString(zero_point->dims),
                   " but the scale has shape ", DimsToString(scale.dims), "; they must match"));
}

// The output type of QuantizeLinear: the zero point's type, else output_dtype (opset 21),
// else UINT8.
int32_t QuantizedType(const OpCall& call, const HostTensor* zero_point) {
  if (zero_point != nullptr) return zero_point->elem_type;
  const int64_t output_dtype = IntAttribute(call.node, "output_dtype", 0);
  return output_dtype != 0 ? static_cast<int32_t>(output_dtype) : kUint8;
}

Outputs RunQuantizeLinear(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  const HostTensor* zero_point = OptionalInput(call, 2);
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  RETURN_IF_ERROR(CheckZeroPointShape(call, *scale, zero_point));
  ASSIGN_OR_RETURN(const ParameterLayout layout, ResolveLayout(call, *x, *scale));

  const int32_t out_type = QuantizedType(call, zero_point);
  if (!IsIntegerType(out_type) && !IsFloat8Type(out_type)) {
    return absl::UnimplementedError(
        absl::StrCat(call.label, ": quantized type ", ElemTypeName(out_type),
                     " is not supported; use an integer or float8 type"));
  }

  const bool saturate = IntAttribute(call.node, "saturate", 1) != 0;
  // The float32 reference divides in float32, so a float scale divides in float here too.
  // The quotient then rounds half to even.
  const bool divide_in_float = scale->elem_type != kDouble;
  HostTensor y = MakeTensor(out_type, x->dims);
  for (size_t i = 0; i < x->values.size(); ++i) {
    const int64_t param = layout.Index(static_cast<int64_t>(i));
    const double zero = zero_point != nullptr ? zero_point->values[param] : 0.0;
    double quotient = x->values[i] / scale->values[param];
    if (divide_in_float) {
      quotient = static_cast<float>(x->values[i]) / static_cast<float>(scale->values[param]);
    }
    if (IsFloat8Type(out_type)) {
      y.values[i] = RoundToFloat8(quotient + zero, out_type, saturate);
    } else {
      y.values[i] = SaturateToType(std::nearbyint(quotient) + zero, out_type);
    }
  }
  return SingleOutput(std::move(y));
}

Outputs RunDequantizeLinear(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  const HostTensor* zero_point = OptionalInput(call, 2);
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  RETURN_IF_ERROR(CheckZeroPointShape(call, *scale, zero_point));
  ASSIGN_OR_RETURN(const ParameterLayout layout, ResolveLayout(call, *x, *scale));
  if (x->elem_type == kInt32 && zero_point != nullptr) {
    for (const double value : zero_point->values) {
      if (value != 0.0) {
        return absl::InvalidArgumentError(
            absl::StrCat(call.label, ": an INT32 input requires a zero point of 0, found ", value));
      }
    }
  }
  HostTensor y = MakeTensor(scale->elem_type, x->dims);
  for (size_t i = 0; i < x->values.size(); ++i) {
    const int64_t param = layout.Index(static_cast<int64_t>(i));
    const double zero = zero_point != nullptr ? zero_point->values[param] : 0.0;
    y.values[i] = (x->values[i] - zero) * scale->values[param];
  }
  RoundTensor(y);
  return SingleOutput(std::move(y));
}

// y_scale = (max(0, max x) - min(0, min x)) / 255, y_zero_point = round(-min / y_scale)
// saturated to [0, 255], y = saturate(round(x / y_scale) + y_zero_point), all in float32.
Outputs RunDynamicQuantizeLinear(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  float min_value = 0.0f;
  float max_value = 0.0f;
  for (const double value : x->values) {
    min_value = std::min(min_value, static_cast<float>(value));
    max_value = std::max(max_value, static_cast<float>(value));
  }
  const float scale = (max_value - min_value) / 255.0f;
  const double zero_point =
      scale == 0.0f ? 0.0 : SaturateToType(std::nearbyint(-min_value / scale), kUint8);
  HostTensor y = MakeTensor(kUint8, x->dims);
  for (size_t i = 0; i < x->values.size(); ++i) {
    const double quotient =
        scale == 0.0f ? 0.0 : std::nearbyint(static_cast<float>(x->values[i]) / scale);
    y.values[i] = SaturateToType(quotient + zero_point, kUint8);
  }
  HostTensor y_scale = MakeTensor(kFloat, {});
  y_scale.values[0] = scale;
  HostTensor y_zero_point = MakeTensor(kUint8, {});
  y_zero_point.values[0] = zero_point;
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(y));
  outputs.push_back(std::move(y_scale));
  outputs.push_back(std::move(y_zero_point));
  return outputs;
}

}  // namespace

void RegisterQuantizationOps(OpTable& table) {
  table["/QuantizeLinear"] = {RunQuantizeLinear, ""};
  table["/DequantizeLinear"] = {RunDequantizeLinear, ""};
  table["/DynamicQuantizeLinear"] = {RunDynamicQuantizeLinear, ""};
  RegisterQuantizedLinearOps(table);
}

}  // namespace soma::onnx_ops
