// epilogue_folding.cc: folding of affine steps and activations into layer epilogues.
#include "importer/epilogue_folding.h"

#include "absl/strings/str_cat.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"

namespace soma::importer {

namespace {

std::string FoldDetail(const NodeScope& scope, const graph::Layer& layer) {
  return absl::StrCat(scope.node.op_type(), " folded into ", graph::LayerKindName(layer.kind),
                      " '", layer.name, "'");
}

absl::StatusOr<NodeOutcome> AddActivationLayer(const NodeScope& scope, LoweringContext& context,
                                               std::optional<graph::Activation> activation,
                                               const ChannelAffine& affine) {
  auto activation_input = context.ActivationInput(scope, 0);
  if (!activation_input.ok()) return activation_input.status();
  // A pure activation is element-wise: it reads a view's tensor as it is and its output is
  // the same view of a tensor of that shape. A per-channel affine step needs the channels.
  const bool element_wise = affine.scale.empty() && affine.bias.empty();
  auto input = element_wise ? activation_input
                            : CanonicalOperand(scope, context, scope.node.input(0));
  if (!input.ok()) return input.status();
  const graph::Shape input_shape = context.graph().tensor(input->tensor).shape;
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kActivation;
  layer.params = graph::ActivationLayerParams{};
  layer.inputs = {input->tensor};
  if (activation) layer.activations.push_back(*activation);
  layer.channel_scale = affine.scale;
  layer.channel_bias = affine.bias;
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), input->dims,
                                   onnx::TensorProto::FLOAT, input_shape);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

}  // namespace

std::optional<graph::LayerId> AffineFoldTarget(LoweringContext& context, const std::string& value) {
  const std::optional<graph::LayerId> producer = context.FoldableProducer(value);
  if (!producer) return std::nullopt;
  const graph::Layer& layer = context.graph().layer(*producer);
  if (layer.kind != graph::LayerKind::kConv && layer.kind != graph::LayerKind::kFullyConnected) {
    return std::nullopt;
  }
  if (!layer.activations.empty()) return std::nullopt;
  // Channels of the value must be the layer's output channels, not those of a flattened view.
  const ActivationValue* activation = context.FindActivation(value);
  if (CanonicalShape(activation->dims) != context.graph().tensor(activation->tensor).shape) {
    return std::nullopt;
  }
  return producer;
}

NodeOutcome FoldAffine(const NodeScope& scope, LoweringContext& context, graph::LayerId layer_id,
                       const std::string& input_name, const ChannelAffine& affine) {
  graph::Layer& layer = context.graph().layers[layer_id];
  const size_t channels =
      static_cast<size_t>(context.graph().tensor(layer.output).shape[graph::kC]);
  // (v * s0 + b0) * s + b = v * (s0 * s) + (b0 * s + b).
  if (!affine.scale.empty()) {
    if (layer.channel_scale.empty()) layer.channel_scale.assign(channels, 1.0f);
    if (layer.channel_bias.empty()) layer.channel_bias.assign(channels, 0.0f);
    for (size_t k = 0; k < channels; ++k) {
      layer.channel_scale[k] *= affine.scale[k];
      layer.channel_bias[k] *= affine.scale[k];
    }
  }
  if (!affine.bias.empty()) {
    if (layer.channel_bias.empty()) layer.channel_bias.assign(channels, 0.0f);
    for (size_t k = 0; k < channels; ++k) layer.channel_bias[k] += affine.bias[k];
  }
  layer.origins.push_back(scope.name);
  context.FoldInto(input_name, scope.node.output(0));
  return NodeOutcome{PlacementKind::kFolded, layer_id, FoldDetail(scope, layer)};
}

absl::StatusOr<NodeOutcome> FoldOrAddActivation(const NodeScope& scope, LoweringContext& context,
                                                const graph::Activation& activation) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  const std::optional<graph::LayerId> producer = context.FoldableProducer(scope.node.input(0));
  if (!producer) return AddActivationLayer(scope, context, activation, ChannelAffine{});
  graph::Layer& layer = context.graph().layers[*producer];
  layer.activations.push_back(activation);
  layer.origins.push_back(scope.name);
  context.FoldInto(scope.node.input(0), scope.node.output(0));
  return NodeOutcome{PlacementKind::kFolded, *producer, FoldDetail(scope, layer)};
}

absl::StatusOr<NodeOutcome> AddAffineLayer(const NodeScope& scope, LoweringContext& context,
                                           const ChannelAffine& affine) {
  return AddActivationLayer(scope, context, std::nullopt, affine);
}

}  // namespace soma::importer
