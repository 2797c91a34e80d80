// lower_channel_ops.cc: operators along the canonical channel axis (see ChannelAxis):
// Concat, Softmax, LogSoftmax, LRN. Other axes return Unimplemented and become tensor
// operations.
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"

namespace soma::importer {

namespace {

absl::StatusOr<int64_t> NormalizedAxis(const NodeScope& scope, int64_t axis, size_t rank) {
  const int64_t signed_rank = static_cast<int64_t>(rank);
  if (axis < -signed_rank || axis >= signed_rank) {
    return scope.attributes.InvalidValue(
        "axis", absl::StrCat(axis),
        absl::StrCat("expected a value in [", -signed_rank, ", ", signed_rank - 1,
                     "] for an input of rank ", rank));
  }
  return axis < 0 ? axis + signed_rank : axis;
}

absl::StatusOr<NodeOutcome> AddChannelLayer(const NodeScope& scope, LoweringContext& context,
                                            graph::LayerKind kind, graph::LayerParams params,
                                            std::vector<graph::TensorId> inputs,
                                            const std::vector<int64_t>& output_dims) {
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = kind;
  layer.params = std::move(params);
  layer.inputs = std::move(inputs);
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), output_dims);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerConcat(const NodeScope& scope, LoweringContext& context) {
  if (scope.node.input_size() < 1) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": Concat has no inputs"));
  }
  if (!scope.attributes.Has("axis")) {
    return absl::InvalidArgumentError(
        absl::StrCat(scope.label, ": the required attribute 'axis' is missing"));
  }
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
          scope.label, ": input '", name, "' is not float; concat layers copy fp32 data"));
    }
    operand_dims.push_back(activation->dims);
  }
  const size_t rank = operand_dims[0].size();
  auto axis_attribute = scope.attributes.Int("axis", 1);
  if (!axis_attribute.ok()) return axis_attribute.status();
  auto axis = NormalizedAxis(scope, *axis_attribute, rank);
  if (!axis.ok()) return axis.status();
  const std::optional<int64_t> channel_axis = ChannelAxis(rank);
  if (!channel_axis || *axis != *channel_axis) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": concatenation along axis ", *axis_attribute, " of rank-", rank,
        " tensors is not along the canonical channel axis"));
  }
  std::vector<int64_t> output_dims = operand_dims[0];
  output_dims[*axis] = 0;
  for (size_t index = 0; index < operand_dims.size(); ++index) {
    std::vector<int64_t> expected = operand_dims[0];
    expected[*axis] = operand_dims[index][*axis];
    if (operand_dims[index] != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          scope.label, ": input ", index, " '", scope.node.input(index), "' has shape ",
          DimsToString(operand_dims[index]), ", which differs from input 0 ",
          DimsToString(operand_dims[0]), " outside axis ", *axis));
    }
    output_dims[*axis] += operand_dims[index][*axis];
  }
  std::vector<graph::TensorId> inputs;
  for (int index = 0; index < scope.node.input_size(); ++index) {
    const std::string& name = scope.node.input(index);
    if (const ConstantTensor* constant = context.FindConstant(name)) {
      inputs.push_back(context.ConstantGraphTensor(name, CanonicalShape(constant->dims),
                                                   constant->ToGraphData()));
      continue;
    }
    auto operand = CanonicalOperand(scope, context, name);
    if (!operand.ok()) return operand.status();
    inputs.push_back(operand->tensor);
  }
  return AddChannelLayer(scope, context, graph::LayerKind::kConcat, graph::ConcatParams{},
                         std::move(inputs), output_dims);
}

absl::StatusOr<NodeOutcome> LowerSoftmax(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  const std::vector<int64_t>& dims = input->dims;
  const bool flattening = context.opset() < 13;
  auto axis_attribute = scope.attributes.Int("axis", flattening ? 1 : -1);
  if (!axis_attribute.ok()) return axis_attribute.status();
  auto axis = NormalizedAxis(scope, *axis_attribute, dims.size());
  if (!axis.ok()) return axis.status();
  const std::optional<int64_t> channel_axis = ChannelAxis(dims.size());
  int64_t trailing_count = 1;
  for (size_t index = channel_axis.value_or(0) + 1; index < dims.size(); ++index) {
    trailing_count *= dims[index];
  }
  // Before opset 13 the op flattens [d0 .. d(axis-1)] x [d(axis) ..]; over the channel axis
  // that equals a channel softmax only when nothing follows the channels.
  if (!channel_axis || *axis != *channel_axis || (flattening && trailing_count != 1) ||
      input->elem_type != onnx::TensorProto::FLOAT) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": ", scope.node.op_type(), " over axis ", *axis_attribute, " of ",
        DimsToString(dims), " at opset ", context.opset(),
        " is not a softmax along the canonical channel axis"));
  }
  auto operand = CanonicalOperand(scope, context, scope.node.input(0));
  if (!operand.ok()) return operand.status();
  graph::SoftmaxParams params;
  params.log = scope.node.op_type() == "LogSoftmax";
  return AddChannelLayer(scope, context, graph::LayerKind::kSoftmax, params, {operand->tensor},
                         dims);
}

absl::StatusOr<NodeOutcome> LowerLrn(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  if (!scope.attributes.Has("size")) {
    return absl::InvalidArgumentError(
        absl::StrCat(scope.label, ": the required attribute 'size' is missing"));
  }
  graph::LrnParams params;
  auto size = scope.attributes.Int("size", 1);
  if (!size.ok()) return size.status();
  if (*size < 1) {
    return scope.attributes.InvalidValue("size", absl::StrCat(*size), "it must be positive");
  }
  auto alpha = scope.attributes.Float("alpha", 1e-4f);
  if (!alpha.ok()) return alpha.status();
  auto beta = scope.attributes.Float("beta", 0.75f);
  if (!beta.ok()) return beta.status();
  auto bias = scope.attributes.Float("bias", 1.0f);
  if (!bias.ok()) return bias.status();
  params.size = *size;
  params.alpha = *alpha;
  params.beta = *beta;
  params.bias = *bias;
  if (input->dims.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": input '", scope.node.input(0),
                                                   "' has shape ", DimsToString(input->dims),
                                                   "; LRN needs rank 2 or more"));
  }
  if (input->dims.size() != 2 && input->dims.size() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input '", scope.node.input(0), "' has shape ", DimsToString(input->dims),
        "; only ranks 2 and 4 keep ONNX axis 1 as the canonical channel axis"));
  }
  auto operand = CanonicalOperand(scope, context, scope.node.input(0));
  if (!operand.ok()) return operand.status();
  return AddChannelLayer(scope, context, graph::LayerKind::kLrn, params, {operand->tensor},
                         input->dims);
}

}  // namespace soma::importer
