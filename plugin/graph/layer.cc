// layer.cc: names of layer and activation kinds, and the activation functions.
#include "graph/layer.h"

#include <algorithm>
#include <cmath>

namespace soma::graph {

const char* LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv: return "Conv";
    case LayerKind::kFullyConnected: return "FullyConnected";
    case LayerKind::kPool: return "Pool";
    case LayerKind::kEltwise: return "Eltwise";
    case LayerKind::kConcat: return "Concat";
    case LayerKind::kSoftmax: return "Softmax";
    case LayerKind::kLrn: return "LRN";
    case LayerKind::kActivation: return "Activation";
  }
  return "unknown";
}

const char* ActivationKindName(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::kRelu: return "Relu";
    case ActivationKind::kClip: return "Clip";
    case ActivationKind::kLeakyRelu: return "LeakyRelu";
    case ActivationKind::kSigmoid: return "Sigmoid";
    case ActivationKind::kHardSigmoid: return "HardSigmoid";
    case ActivationKind::kHardSwish: return "HardSwish";
  }
  return "unknown";
}

float ApplyActivation(const Activation& activation, float value) {
  switch (activation.kind) {
    case ActivationKind::kRelu:
      return value > 0.0f ? value : 0.0f;
    case ActivationKind::kClip:
      return std::min(std::max(value, activation.min), activation.max);
    case ActivationKind::kLeakyRelu:
      return value >= 0.0f ? value : activation.alpha * value;
    case ActivationKind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-value));
    case ActivationKind::kHardSigmoid:
      return std::min(1.0f, std::max(0.0f, activation.alpha * value + activation.beta));
    case ActivationKind::kHardSwish:
      // ONNX HardSwish: x * max(0, min(1, x/6 + 1/2)).
      return value * std::min(1.0f, std::max(0.0f, value / 6.0f + 0.5f));
  }
  return value;
}

}  // namespace soma::graph
