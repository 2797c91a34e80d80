// view_shapes.cc: shape rules of Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout.
#include "importer/view_shapes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace soma::importer {

namespace {

// Whether a constant Reshape target fixes the batch the model was exported with while the
// graph inputs were rebound to another batch: the target's first extent differs from the
// input's, and the elements per batch entry agree.
bool FollowsReboundBatch(const LoweringContext& context, const std::vector<int64_t>& input_dims,
                         const std::vector<int64_t>& dims) {
  if (!context.rebound_batch() || input_dims.empty() || dims.empty()) return false;
  if (input_dims[0] != *context.rebound_batch() || dims[0] <= 0 || dims[0] == input_dims[0]) {
    return false;
  }
  const int64_t per_entry_input = DimsElementCount(input_dims) / input_dims[0];
  int64_t per_entry_target = 1;
  for (size_t axis = 1; axis < dims.size(); ++axis) per_entry_target *= dims[axis];
  return dims[0] == 1 && per_entry_input == per_entry_target;
}

absl::StatusOr<std::vector<int64_t>> ReshapeDims(const NodeScope& scope,
                                                 const LoweringContext& context,
                                                 const std::vector<int64_t>& input_dims) {
  auto shape = context.ConstantInput(scope, 1, "shape");
  if (!shape.ok()) return shape.status();
  auto allow_zero = scope.attributes.Int("allowzero", 0);
  if (!allow_zero.ok()) return allow_zero.status();
  std::vector<int64_t> dims = (*shape)->ToInt64();
  int inferred_axis = -1;
  int64_t known_count = 1;
  for (size_t axis = 0; axis < dims.size(); ++axis) {
    if (dims[axis] == 0 && *allow_zero == 0) {
      if (axis >= input_dims.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            scope.label, ": shape ", DimsToString((*shape)->ToInt64()), " copies dimension ",
            axis, " (0), but the input ", DimsToString(input_dims), " has rank ",
            input_dims.size()));
      }
      dims[axis] = input_dims[axis];
    }
    if (dims[axis] == -1) {
      if (inferred_axis >= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            scope.label, ": shape ", DimsToString((*shape)->ToInt64()),
            " has more than one -1; at most one dimension can be inferred"));
      }
      inferred_axis = static_cast<int>(axis);
      continue;
    }
    if (dims[axis] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(scope.label, ": shape ",
                                                     DimsToString((*shape)->ToInt64()),
                                                     " has the negative extent ", dims[axis]));
    }
    known_count *= dims[axis];
  }
  const int64_t input_count = DimsElementCount(input_dims);
  if (inferred_axis >= 0) {
    if (known_count == 0 || input_count % known_count != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          scope.label, ": cannot reshape ", DimsToString(input_dims), " (", input_count,
          " elements) to ", DimsToString((*shape)->ToInt64())));
    }
    dims[inferred_axis] = input_count / known_count;
  } else if (known_count != input_count && FollowsReboundBatch(context, input_dims, dims)) {
    // The exporter wrote the original batch into the target (e.g. [1, 2048]); with the
    // batch rebound, the first dimension follows the input's.
    dims[0] = input_dims[0];
  } else if (known_count != input_count) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": cannot reshape ", DimsToString(input_dims), " (", input_count,
        " elements) to ", DimsToString(dims), " (", known_count, " elements)"));
  }
  return dims;
}

absl::StatusOr<std::vector<int64_t>> FlattenDims(const NodeScope& scope,
                                                 const std::vector<int64_t>& input_dims) {
  const int64_t rank = static_cast<int64_t>(input_dims.size());
  auto axis = scope.attributes.Int("axis", 1);
  if (!axis.ok()) return axis.status();
  if (*axis < -rank || *axis > rank) {
    return scope.attributes.InvalidValue(
        "axis", absl::StrCat(*axis), absl::StrCat("expected a value in [", -rank, ", ", rank,
                                                  "] for an input of rank ", rank));
  }
  const int64_t split = *axis < 0 ? *axis + rank : *axis;
  int64_t outer = 1;
  int64_t inner = 1;
  for (int64_t index = 0; index < rank; ++index) {
    (index < split ? outer : inner) *= input_dims[index];
  }
  return std::vector<int64_t>{outer, inner};
}

// Squeeze and Unsqueeze axes: an attribute before opset 13, an optional input from 13 on.
absl::StatusOr<std::vector<int64_t>> ReadAxes(const NodeScope& scope,
                                              const LoweringContext& context) {
  if (context.opset() < 13) return scope.attributes.Ints("axes", {});
  if (!LoweringContext::HasInput(scope, 1)) return std::vector<int64_t>{};
  auto axes = context.ConstantInput(scope, 1, "axes");
  if (!axes.ok()) return axes.status();
  return (*axes)->ToInt64();
}

absl::StatusOr<std::vector<int64_t>> SqueezeDims(const NodeScope& scope,
                                                 const LoweringContext& context,
                                                 const std::vector<int64_t>& input_dims) {
  auto axes = ReadAxes(scope, context);
  if (!axes.ok()) return axes.status();
  const int64_t rank = static_cast<int64_t>(input_dims.size());
  std::vector<bool> remove(rank, false);
  for (int64_t axis : *axes) {
    const int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized < 0 || normalized >= rank || input_dims[normalized] != 1) {
      return scope.attributes.InvalidValue(
          "axes", DimsToString(*axes),
          absl::StrCat("axis ", axis, " is not a dimension of extent 1 in ",
                       DimsToString(input_dims)));
    }
    remove[normalized] = true;
  }
  std::vector<int64_t> dims;
  for (int64_t index = 0; index < rank; ++index) {
    const bool squeezed = axes->empty() ? input_dims[index] == 1 : remove[index];
    if (!squeezed) dims.push_back(input_dims[index]);
  }
  return dims;
}

absl::StatusOr<std::vector<int64_t>> UnsqueezeDims(const NodeScope& scope,
                                                   const LoweringContext& context,
                                                   const std::vector<int64_t>& input_dims) {
  auto axes = ReadAxes(scope, context);
  if (!axes.ok()) return axes.status();
  const int64_t rank = static_cast<int64_t>(input_dims.size() + axes->size());
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    const int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized < 0 || normalized >= rank || inserted[normalized]) {
      return scope.attributes.InvalidValue(
          "axes", DimsToString(*axes),
          absl::StrCat("each axis must be distinct and lie in [", -rank, ", ", rank - 1, "]"));
    }
    inserted[normalized] = true;
  }
  std::vector<int64_t> dims;
  size_t next_input = 0;
  for (int64_t index = 0; index < rank; ++index) {
    dims.push_back(inserted[index] ? 1 : input_dims[next_input++]);
  }
  return dims;
}

}  // namespace

bool IsViewOperator(std::string_view op_type) {
  return op_type == "Reshape" || op_type == "Flatten" || op_type == "Squeeze" ||
         op_type == "Unsqueeze" || op_type == "Identity" || op_type == "Dropout";
}

absl::StatusOr<std::vector<int64_t>> ViewOutputDims(const NodeScope& scope,
                                                    const LoweringContext& context,
                                                    const std::vector<int64_t>& input_dims) {
  const std::string& op = scope.node.op_type();
  if (op == "Reshape") return ReshapeDims(scope, context, input_dims);
  if (op == "Flatten") return FlattenDims(scope, input_dims);
  if (op == "Squeeze") return SqueezeDims(scope, context, input_dims);
  if (op == "Unsqueeze") return UnsqueezeDims(scope, context, input_dims);
  return input_dims;
}

}  // namespace soma::importer
