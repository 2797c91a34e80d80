// elementwise_cast.cc: type conversion and pass-through operators: Cast, CastLike, Clip,
// Identity and Dropout (inference form).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/elementwise_common.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

bool IsFloat8Type(int32_t elem_type) {
  return elem_type >= kFloat8E4M3Fn && elem_type <= kFloat8E5M2Fnuz;
}

// Converts `input` to `to`. Floats convert to integer types by truncation toward zero and
// then wrap modulo 2^bits. The specification leaves out-of-range values undefined, and numpy's
// astype gives the same result for values within the int64 range. `saturate` applies to the
// float8 types only.
absl::StatusOr<HostTensor> CastTensor(const OpCall& call, const HostTensor& input, int32_t to,
                                      bool saturate) {
  RETURN_IF_ERROR(CheckNumericInput(call, input, 0));
  if (!IsNumericType(to)) {
    return UnsupportedAttribute(call.node, "to", ElemTypeName(to),
                                "only float, integer and bool target types are supported");
  }
  HostTensor out;
  out.elem_type = to;
  out.dims = input.dims;
  out.values = input.values;
  if (IsFloat8Type(to)) {
    for (double& value : out.values) value = RoundToFloat8(value, to, saturate);
    return out;
  }
  if (IsIntegerType(to) && IsFloatType(input.elem_type)) {
    for (double& value : out.values) value = std::isfinite(value) ? std::trunc(value) : 0.0;
  }
  RoundTensor(out);
  return out;
}

Outputs RunCast(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  const onnx::AttributeProto* to = FindAttribute(call.node, "to");
  if (to == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": attribute 'to' is missing; Cast requires a target type"));
  }
  const bool saturate = IntAttribute(call.node, "saturate", 1) != 0;
  ASSIGN_OR_RETURN(HostTensor out,
                   CastTensor(call, *input, static_cast<int32_t>(to->i()), saturate));
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(out));
  return outputs;
}

Outputs RunCastLike(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* target, RequiredInput(call, 1));
  const bool saturate = IntAttribute(call.node, "saturate", 1) != 0;
  ASSIGN_OR_RETURN(HostTensor out, CastTensor(call, *input, target->elem_type, saturate));
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(out));
  return outputs;
}

Outputs RunClip(const OpCall& call) {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  if (call.opset < 11) {
    lower = FloatAttribute(call.node, "min", std::numeric_limits<float>::lowest());
    upper = FloatAttribute(call.node, "max", std::numeric_limits<float>::max());
  } else {
    if (OptionalInput(call, 1) != nullptr) {
      ASSIGN_OR_RETURN(lower, InputAsScalar(call, 1));
    }
    if (OptionalInput(call, 2) != nullptr) {
      ASSIGN_OR_RETURN(upper, InputAsScalar(call, 2));
    }
  }
  // When min > max every element becomes max, as the specification states.
  return MapUnary(call, [lower, upper](double x) {
    if (std::isnan(x)) return x;
    return std::min(std::max(x, lower), upper);
  });
}

Outputs RunIdentity(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *input, 0));
  return std::vector<HostTensor>{*input};
}

Outputs RunDropout(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *input, 0));
  bool training = false;
  if (call.opset >= 12 && OptionalInput(call, 2) != nullptr) {
    ASSIGN_OR_RETURN(const double training_mode, InputAsScalar(call, 2));
    training = training_mode != 0.0;
  }
  double ratio = FloatAttribute(call.node, "ratio", 0.5f);
  if (call.opset >= 12 && OptionalInput(call, 1) != nullptr) {
    ASSIGN_OR_RETURN(ratio, InputAsScalar(call, 1));
  }
  if (training && ratio != 0.0) {
    return absl::UnimplementedError(absl::StrCat(
        call.label, ": input 'training_mode' is true with ratio ", ratio,
        "; only inference (training_mode false) is supported because the random mask of "
        "training cannot be reproduced"));
  }
  std::vector<HostTensor> outputs{*input};
  if (call.node.output_size() > 1 && !call.node.output(1).empty()) {
    // The mask is all true: every element is kept. Before opset 10 it has the input type.
    outputs.push_back(MakeTensor(call.opset >= 10 ? kBool : input->elem_type, input->dims));
    std::fill(outputs.back().values.begin(), outputs.back().values.end(), 1.0);
  }
  return outputs;
}

}  // namespace

void RegisterElementwiseCastOps(OpTable& table) {
  table["/Cast"] = {RunCast, "string tensors are not supported"};
  table["/CastLike"] = {RunCastLike, "string tensors are not supported"};
  table["/Clip"] = {RunClip, ""};
  table["/Identity"] = {RunIdentity, "sequence and optional values are not supported"};
  table["/Dropout"] = {RunDropout,
                       "inference only: training_mode true with a nonzero ratio "
                       "is not supported"};
}

}  // namespace soma::onnx_ops
