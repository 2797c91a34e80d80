// reduction_ops.cc: Reduce* operators, ArgMax, ArgMin and CumSum. RegisterReductionOps also
// registers the normalisation operators of normalization_ops.cc.
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

void RegisterNormalizationOps(OpTable& table);

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

ReduceKind KindOf(const std::string& op_type) {
  if (op_type == "ReduceMean") return ReduceKind::kMean;
  if (op_type == "ReduceMax") return ReduceKind::kMax;
  if (op_type == "ReduceMin") return ReduceKind::kMin;
  if (op_type == "ReduceProd") return ReduceKind::kProd;
  if (op_type == "ReduceL1") return ReduceKind::kL1;
  if (op_type == "ReduceL2") return ReduceKind::kL2;
  if (op_type == "ReduceLogSum") return ReduceKind::kLogSum;
  if (op_type == "ReduceLogSumExp") return ReduceKind::kLogSumExp;
  if (op_type == "ReduceSumSquare") return ReduceKind::kSumSquare;
  return ReduceKind::kSum;
}

double InitialValue(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::kMax:
      return -std::numeric_limits<double>::infinity();
    case ReduceKind::kMin:
      return std::numeric_limits<double>::infinity();
    case ReduceKind::kProd:
      return 1.0;
    default:
      return 0.0;
  }
}

double Accumulate(ReduceKind kind, double accumulator, double x) {
  switch (kind) {
    case ReduceKind::kMax:
      return std::isnan(x) || x > accumulator ? x : accumulator;
    case ReduceKind::kMin:
      return std::isnan(x) || x < accumulator ? x : accumulator;
    case ReduceKind::kProd:
      return accumulator * x;
    case ReduceKind::kL1:
      return accumulator + std::fabs(x);
    case ReduceKind::kL2:
    case ReduceKind::kSumSquare:
      return accumulator + x * x;
    case ReduceKind::kLogSumExp:
      return accumulator + std::exp(x);
    default:
      return accumulator + x;
  }
}

double Finish(ReduceKind kind, double accumulator, int64_t count) {
  switch (kind) {
    case ReduceKind::kMean:
      return accumulator / static_cast<double>(count);
    case ReduceKind::kL2:
      return std::sqrt(accumulator);
    case ReduceKind::kLogSum:
    case ReduceKind::kLogSumExp:
      return std::log(accumulator);
    default:
      return accumulator;
  }
}

// The reduction axes: the attribute before the opset in which they became input 1 (13 for
// ReduceSum, 18 for the others), the input from then on.
absl::StatusOr<std::optional<std::vector<int64_t>>> ReduceAxes(const OpCall& call) {
  const int64_t input_opset = call.node.op_type() == "ReduceSum" ? 13 : 18;
  if (call.opset < input_opset) return IntsAttribute(call.node, "axes");
  if (OptionalInput(call, 1) == nullptr) return std::optional<std::vector<int64_t>>();
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, InputAsInt64s(call, 1));
  return std::optional<std::vector<int64_t>>(std::move(axes));
}

