// legacy_forms.cc: opset-6 broadcasting of the binary arithmetic operators.
#include "importer/legacy_forms.h"

#include "absl/strings/str_cat.h"

namespace soma::importer {

namespace {

bool IsLegacyBinary(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div";
}

// The dims of an input value, constant or activation; nullopt when it is unknown.
std::optional<std::vector<int64_t>> ValueDims(const LoweringContext& context,
                                              const std::string& name) {
  if (const ConstantTensor* constant = context.FindConstant(name)) return constant->dims;
  if (const ActivationValue* activation = context.FindActivation(name)) return activation->dims;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<const onnx::NodeProto*> RewriteLegacyNode(const NodeScope& scope,
                                                         LoweringContext& context) {
  if (context.opset() >= 7 || !IsLegacyBinary(scope.node) || scope.node.input_size() != 2) {
    return nullptr;
  }
  const bool has_legacy_attribute = scope.attributes.Has("broadcast") ||
                                    scope.attributes.Has("axis") ||
                                    scope.attributes.Has("consumed_inputs");
  if (!has_legacy_attribute) return nullptr;
  auto broadcast = scope.attributes.Int("broadcast", 0);
  if (!broadcast.ok()) return broadcast.status();
  onnx::NodeProto node = scope.node;
  node.clear_attribute();
  if (*broadcast == 1 && scope.attributes.Has("axis")) {
    const std::optional<std::vector<int64_t>> a = ValueDims(context, scope.node.input(0));
    const std::optional<std::vector<int64_t>> b = ValueDims(context, scope.node.input(1));
    if (!a || !b) return nullptr;  // The regular lowering reports the unknown input.
    auto axis = scope.attributes.Int("axis", 0);
    if (!axis.ok()) return axis.status();
    const int64_t rank = static_cast<int64_t>(a->size());
    const int64_t start = *axis < 0 ? *axis + rank : *axis;
    const int64_t trailing = rank - start - static_cast<int64_t>(b->size());
    if (start < 0 || trailing < 0) {
      return scope.attributes.InvalidValue(
          "axis", absl::StrCat(*axis),
          absl::StrCat("B ", DimsToString(*b), " does not fit into A ", DimsToString(*a),
                       " from that axis on"));
    }
    std::vector<int64_t> aligned = *b;
    aligned.insert(aligned.end(), trailing, 1);
    const std::string aligned_name = absl::StrCat(scope.node.input(1), "_aligned_", scope.name);
    if (const ConstantTensor* constant = context.FindConstant(scope.node.input(1))) {
      ConstantTensor reshaped = *constant;
      reshaped.dims = aligned;
      context.AddConstant(aligned_name, std::move(reshaped));
    } else {
      const ActivationValue* activation = context.FindActivation(scope.node.input(1));
      context.AddMaterialisedValue(aligned_name, activation->tensor, aligned,
                                   activation->elem_type);
    }
    node.set_input(1, aligned_name);
  }
  return &context.OwnNode(std::move(node));
}

}  // namespace soma::importer
