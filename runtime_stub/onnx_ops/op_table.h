// op_table.h: how operator implementations plug into the interpreter (internal).
//
// Each family file defines its operators and a Register...Ops function that adds them to
// the table; op_table.cc calls every Register function once.
#ifndef SOMA_ONNX_OPS_OP_TABLE_H_
#define SOMA_ONNX_OPS_OP_TABLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/host_tensor.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops {

/// Everything an operator implementation sees.
struct OpCall {
  const onnx::NodeProto& node;
  int64_t opset = 0;
  /// One per ONNX input slot; nullptr for an absent optional input.
  absl::Span<const HostTensor* const> inputs;
  /// Values of enclosing scopes for subgraphs; may be null.
  const ValueScope* outer = nullptr;
  /// `node 'NAME' (op 'OpType')`, the prefix of every message.
  std::string label;
};

using OpFunction = absl::StatusOr<std::vector<HostTensor>> (*)(const OpCall& call);

struct OpEntry {
  OpFunction run = nullptr;
  /// See OperatorInfo::constraints.
  std::string constraints;
};

/// Key: "domain/op_type" with the default domain spelled "".
using OpTable = std::map<std::string, OpEntry>;

// Family registration functions, one per file group.
void RegisterElementwiseOps(OpTable& table);  // unary, binary, Where, Cast, Clip, activations
void RegisterReductionOps(OpTable& table);    // Reduce*, ArgMax/Min, Softmax family, norms
void RegisterQuantizationOps(OpTable& table);  // QuantizeLinear, DequantizeLinear, QLinear*
void RegisterShapeOps(OpTable& table);        // Reshape .. Gather, Slice, Pad, Resize, Tile
void RegisterNeuralOps(OpTable& table);       // Conv, ConvTranspose, pools, MatMul, Gemm, LRN
void RegisterControlOps(OpTable& table);      // If, Loop, Scan
void RegisterRecurrentOps(OpTable& table);    // LSTM, GRU, RNN
void RegisterContribOps(OpTable& table);      // com.microsoft operators and legacy experimental ops

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_OP_TABLE_H_
