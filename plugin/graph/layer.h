// layer.h: the layer vocabulary of the LayerGraph (kinds, parameters, folded epilogues).
//
// A layer is one NPU operation after canonicalisation: BatchNormalization, bias additions
// and activations are folded into the producer's epilogue, views (Flatten, Reshape, Dropout,
// Identity) disappear, and the remaining ONNX nodes each become one layer.
#ifndef SOMA_GRAPH_LAYER_H_
#define SOMA_GRAPH_LAYER_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace soma::graph {

using TensorId = int;
using LayerId = int;

/// The operation a layer performs; each value names the unit that runs it.
enum class LayerKind {
  /// 2-D convolution on the MAC array: grouped, depthwise and dilated forms included.
  kConv,
  /// Fully connected (Gemm or MatMul with a constant operand) on the MAC array. The input's
  /// C*H*W elements, flattened in NCHW order, are the reduction dimension.
  kFullyConnected,
  /// Max or average pooling, including global average pooling, on the vector unit.
  kPool,
  /// Element-wise Add, Mul or Sum of two or more operands with broadcast, on the vector unit.
  kEltwise,
  /// Concatenation along channels; the vector unit copies each input into place.
  kConcat,
  /// Softmax or LogSoftmax along channels, on the vector unit.
  kSoftmax,
  /// Local response normalisation across channels, on the vector unit.
  kLrn,
  /// A standalone activation that could not fold into its producer, on the vector unit.
  kActivation,
};

const char* LayerKindName(LayerKind kind);

enum class ActivationKind { kRelu, kClip, kLeakyRelu, kSigmoid, kHardSigmoid, kHardSwish };

const char* ActivationKindName(ActivationKind kind);

/// One element-wise activation applied after the layer's main operation.
struct Activation {
  ActivationKind kind = ActivationKind::kRelu;
  /// LeakyRelu slope; HardSigmoid alpha.
  float alpha = 0.0f;
  /// HardSigmoid beta.
  float beta = 0.0f;
  /// Clip bounds.
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

/// Applies `activation` to one value.
float ApplyActivation(const Activation& activation, float value);

struct ConvParams {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t groups = 1;
};

struct FullyConnectedParams {};

enum class PoolKind { kMax, kAverage };

struct PoolParams {
  PoolKind kind = PoolKind::kMax;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  /// AveragePool: whether padded positions count in the divisor.
  bool count_include_pad = false;
};

enum class EltwiseKind { kAdd, kMul };

struct EltwiseParams {
  EltwiseKind kind = EltwiseKind::kAdd;
};

struct ConcatParams {};

struct SoftmaxParams {
  /// LogSoftmax when true.
  bool log = false;
};

struct LrnParams {
  int64_t size = 1;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float bias = 1.0f;
};

struct ActivationLayerParams {};

using LayerParams = std::variant<ConvParams, FullyConnectedParams, PoolParams, EltwiseParams,
                                 ConcatParams, SoftmaxParams, LrnParams, ActivationLayerParams>;

/// One NPU layer.
///
/// Weights: for kConv the `weight` tensor has shape [K, C/groups, kh, kw]; for
/// kFullyConnected it has shape [K, C*H*W, 1, 1]. For kEltwise a constant operand appears in
/// `inputs` like an activation and is a constant tensor of the graph.
/// Epilogue, applied per output element in this order: `value * channel_scale[k] +
/// channel_bias[k]` (each vector empty or of size K = output channels), then `activations`.
struct Layer {
  std::string name;
  LayerKind kind = LayerKind::kConv;
  LayerParams params;
  /// Activation operands in ONNX operand order (constant operands of kEltwise included).
  std::vector<TensorId> inputs;
  /// Constant weight tensor of kConv and kFullyConnected.
  std::optional<TensorId> weight;
  TensorId output = -1;
  std::vector<float> channel_scale;
  std::vector<float> channel_bias;
  std::vector<Activation> activations;
  /// Names of the ONNX nodes this layer came from, the main node first.
  std::vector<std::string> origins;

  template <typename T>
  const T& Params() const {
    return std::get<T>(params);
  }
};

}  // namespace soma::graph

#endif  // SOMA_GRAPH_LAYER_H_
