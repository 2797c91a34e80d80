// pattern_lowering.cc: lowering a found layer normalization or GELU pattern as one unit.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "importer/patterns.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"

namespace soma::importer {

namespace {

NodeScope ScopeOf(const LoweringContext& context, int node_index) {
  const onnx::NodeProto& node = context.onnx_graph().node(node_index);
  return NodeScope{node, node_index, context.NodeName(node_index), context.NodeLabel(node_index),
                   NodeAttributes(node, context.NodeLabel(node_index))};
}

absl::StatusOr<std::vector<NodeOutcome>> LowerMembersOneByOne(const FusedPattern& pattern,
                                                               LoweringContext& context,
                                                               LoweringFunction lower_node) {
  std::vector<NodeOutcome> outcomes;
  for (int member : pattern.nodes) {
    const NodeScope scope = ScopeOf(context, member);
    auto outcome = lower_node(scope, context);
    if (!outcome.ok()) return outcome.status();
    outcomes.push_back(*outcome);
  }
  return outcomes;
}

// Outcomes when the last member became layer `layer` and the others folded into it.
std::vector<NodeOutcome> FoldedIntoLast(const FusedPattern& pattern,
                                        const LoweringContext& context, int layer,
                                        NodeOutcome last) {
  std::vector<NodeOutcome> outcomes;
  const char* kind = pattern.kind == FusedPatternKind::kLayerNormalization ? "LayerNormalization"
                                                                           : "GELU";
  const std::string detail =
      absl::StrCat("folded into ", kind, " '", context.NodeName(pattern.last_node), "'");
  for (int member : pattern.nodes) {
    outcomes.push_back(member == pattern.last_node
                           ? last
                           : NodeOutcome{PlacementKind::kFolded, layer, detail});
  }
  return outcomes;
}

std::vector<std::string> Origins(const FusedPattern& pattern, const LoweringContext& context) {
  std::vector<std::string> origins = {context.NodeName(pattern.last_node)};
  for (int member : pattern.nodes) {
    if (member != pattern.last_node) origins.push_back(context.NodeName(member));
  }
  return origins;
}

// True when the ReduceMean node reduces exactly the last axis of a rank-`rank` input.
bool ReducesLastAxis(const LoweringContext& context, const onnx::NodeProto& node, size_t rank) {
  std::vector<int64_t> axes;
  bool found = false;
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() != "axes") continue;
    axes.assign(attribute.ints().begin(), attribute.ints().end());
    found = true;
  }
  if (!found && node.input_size() > 1 && !node.input(1).empty()) {
    const ConstantTensor* constant = context.FindConstant(node.input(1));
    if (constant == nullptr) return false;
    axes = constant->ToInt64();
  }
  if (axes.size() != 1 || rank == 0) return false;
  return axes[0] == -1 || axes[0] == static_cast<int64_t>(rank) - 1;
}

// A constant of `extent` elements as a rank-1 constant; returns its value name or "".
std::string VectorConstant(LoweringContext& context, const std::string& name, int64_t extent) {
  const ConstantTensor* constant = context.FindConstant(name);
  if (constant == nullptr || constant->ElementCount() != extent) return "";
  if (constant->dims == std::vector<int64_t>{extent}) return name;
  ConstantTensor vector = *constant;
  vector.dims = {extent};
  const std::string vector_name = absl::StrCat(name, "_vector");
  context.AddConstant(vector_name, std::move(vector));
  return vector_name;
}

