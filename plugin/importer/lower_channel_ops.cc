// lower_channel_ops.cc: operators along the channel axis: Concat, Softmax, LogSoftmax, LRN.
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/shape_rules.h"

namespace soma::importer {

namespace {

// The ONNX axis that the canonical layout maps to C: 1 for rank 2 and above, 0 for rank 1.
int64_t ChannelAxis(size_t rank) { return rank >= 2 ? 1 : 0; }

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
  std::vector<graph::TensorId> inputs;
  for (int index = 0; index < scope.node.input_size(); ++index) {
    const std::string& name = scope.node.input(index);
    if (const ConstantTensor* constant = context.FindConstant(name)) {
      operand_dims.push_back(constant->dims);
      const std::optional<graph::Shape> shape = CanonicalShape(constant->dims);
      if (!shape) {
        return absl::UnimplementedError(absl::StrCat(scope.label, ": constant input '", name,
                                                     "' has rank above 4, which is not supported"));
      }
      inputs.push_back(context.ConstantGraphTensor(name, *shape, constant->ToGraphData()));
      continue;
    }
    auto activation = context.ActivationInput(scope, index);
    if (!activation.ok()) return activation.status();
    operand_dims.push_back(activation->dims);
    inputs.push_back(activation->tensor);
  }
  const size_t rank = operand_dims[0].size();
  auto axis_attribute = scope.attributes.Int("axis", 1);
  if (!axis_attribute.ok()) return axis_attribute.status();
  auto axis = NormalizedAxis(scope, *axis_attribute, rank);
  if (!axis.ok()) return axis.status();
  if (*axis != ChannelAxis(rank) || rank > 4) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": concatenation along axis ", *axis_attribute, " of rank-", rank,
        " tensors is not supported; only the channel axis (axis ", ChannelAxis(rank),
        ") is"));
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
  int64_t trailing_count = 1;
  for (size_t index = ChannelAxis(dims.size()) + 1; index < dims.size(); ++index) {
    trailing_count *= dims[index];
  }
  // Before opset 13 the op flattens [d0 .. d(axis-1)] x [d(axis) ..]; over the channel axis
  // that equals a channel softmax only when nothing follows the channels.
  if (*axis != ChannelAxis(dims.size()) || (flattening && trailing_count != 1)) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": ", scope.node.op_type(), " over axis ", *axis_attribute, " of ",
        DimsToString(dims), " at opset ", context.opset(),
        " is not a softmax along channels; only axis ", ChannelAxis(dims.size()),
        flattening ? " with no extent after the channels (H = W = 1)" : "",
        " is supported"));
  }
  graph::SoftmaxParams params;
  params.log = scope.node.op_type() == "LogSoftmax";
  return AddChannelLayer(scope, context, graph::LayerKind::kSoftmax, params, {input->tensor},
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
  return AddChannelLayer(scope, context, graph::LayerKind::kLrn, params, {input->tensor},
                         input->dims);
}

}  // namespace soma::importer
