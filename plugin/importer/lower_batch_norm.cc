// lower_batch_norm.cc: BatchNormalization (inference form) folded into the preceding Conv or
// fully connected layer, or lowered to a kActivation layer with the same epilogue.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "importer/epilogue_folding.h"
#include "importer/op_lowering.h"

namespace soma::importer {

absl::StatusOr<NodeOutcome> LowerBatchNormalization(const NodeScope& scope,
                                                    LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  if (input->dims.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": input '", scope.node.input(0),
                                                   "' has shape ", DimsToString(input->dims),
                                                   "; BatchNormalization needs rank 2 or more"));
  }
  if (input->dims.size() != 2 && input->dims.size() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input '", scope.node.input(0), "' has shape ", DimsToString(input->dims),
        "; only ranks 2 and 4 keep ONNX axis 1 as the canonical channel axis"));
  }
  for (int output_index = 1; output_index < scope.node.output_size(); ++output_index) {
    const std::string& output = scope.node.output(output_index);
    if (!output.empty() && !context.ConsumersOf(output).empty()) {
      return absl::UnimplementedError(absl::StrCat(
          scope.label, ": training output '", output,
          "' is read by other nodes; only inference-mode BatchNormalization is supported"));
    }
  }
  auto epsilon = scope.attributes.Float("epsilon", 1e-5f);
  if (!epsilon.ok()) return epsilon.status();
  if (*epsilon < 0.0f) {
    return scope.attributes.InvalidValue("epsilon", absl::StrCat(*epsilon),
                                         "it must be non-negative");
  }

  // scale = gamma / sqrt(var + eps); bias = beta - mean * scale.
  const int64_t channels = input->dims[1];
  const char* roles[] = {"scale", "bias", "mean", "var"};
  const ConstantTensor* parameters[4];
  for (int index = 0; index < 4; ++index) {
    auto parameter = context.ConstantInput(scope, index + 1, roles[index]);
    if (!parameter.ok()) return parameter.status();
    if ((*parameter)->ElementCount() != channels) {
      return absl::InvalidArgumentError(absl::StrCat(
          scope.label, ": ", roles[index], " '", scope.node.input(index + 1), "' has shape ",
          DimsToString((*parameter)->dims), ", expected [", channels, "]"));
    }
    parameters[index] = *parameter;
  }
  ChannelAffine affine;
  affine.scale.resize(channels);
  affine.bias.resize(channels);
  for (int64_t k = 0; k < channels; ++k) {
    const double scale = parameters[0]->At(k) / std::sqrt(parameters[3]->At(k) + *epsilon);
    affine.scale[k] = static_cast<float>(scale);
    affine.bias[k] = static_cast<float>(parameters[1]->At(k) - parameters[2]->At(k) * scale);
  }

  const std::optional<graph::LayerId> target = AffineFoldTarget(context, scope.node.input(0));
  if (target) return FoldAffine(scope, context, *target, scope.node.input(0), affine);
  return AddAffineLayer(scope, context, affine);
}

}  // namespace soma::importer