Outputs RunReduce(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  const ReduceKind kind = KindOf(call.node.op_type());
  const bool keep_dims = IntAttribute(call.node, "keepdims", 1) != 0;
  const bool noop_with_empty_axes = IntAttribute(call.node, "noop_with_empty_axes", 0) != 0;
  ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> axes, ReduceAxes(call));
  const auto rank = static_cast<int64_t>(x->dims.size());

  // Step 1: which axes reduce. No axes (or an empty list) means all, unless
  // noop_with_empty_axes requests the input unchanged.
  std::vector<bool> reduced(static_cast<size_t>(rank), true);
  if (axes.has_value() && !axes->empty()) {
    ASSIGN_OR_RETURN(reduced, AxisFlags(call, *axes, rank));
  } else if (noop_with_empty_axes) {
    return std::vector<HostTensor>{*x};
  }

  // Step 2: the output shape with reduced axes kept as 1, and the final shape.
  std::vector<int64_t> kept_dims = x->dims;
  std::vector<int64_t> out_dims;
  for (int64_t axis = 0; axis < rank; ++axis) {
    if (reduced[axis]) {
      kept_dims[axis] = 1;
      if (keep_dims) out_dims.push_back(1);
    } else {
      out_dims.push_back(x->dims[axis]);
    }
  }

  // Step 3: one pass over the input; each element goes to its output slot.
  HostTensor out = MakeTensor(x->elem_type, out_dims);
  std::fill(out.values.begin(), out.values.end(), InitialValue(kind));
  BroadcastCursor cursor(kept_dims, x->dims);
  for (const double value : x->values) {
    double& slot = out.values[cursor.offset()];
    slot = Accumulate(kind, slot, value);
    cursor.Advance();
  }
  const int64_t count = out.values.empty() ? 0 : x->ElementCount() / DimsProduct(kept_dims);
  for (double& value : out.values) value = Finish(kind, value, count);
  RoundTensor(out);
  return SingleOutput(std::move(out));
}

Outputs RunArgExtreme(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  const bool is_max = call.node.op_type() == "ArgMax";
  const bool keep_dims = IntAttribute(call.node, "keepdims", 1) != 0;
  const bool select_last = IntAttribute(call.node, "select_last_index", 0) != 0;
  const auto rank = static_cast<int64_t>(x->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", 0), rank));

  const AxisSplit split = SplitAtAxis(x->dims, axis);
  std::vector<int64_t> out_dims = x->dims;
  if (keep_dims) {
    out_dims[axis] = 1;
  } else {
    out_dims.erase(out_dims.begin() + axis);
  }
  HostTensor out = MakeTensor(kInt64, out_dims);

  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t inner = 0; inner < split.inner; ++inner) {
      const double* base = x->values.data() + outer * split.axis * split.inner + inner;
      int64_t best = 0;
      for (int64_t k = 1; k < split.axis; ++k) {
        const double candidate = base[k * split.inner];
        const double current = base[best * split.inner];
        const bool better = is_max ? candidate > current : candidate < current;
        if (better || (select_last && candidate == current)) best = k;
      }
      out.values[outer * split.inner + inner] = static_cast<double>(best);
    }
  }
  return SingleOutput(std::move(out));
}

Outputs RunCumSum(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  ASSIGN_OR_RETURN(const int64_t axis_value, InputAsInt64Scalar(call, 1));
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, axis_value, static_cast<int64_t>(x->dims.size())));
  const bool exclusive = IntAttribute(call.node, "exclusive", 0) != 0;
  const bool reverse = IntAttribute(call.node, "reverse", 0) != 0;
  const AxisSplit split = SplitAtAxis(x->dims, axis);
  HostTensor out = MakeTensor(x->elem_type, x->dims);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t inner = 0; inner < split.inner; ++inner) {
      const int64_t base = outer * split.axis * split.inner + inner;
      double running = 0.0;
      for (int64_t step = 0; step < split.axis; ++step) {
        const int64_t k = reverse ? split.axis - 1 - step : step;
        const int64_t index = base + k * split.inner;
        if (exclusive) {
          out.values[index] = running;
          running += x->values[index];
        } else {
          running += x->values[index];
          out.values[index] = running;
        }
      }
    }
  }
  RoundTensor(out);
  return SingleOutput(std::move(out));
}

}  // namespace

void RegisterReductionOps(OpTable& table) {
  for (const char* op_type :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
    table[absl::StrCat("/", op_type)] = {RunReduce, ""};
  }
  table["/ArgMax"] = {RunArgExtreme, ""};
  table["/ArgMin"] = {RunArgExtreme, ""};
  table["/CumSum"] = {RunCumSum, ""};
  RegisterNormalizationOps(table);
}

}  // namespace soma::onnx_ops
