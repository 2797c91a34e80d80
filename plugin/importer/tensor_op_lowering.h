// tensor_op_lowering.h: the generic lowering of an ONNX node to kTensorOp layers, run by the
// reference interpreter, and the materialisation of views for specialised layers.
#ifndef SOMA_IMPORTER_TENSOR_OP_LOWERING_H_
#define SOMA_IMPORTER_TENSOR_OP_LOWERING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/lowering_context.h"

namespace soma::importer {

/// True for the default ONNX domain, spelled "" or "ai.onnx".
bool IsDefaultDomain(std::string_view domain);

/// Returns the reason that `domain`.`op_type` runs on the host (control flow, recurrent
/// operators, operators outside the default domain), or "" for the NPU's vector unit.
std::string HostReason(std::string_view domain, std::string_view op_type);

/// The activation `value` (read by the node of `scope`) with a tensor in the canonical
/// layout of the value's dims. A view whose dims have another canonical shape than its
/// tensor is copied once by a synthesised kTensorOp Reshape layer, which later readers share.
absl::StatusOr<ActivationValue> CanonicalOperand(const NodeScope& scope, LoweringContext& context,
                                                 const std::string& value);

/// Copies the activation `value` with a synthesised kTensorOp Reshape layer into a new
/// tensor in the canonical layout of its dims. A second call for the same value returns the
/// same copy.
absl::StatusOr<ActivationValue> CopyValue(const NodeScope& scope, LoweringContext& context,
                                          const std::string& value);

/// Lowers the node of `scope` to one kTensorOp layer per used output. Output dims come from
/// running the node in the reference interpreter on zero-filled activations and the real
/// constants. Unimplemented when the interpreter lacks the operator or an attribute value,
/// or when an output shape depends on run-time values.
absl::StatusOr<NodeOutcome> LowerTensorOp(const NodeScope& scope, LoweringContext& context);

/// Same for `node`, a node synthesised for the node of `scope` (a fused pattern), at `opset`
/// of its domain. The layers list `origins`.
absl::StatusOr<NodeOutcome> LowerSynthesisedTensorOp(const NodeScope& scope,
                                                     LoweringContext& context,
                                                     const onnx::NodeProto& node, int64_t opset,
                                                     const std::vector<std::string>& origins);

/// Counts the multiply-accumulates of MatMul, Gemm, Conv, ConvTranspose and Einsum nodes
/// from their dims per input slot (empty for an absent input) and output dims. Returns 0
/// for other operators.
int64_t TensorOpMacCount(const onnx::NodeProto& node,
                         const std::vector<std::vector<int64_t>>& slot_dims,
                         const std::vector<int64_t>& output_dims);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_TENSOR_OP_LOWERING_H_