absl::StatusOr<std::vector<NodeOutcome>> LowerLayerNormalization(const FusedPattern& pattern,
                                                                  LoweringContext& context,
                                                                  LoweringFunction lower_node) {
  const ActivationValue* input = context.FindActivation(pattern.input);
  if (input == nullptr || input->dims.empty()) {
    return LowerMembersOneByOne(pattern, context, lower_node);
  }
  const size_t rank = input->dims.size();
  const int64_t features = input->dims.back();
  for (int reduce : pattern.reduce_nodes) {
    if (!ReducesLastAxis(context, context.onnx_graph().node(reduce), rank)) {
      return LowerMembersOneByOne(pattern, context, lower_node);
    }
  }
  const std::string last_name = context.NodeName(pattern.last_node);
  std::string scale;
  if (pattern.scale.empty()) {
    ConstantTensor ones;
    ones.dims = {features};
    ones.float_values.assign(features, 1.0f);
    scale = absl::StrCat(last_name, "_scale");
    context.AddConstant(scale, std::move(ones));
  } else {
    scale = VectorConstant(context, pattern.scale, features);
  }
  const std::string bias =
      pattern.bias.empty() ? "" : VectorConstant(context, pattern.bias, features);
  if (scale.empty() || (!pattern.bias.empty() && bias.empty())) {
    return LowerMembersOneByOne(pattern, context, lower_node);
  }
  onnx::NodeProto node;
  node.set_op_type("LayerNormalization");
  node.add_input(pattern.input);
  node.add_input(scale);
  if (!bias.empty()) node.add_input(bias);
  node.add_output(pattern.output);
  onnx::AttributeProto* axis = node.add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(-1);
  onnx::AttributeProto* epsilon = node.add_attribute();
  epsilon->set_name("epsilon");
  epsilon->set_type(onnx::AttributeProto::FLOAT);
  epsilon->set_f(pattern.epsilon);

  const NodeScope scope = ScopeOf(context, pattern.last_node);
  auto outcome = LowerSynthesisedTensorOp(scope, context, node,
                                          std::max<int64_t>(context.opset(), 17),
                                          Origins(pattern, context));
  if (!outcome.ok()) return outcome.status();
  NodeOutcome last = *outcome;
  last.detail = absl::StrCat("LayerNormalization of ", pattern.nodes.size(), " nodes, ",
                             outcome->detail);
  return FoldedIntoLast(pattern, context, outcome->layer, last);
}

absl::StatusOr<std::vector<NodeOutcome>> LowerGelu(const FusedPattern& pattern,
                                                   LoweringContext& context,
                                                   LoweringFunction lower_node) {
  const ActivationValue* input = context.FindActivation(pattern.input);
  if (input == nullptr) return LowerMembersOneByOne(pattern, context, lower_node);
  graph::Activation activation;
  activation.kind = pattern.kind == FusedPatternKind::kGelu ? graph::ActivationKind::kGelu
                                                            : graph::ActivationKind::kGeluTanh;
  const char* name = pattern.kind == FusedPatternKind::kGelu ? "GELU" : "GELU (tanh form)";
  const std::optional<graph::LayerId> producer =
      context.FoldableProducer(pattern.input, pattern.input_reads);
  if (producer) {
    graph::Layer& layer = context.graph().layers[*producer];
    layer.activations.push_back(activation);
    for (int member : pattern.nodes) layer.origins.push_back(context.NodeName(member));
    context.FoldInto(pattern.input, pattern.output, pattern.input_reads);
    std::vector<NodeOutcome> outcomes;
    const std::string detail = absl::StrCat(name, " folded into ",
                                            graph::LayerKindName(layer.kind), " '", layer.name,
                                            "'");
    for (size_t index = 0; index < pattern.nodes.size(); ++index) {
      outcomes.push_back(NodeOutcome{PlacementKind::kFolded, *producer, detail});
    }
    return outcomes;
  }
  const NodeScope scope = ScopeOf(context, pattern.last_node);
  // Element-wise: the layer reads a view's tensor as it is (see FoldOrAddActivation).
  const ActivationValue operand_value = *input;
  const ActivationValue* operand = &operand_value;
  const graph::Shape input_shape = context.graph().tensor(operand->tensor).shape;
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kActivation;
  layer.params = graph::ActivationLayerParams{};
  layer.inputs = {operand->tensor};
  layer.activations = {activation};
  layer.origins = Origins(pattern, context);
  auto layer_id = context.AddLayer(scope, std::move(layer), pattern.output, operand->dims,
                                   onnx::TensorProto::FLOAT, input_shape);
  if (!layer_id.ok()) return layer_id.status();
  return FoldedIntoLast(pattern, context, *layer_id,
                        NodeOutcome{PlacementKind::kNpu, *layer_id, name});
}

}  // namespace

absl::StatusOr<std::vector<NodeOutcome>> LowerFusedPattern(const FusedPattern& pattern,
                                                           LoweringContext& context,
                                                           LoweringFunction lower_node) {
  if (pattern.kind == FusedPatternKind::kLayerNormalization) {
    return LowerLayerNormalization(pattern, context, lower_node);
  }
  return LowerGelu(pattern, context, lower_node);
}

}  // namespace soma::importer
