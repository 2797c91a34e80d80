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
  /// Batched matrix product on the MAC array, with both operands in `inputs` (activations,
  /// or a constant right operand). A has canonical shape (a0, a1, M, K), B (b0, b1, K, N)
  /// and the output (o0, o1, M, N). Each batch extent a0, a1, b0, b1 equals the output's or
  /// is 1 (broadcast). Q*K^T and scores*V of attention use it with two activations.
  kMatMul,
  /// One ONNX node run as a whole-tensor operation on the vector unit or on the host (see
  /// TensorOpParams). Every input is read whole; the output is the node's output
  /// `output_index`. Tensors store their elements row-major in ONNX order, so the node reads
  /// each input as the flat data of its ONNX dims whatever the tensor's canonical shape.
  kTensorOp,
};

const char* LayerKindName(LayerKind kind);

enum class ActivationKind {
  kRelu,
  kClip,
  kLeakyRelu,
  kSigmoid,
  kHardSigmoid,
  kHardSwish,
  /// x * Phi(x) with the exact normal CDF (the Erf form of GELU).
  kGelu,
  /// The tanh approximation of GELU.
  kGeluTanh,
  kTanh,
};

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

struct MatMulParams {};

/// The unit that runs a kTensorOp layer.
enum class ExecutionUnit {
  /// The NPU's vector unit (or its MAC array, when `mac_count` is positive).
  kVector,
  /// The host CPU: an operator the NPU cannot run (control flow, a contrib op without a
  /// lowering). `host_reason` gives the reason.
  kHost,
};

const char* ExecutionUnitName(ExecutionUnit unit);

/// A kTensorOp layer: the ONNX node itself, and how its operands map to the layer.
struct TensorOpParams {
  std::string domain;
  std::string op_type;
  /// The node as a serialised onnx::NodeProto, attributes and subgraphs included, with its
  /// input and output names as in the model.
  std::string node_proto;
  /// The model's opset version of the node's domain.
  int64_t opset = 0;
  /// One entry per ONNX input slot of the node: an index into Layer::inputs, or -1 for an
  /// absent optional input or for a slot whose constant is in `embedded_inputs`.
  std::vector<int> input_slots;
  /// Constant inputs with integer or bool elements (shapes, indices, axes), as serialised
  /// onnx::TensorProto, keyed by ONNX input slot. Float constants are graph tensors in
  /// Layer::inputs instead, so that their DRAM traffic is scheduled.
  std::vector<std::pair<int, std::string>> embedded_inputs;
  /// Outer-scope values that the node's subgraphs read: the value name and its index into
  /// Layer::inputs.
  std::vector<std::pair<std::string, int>> captures;
  /// ONNX dims and element type (onnx::TensorProto::DataType) of each Layer::inputs entry
  /// as the node reads it.
  std::vector<std::vector<int64_t>> input_dims;
  std::vector<int32_t> input_elem_types;
  std::vector<int64_t> output_dims;
  int32_t output_elem_type = 1;
  int output_index = 0;
  ExecutionUnit unit = ExecutionUnit::kVector;
  /// Multiply-accumulates of the node (MatMul, Gemm, Conv and ConvTranspose forms that run
  /// as tensor operations); 0 for element-wise and data-movement operators.
  int64_t mac_count = 0;
  /// Tiling of the layer. 0: every input is read whole and a tile computes the whole
  /// output. When positive, `input_dims` and `output_dims` are the tensors' canonical rank-4
  /// shapes (the node's attributes are rewritten to match), and the node is independent
  /// along canonical dims [0, parallel_dims): a tile that computes output box B reads from
  /// each input the box equal to B on those dims (or [0, 1) where the input's extent is 1)
  /// and whole on the others.
  int parallel_dims = 0;
  /// With parallel_dims 0: the node is independent along ONNX axis 0 of its views. The
  /// output's view and every input view with the same dims[0] = A are stored so that
  /// axis-0 index a is stored in canonical N rows [a * g, (a + 1) * g), g = N extent / A. A tile
  /// computes the axis-0 slice that covers its output rows, reading the same slice of those
  /// inputs; other inputs are read whole.
  bool axis0_sliced = false;
  /// The reason the node runs on the host; empty for kVector.
  std::string host_reason;
};

using LayerParams = std::variant<ConvParams, FullyConnectedParams, PoolParams, EltwiseParams,
                                 ConcatParams, SoftmaxParams, LrnParams, ActivationLayerParams,
                                 MatMulParams, TensorOpParams>;

/// One NPU layer.
///
/// Weights: for kConv the `weight` tensor has shape [K, C/groups, kh, kw]; for
/// kFullyConnected it has shape [K, C*H*W, 1, 1]. For kEltwise a constant operand appears in
/// `inputs` like an activation and is a constant tensor of the graph.
/// kMatMul and kTensorOp layers have no weight and an empty epilogue.
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
