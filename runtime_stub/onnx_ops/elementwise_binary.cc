// elementwise_binary.cc: broadcasting binary operators (arithmetic, comparison, logic,
// BitShift), the variadic Max, Min, Sum and Mean, and Where.
#include <cmath>
#include <cstdint>
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

Outputs Single(HostTensor tensor) {
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(tensor));
  return outputs;
}

// Before opset 7, binary operators broadcast only with the attribute broadcast=1: B's shape
// then matches a contiguous run of A's dims starting at `axis` (default: A's trailing dims).
// Returns B with its dims padded to A's rank so numpy broadcasting gives that result.
absl::StatusOr<HostTensor> ApplyLegacyBroadcast(const OpCall& call, const HostTensor& a,
                                                const HostTensor& b) {
  HostTensor view = b;
  if (call.opset >= 7 || IntAttribute(call.node, "broadcast", 0) == 0) {
    if (call.opset < 7 && a.dims != b.dims && b.values.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          call.label, ": shapes ", DimsToString(a.dims), " and ", DimsToString(b.dims),
          " differ but attribute 'broadcast' is 0; opsets before 7 broadcast only with "
          "broadcast=1"));
    }
    return view;
  }
  const auto rank_a = static_cast<int64_t>(a.dims.size());
  const auto rank_b = static_cast<int64_t>(b.dims.size());
  const int64_t axis = IntAttribute(call.node, "axis", rank_a - rank_b);
  if (rank_b == 0 || (rank_b == 1 && b.dims[0] == 1)) return view;
  if (axis < 0 || axis + rank_b > rank_a) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": attribute 'axis' = ", axis,
                                                   " places B of shape ", DimsToString(b.dims),
                                                   " outside A of shape ", DimsToString(a.dims)));
  }
  view.dims.assign(static_cast<size_t>(rank_a - axis), 1);
  for (int64_t i = 0; i < rank_b; ++i) view.dims[i] = b.dims[i];
  return view;
}

// Runs a two-input operator whose output has the type `output_type` (kUndefined: the type
// of input 0).
template <typename Fn>
Outputs RunBinary(const OpCall& call, Fn fn, int32_t output_type = kUndefined) {
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* b, RequiredInput(call, 1));
  RETURN_IF_ERROR(CheckNumericInput(call, *a, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *b, 1));
  ASSIGN_OR_RETURN(HostTensor b_view, ApplyLegacyBroadcast(call, *a, *b));
  const int32_t type = output_type == kUndefined ? a->elem_type : output_type;
  ASSIGN_OR_RETURN(HostTensor out, BroadcastBinary(call, *a, b_view, type, fn));
  return Single(std::move(out));
}

absl::Status CheckNoIntegerZero(const OpCall& call) {
  const HostTensor* a = OptionalInput(call, 0);
  const HostTensor* b = OptionalInput(call, 1);
  if (a == nullptr || b == nullptr || !IsIntegerType(a->elem_type)) return absl::OkStatus();
  for (const double value : b->values) {
    if (value == 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat(call.label, ": integer division by zero (input 1 contains 0); integer ",
                       call.node.op_type(), " is undefined for a zero divisor"));
    }
  }
  return absl::OkStatus();
}

Outputs RunDiv(const OpCall& call) {
  RETURN_IF_ERROR(CheckNoIntegerZero(call));
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  if (IsIntegerType(a->elem_type)) {
    // Integer division truncates toward zero, as in C.
    return RunBinary(call, [](double x, double y) {
      return static_cast<double>(ClampToInt64(x) / ClampToInt64(y));
    });
  }
  return RunBinary(call, [](double x, double y) { return x / y; });
}

Outputs RunMod(const OpCall& call) {
  RETURN_IF_ERROR(CheckNoIntegerZero(call));
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  const bool use_fmod = IntAttribute(call.node, "fmod", 0) != 0;
  if (use_fmod) return RunBinary(call, [](double x, double y) { return std::fmod(x, y); });
  if (IsIntegerType(a->elem_type)) {
    // fmod=0: the remainder takes the sign of the divisor, as in Python.
    return RunBinary(call, [](double x, double y) {
      const int64_t divisor = ClampToInt64(y);
      int64_t remainder = ClampToInt64(x) % divisor;
      if (remainder != 0 && ((remainder < 0) != (divisor < 0))) remainder += divisor;
      return static_cast<double>(remainder);
    });
  }
  return RunBinary(call, [](double x, double y) {
    double remainder = std::fmod(x, y);
    if (remainder != 0.0 && ((remainder < 0.0) != (y < 0.0))) remainder += y;
    return remainder;
  });
}

Outputs RunPow(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  if (IsIntegerType(a->elem_type)) {
    // Integer bases: exact for results below 2^53; the result truncates toward zero.
    return RunBinary(call, [](double x, double y) { return std::trunc(std::pow(x, y)); });
  }
  return RunBinary(call, [](double x, double y) { return std::pow(x, y); });
}

