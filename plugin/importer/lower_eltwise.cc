// lower_eltwise.cc: Add, Mul, Sum, Sub and Div with numpy broadcasting. A constant
// per-channel Add or Mul, or Sub or Div by a constant (as Add of -c or Mul by 1/c), right
// after a Conv or fully connected layer folds into its epilogue. Other Add, Mul and Sum
// become a kEltwise layer whose constant operands are constant tensors of the graph, when
// the broadcast is expressible on canonical shapes; the rest returns Unimplemented and
// becomes a tensor operation.
#include "absl/strings/str_cat.h"
#include "importer/epilogue_folding.h"
#include "importer/op_lowering.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"

namespace soma::importer {

namespace {

// The per-channel values of `constant` when it broadcasts over `dims` along the channel axis
// only (shape [C] aligned to the channel axis, or a single value). Nullopt otherwise.
std::optional<std::vector<float>> PerChannelValues(const std::vector<int64_t>& dims,
                                                   const ConstantTensor& constant) {
  if (constant.dims.size() > dims.size()) return std::nullopt;
  const std::optional<std::vector<int64_t>> broadcast = BroadcastDims(dims, constant.dims);
  if (!broadcast || *broadcast != dims) return std::nullopt;
  const graph::Shape shape = CanonicalShape(AlignToRank(constant.dims, dims.size()));
  const graph::Shape data_shape = CanonicalShape(dims);
  if (shape[graph::kN] != 1 || shape[graph::kH] != 1 || shape[graph::kW] != 1) {
    return std::nullopt;
  }
  const int64_t channels = data_shape[graph::kC];
  std::vector<float> values(channels);
  for (int64_t k = 0; k < channels; ++k) {
    values[k] = static_cast<float>(constant.At(shape[graph::kC] == 1 ? 0 : k));
  }
  return values;
}

// Folds `activation op constant` into the producer's epilogue when the pattern allows it.
std::optional<NodeOutcome> TryFoldChannelConstant(const NodeScope& scope,
                                                  LoweringContext& context) {
  if (scope.node.op_type() == "Sum" || scope.node.input_size() != 2) return std::nullopt;
  const ActivationValue* activation = context.FindActivation(scope.node.input(0));
  const ConstantTensor* constant = context.FindConstant(scope.node.input(1));
  int activation_input = 0;
  if (activation == nullptr || constant == nullptr) {
    activation = context.FindActivation(scope.node.input(1));
    constant = context.FindConstant(scope.node.input(0));
    activation_input = 1;
  }
  if (activation == nullptr || constant == nullptr) return std::nullopt;
  const std::string& op = scope.node.op_type();
  // x - c and x / c fold; c - x and c / x do not.
  if ((op == "Sub" || op == "Div") && activation_input != 0) return std::nullopt;
  std::optional<std::vector<float>> values = PerChannelValues(activation->dims, *constant);
  if (!values) return std::nullopt;
  for (float& value : *values) {
    if (op == "Sub") value = -value;
    if (op == "Div") {
      if (value == 0.0f) return std::nullopt;
      value = 1.0f / value;
    }
  }
  const std::string& input_name = scope.node.input(activation_input);
  const std::optional<graph::LayerId> target = AffineFoldTarget(context, input_name);
  if (!target) return std::nullopt;
  ChannelAffine affine;
  (op == "Add" || op == "Sub" ? affine.bias : affine.scale) = *values;
  return FoldAffine(scope, context, *target, input_name, affine);
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerEltwise(const NodeScope& scope, LoweringContext& context) {
  const std::string& op = scope.node.op_type();
  if (scope.node.input_size() < 1 || (op != "Sum" && scope.node.input_size() != 2)) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": expected ",
                                                   op == "Sum" ? "at least 1" : "2",
                                                   " inputs, found ", scope.node.input_size()));
  }
  // Step 1: every operand must be known; at least one is an activation (the driver folds
  // all-constant nodes before they get here).
  std::vector<std::vector<int64_t>> operand_dims;
  for (int index = 0; index < scope.node.input_size(); ++index) {
    const std::string& name = scope.node.input(index);
    if (const ConstantTensor* constant = context.FindConstant(name)) {
      operand_dims.push_back(constant->dims);
      continue;
    }
    auto activation = context.ActivationInput(scope, index);
    if (!activation.ok()) return activation.status();
    if (activation->elem_type != onnx::TensorProto::FLOAT) {
      return absl::UnimplementedError(absl::StrCat(
          scope.label, ": operand '", name, "' is not float; eltwise layers compute in fp32"));
    }
    operand_dims.push_back(activation->dims);
  }
  std::vector<int64_t> output_dims = operand_dims[0];
  for (size_t index = 1; index < operand_dims.size(); ++index) {
    const auto broadcast = BroadcastDims(output_dims, operand_dims[index]);
    if (!broadcast) {
      return absl::InvalidArgumentError(absl::StrCat(
          scope.label, ": operand shapes ", DimsToString(output_dims), " and ",
          DimsToString(operand_dims[index]), " do not broadcast"));
    }
    output_dims = *broadcast;
  }

  // Step 2: Sum of one operand is a view; a per-channel constant may fold.
  if (scope.node.input_size() == 1) {
    context.AliasValue(scope.node.input(0), scope.node.output(0), output_dims);
    return NodeOutcome{PlacementKind::kFolded, -1,
                       absl::StrCat("view of tensor '", scope.node.input(0), "'")};
  }
  if (std::optional<NodeOutcome> folded = TryFoldChannelConstant(scope, context)) return *folded;
  if (op == "Sub" || op == "Div") {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": ", op, " folds only as a constant per-channel step into a Conv or "
        "fully connected producer; otherwise it is a tensor operation"));
  }
  for (size_t index = 0; index < operand_dims.size(); ++index) {
    if (!CanonicalBroadcastMatches(operand_dims[index], output_dims)) {
      return absl::UnimplementedError(absl::StrCat(
          scope.label, ": operand '", scope.node.input(index), "' with shape ",
          DimsToString(operand_dims[index]), " broadcasts to ", DimsToString(output_dims),
          " across merged canonical dimensions; an eltwise layer cannot express it"));
    }
  }

  // Step 3: a kEltwise layer; every operand must sit in the canonical layout of the
  // output's rank so that broadcasting in NCHW matches ONNX broadcasting.
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kEltwise;
  layer.params = graph::EltwiseParams{op == "Mul" ? graph::EltwiseKind::kMul
                                                  : graph::EltwiseKind::kAdd};
  for (int index = 0; index < scope.node.input_size(); ++index) {
    const std::string& name = scope.node.input(index);
    const std::vector<int64_t> aligned = AlignToRank(operand_dims[index], output_dims.size());
    const graph::Shape shape = CanonicalShape(aligned);
    if (const ConstantTensor* constant = context.FindConstant(name)) {
      layer.inputs.push_back(context.ConstantGraphTensor(name, shape, constant->ToGraphData()));
      continue;
    }
    // The operand is read in the canonical layout of the output's rank.
    std::string operand_name = name;
    if (aligned.size() != operand_dims[index].size()) {
      const ActivationValue* activation = context.FindActivation(name);
      operand_name = absl::StrCat(name, "_rank", aligned.size());
      context.AddMaterialisedValue(operand_name, activation->tensor, aligned,
                                   activation->elem_type);
    }
    auto operand = CanonicalOperand(scope, context, operand_name);
    if (!operand.ok()) return operand.status();
    layer.inputs.push_back(operand->tensor);
  }
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), output_dims);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

}  // namespace soma::importer
