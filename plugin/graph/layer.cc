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
    case LayerKind::kMatMul: return "MatMul";
    case LayerKind::kTensorOp: return "TensorOp";
  }
  return "unknown";
}

const char* ExecutionUnitName(ExecutionUnit unit) {
  switch (unit) {
    case ExecutionUnit::kVector: return "vector";
    case ExecutionUnit::kHost: return "host";
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
    case ActivationKind::kGelu: return "Gelu";
    case ActivationKind::kGeluTanh: return "GeluTanh";
    case ActivationKind::kTanh: return "Tanh";
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
    case ActivationKind::kGelu: {
      const double x = value;
      return static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
    }
    case ActivationKind::kGeluTanh: {
      const double x = value;
      const double inner = std::sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x);
      return static_cast<float>(0.5 * x * (1.0 + std::tanh(inner)));
    }
    case ActivationKind::kTanh:
      return std::tanh(value);
  }
  return value;
}

}  // namespace soma::graph