Outputs RunBitShift(const OpCall& call) {
  const std::string direction = StringAttribute(call.node, "direction", "");
  if (direction == "LEFT") {
    return RunBinary(call, [](double x, double y) {
      const uint64_t shift = static_cast<uint64_t>(ClampToInt64(y));
      if (shift >= 64) return 0.0;
      // RoundToType then wraps the result to the element width.
      return static_cast<double>(static_cast<uint64_t>(ClampToInt64(x)) << shift);
    });
  }
  if (direction == "RIGHT") {
    return RunBinary(call, [](double x, double y) {
      const uint64_t shift = static_cast<uint64_t>(ClampToInt64(y));
      if (shift >= 64) return 0.0;
      return static_cast<double>(static_cast<uint64_t>(RoundToType(x, kUint64)) >> shift);
    });
  }
  return UnsupportedAttribute(call.node, "direction", absl::StrCat("'", direction, "'"),
                              "use 'LEFT' or 'RIGHT'");
}

// Max, Min, Sum and Mean fold their inputs left to right with broadcasting.
template <typename Fn>
absl::StatusOr<HostTensor> FoldVariadic(const OpCall& call, Fn fn) {
  if (call.inputs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": the operator needs at least one input"));
  }
  ASSIGN_OR_RETURN(const HostTensor* first, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *first, 0));
  HostTensor result = *first;
  // Accumulate in double: round only at the end.
  for (size_t i = 1; i < call.inputs.size(); ++i) {
    ASSIGN_OR_RETURN(const HostTensor* next, RequiredInput(call, i));
    RETURN_IF_ERROR(CheckNumericInput(call, *next, i));
    ASSIGN_OR_RETURN(result, BroadcastBinary(call, result, *next, kDouble, fn));
  }
  result.elem_type = first->elem_type;
  return result;
}

double MaxPropagatingNan(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  return x > y ? x : y;
}

double MinPropagatingNan(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  return x < y ? x : y;
}

Outputs RunVariadic(const OpCall& call) {
  const std::string& op_type = call.node.op_type();
  HostTensor result;
  if (op_type == "Max") {
    ASSIGN_OR_RETURN(result, FoldVariadic(call, MaxPropagatingNan));
  } else if (op_type == "Min") {
    ASSIGN_OR_RETURN(result, FoldVariadic(call, MinPropagatingNan));
  } else {
    ASSIGN_OR_RETURN(result, FoldVariadic(call, [](double x, double y) { return x + y; }));
    if (op_type == "Mean") {
      const auto count = static_cast<double>(call.inputs.size());
      for (double& value : result.values) value /= count;
    }
  }
  RoundTensor(result);
  return Single(std::move(result));
}

Outputs RunWhere(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* condition, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* y, RequiredInput(call, 2));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 1));
  RETURN_IF_ERROR(CheckNumericInput(call, *y, 2));
  const std::vector<int64_t>* shapes[] = {&condition->dims, &x->dims, &y->dims};
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastAllDims(shapes, call.label));
  HostTensor out = MakeTensor(x->elem_type, dims);
  BroadcastCursor condition_cursor(condition->dims, dims);
  BroadcastCursor x_cursor(x->dims, dims);
  BroadcastCursor y_cursor(y->dims, dims);
  for (double& value : out.values) {
    value = condition->values[condition_cursor.offset()] != 0.0 ? x->values[x_cursor.offset()]
                                                                : y->values[y_cursor.offset()];
    condition_cursor.Advance();
    x_cursor.Advance();
    y_cursor.Advance();
  }
  return Single(std::move(out));
}

void Add(OpTable& table, const char* op_type, OpFunction run) {
  table[absl::StrCat("/", op_type)] = OpEntry{run, ""};
}

}  // namespace

void RegisterElementwiseBinaryOps(OpTable& table) {
  // Arithmetic.
  Add(table, "Add",
      [](const OpCall& c) { return RunBinary(c, [](double x, double y) { return x + y; }); });
  Add(table, "Sub",
      [](const OpCall& c) { return RunBinary(c, [](double x, double y) { return x - y; }); });
  Add(table, "Mul",
      [](const OpCall& c) { return RunBinary(c, [](double x, double y) { return x * y; }); });
  Add(table, "Div", RunDiv);
  Add(table, "Mod", RunMod);
  Add(table, "Pow", RunPow);
  Add(table, "BitShift", RunBitShift);

  // Comparison and logic: BOOL outputs.
  Add(table, "Equal", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x == y ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "Greater", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x > y ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "Less", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x < y ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "GreaterOrEqual", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x >= y ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "LessOrEqual", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x <= y ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "And", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x != 0.0 && y != 0.0 ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "Or", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return x != 0.0 || y != 0.0 ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "Xor", [](const OpCall& c) {
    return RunBinary(
        c, [](double x, double y) { return (x != 0.0) != (y != 0.0) ? 1.0 : 0.0; }, kBool);
  });

  // Variadic and selection.
  Add(table, "Max", RunVariadic);
  Add(table, "Min", RunVariadic);
  Add(table, "Sum", RunVariadic);
  Add(table, "Mean", RunVariadic);
  Add(table, "Where", RunWhere);
}

}  // namespace soma::onnx_ops
