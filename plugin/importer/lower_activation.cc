// lower_activation.cc: Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish and Tanh, folded
// into their producer or lowered to a kActivation layer.
#include <limits>

#include "absl/strings/str_cat.h"
#include "importer/epilogue_folding.h"
#include "importer/op_lowering.h"

namespace soma::importer {

namespace {

// Clip bounds: attributes before opset 11, optional constant inputs 1 and 2 from opset 11.
absl::Status ReadClipBounds(const NodeScope& scope, LoweringContext& context,
                            graph::Activation& activation) {
  if (context.opset() < 11) {
    auto min = scope.attributes.Float("min", -std::numeric_limits<float>::infinity());
    if (!min.ok()) return min.status();
    auto max = scope.attributes.Float("max", std::numeric_limits<float>::infinity());
    if (!max.ok()) return max.status();
    activation.min = *min;
    activation.max = *max;
    return absl::OkStatus();
  }
  const char* roles[] = {"min", "max"};
  for (int input_index = 1; input_index <= 2; ++input_index) {
    if (!LoweringContext::HasInput(scope, input_index)) continue;
    auto bound = context.ConstantInput(scope, input_index, roles[input_index - 1]);
    if (!bound.ok()) return bound.status();
    if ((*bound)->ElementCount() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          scope.label, ": ", roles[input_index - 1], " '", scope.node.input(input_index),
          "' has shape ", DimsToString((*bound)->dims), "; Clip bounds must be scalars"));
    }
    const float value = static_cast<float>((*bound)->At(0));
    (input_index == 1 ? activation.min : activation.max) = value;
  }
  return absl::OkStatus();
}

absl::StatusOr<graph::Activation> ReadActivation(const NodeScope& scope,
                                                 LoweringContext& context) {
  const std::string& op = scope.node.op_type();
  graph::Activation activation;
  if (op == "Relu") {
    activation.kind = graph::ActivationKind::kRelu;
  } else if (op == "Clip") {
    activation.kind = graph::ActivationKind::kClip;
    absl::Status status = ReadClipBounds(scope, context, activation);
    if (!status.ok()) return status;
    if (activation.min > activation.max) {
      return scope.attributes.InvalidValue(
          "min", absl::StrCat(activation.min),
          absl::StrCat("it must not exceed max ", activation.max));
    }
  } else if (op == "LeakyRelu") {
    activation.kind = graph::ActivationKind::kLeakyRelu;
    auto alpha = scope.attributes.Float("alpha", 0.01f);
    if (!alpha.ok()) return alpha.status();
    activation.alpha = *alpha;
  } else if (op == "Sigmoid") {
    activation.kind = graph::ActivationKind::kSigmoid;
  } else if (op == "HardSigmoid") {
    activation.kind = graph::ActivationKind::kHardSigmoid;
    auto alpha = scope.attributes.Float("alpha", 0.2f);
    if (!alpha.ok()) return alpha.status();
    auto beta = scope.attributes.Float("beta", 0.5f);
    if (!beta.ok()) return beta.status();
    activation.alpha = *alpha;
    activation.beta = *beta;
  } else if (op == "HardSwish") {
    activation.kind = graph::ActivationKind::kHardSwish;
  } else if (op == "Tanh") {
    activation.kind = graph::ActivationKind::kTanh;
  } else {
    return absl::InternalError(absl::StrCat(scope.label, ": not an activation operator"));
  }
  return activation;
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerActivation(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  if (input->elem_type != onnx::TensorProto::FLOAT) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input '", scope.node.input(0),
        "' is not float; activation layers compute in fp32"));
  }
  auto activation = ReadActivation(scope, context);
  if (!activation.ok()) return activation.status();
  return FoldOrAddActivation(scope, context, *activation);
}

}  // namespace soma::importer
