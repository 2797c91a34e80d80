// op_lowering.h: the per-operator lowering steps and the table that dispatches to them.
//
// Each step reads its node through a NodeScope, validates it, and then changes the
// LoweringContext: it appends a layer, folds the node into an existing layer's epilogue, makes
// a view, or records a constant. Steps validate before they append a layer, fold or alias,
// so a failed step changes no layer. It may leave an unread constant tensor behind.
#ifndef SOMA_IMPORTER_OP_LOWERING_H_
#define SOMA_IMPORTER_OP_LOWERING_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/lowering_context.h"

namespace soma::importer {

using LoweringFunction = absl::StatusOr<NodeOutcome> (*)(const NodeScope&, LoweringContext&);

// Conv (lower_conv.cc).
absl::StatusOr<NodeOutcome> LowerConv(const NodeScope& scope, LoweringContext& context);
// Gemm and MatMul with a constant right operand (lower_fully_connected.cc).
absl::StatusOr<NodeOutcome> LowerGemm(const NodeScope& scope, LoweringContext& context);
absl::StatusOr<NodeOutcome> LowerMatMul(const NodeScope& scope, LoweringContext& context);
// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (lower_pool.cc).
absl::StatusOr<NodeOutcome> LowerPool(const NodeScope& scope, LoweringContext& context);
absl::StatusOr<NodeOutcome> LowerGlobalPool(const NodeScope& scope, LoweringContext& context);
// Add, Mul, Sum, Sub and Div (lower_eltwise.cc).
absl::StatusOr<NodeOutcome> LowerEltwise(const NodeScope& scope, LoweringContext& context);
// Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh (lower_activation.cc).
absl::StatusOr<NodeOutcome> LowerActivation(const NodeScope& scope, LoweringContext& context);
// BatchNormalization (lower_batch_norm.cc).
absl::StatusOr<NodeOutcome> LowerBatchNormalization(const NodeScope& scope,
                                                    LoweringContext& context);
// Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout (lower_views.cc).
absl::StatusOr<NodeOutcome> LowerView(const NodeScope& scope, LoweringContext& context);
// Concat, Softmax, LogSoftmax, LRN (lower_channel_ops.cc).
absl::StatusOr<NodeOutcome> LowerConcat(const NodeScope& scope, LoweringContext& context);
absl::StatusOr<NodeOutcome> LowerSoftmax(const NodeScope& scope, LoweringContext& context);
absl::StatusOr<NodeOutcome> LowerLrn(const NodeScope& scope, LoweringContext& context);
// Constant, ConstantOfShape, Shape, Size, and any foldable op whose inputs are all constant
// (constant_folding.cc).
absl::StatusOr<NodeOutcome> LowerConstant(const NodeScope& scope, LoweringContext& context);
absl::StatusOr<NodeOutcome> LowerConstantOfShape(const NodeScope& scope,
                                                 LoweringContext& context);
absl::StatusOr<NodeOutcome> LowerShape(const NodeScope& scope, LoweringContext& context);
/// True when FoldConstantNode can evaluate `op_type` on constant inputs.
bool IsFoldableOnConstants(std::string_view op_type);
absl::StatusOr<NodeOutcome> FoldConstantNode(const NodeScope& scope, LoweringContext& context);

/// The specialised lowering step of an ai.onnx `op_type`, or nullptr when there is none
/// (op_registry.cc). Operators without one become tensor operations when the reference
/// interpreter implements them.
LoweringFunction FindLowering(std::string_view op_type);
/// The operators with a specialised lowering, sorted and comma-separated.
std::string SupportedOperatorList();

/// One operator of `npuc --soma-supported-ops`: where it runs and its constraints.
struct SupportedOperatorRow {
  /// `domain.op_type`, with the default domain spelled ai.onnx.
  std::string name;
  /// npu layer kinds, "vector tensor op", "host" or "folded", joined by " or ".
  std::string placement;
  std::string constraints;
};

/// Every operator the importer accepts: the specialised lowerings and every operator of the
/// reference interpreter, sorted by name (op_registry.cc).
std::vector<SupportedOperatorRow> SupportedOperatorRows();

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_OP_LOWERING_H_
