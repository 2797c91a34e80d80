// onnx_ops.h: the ONNX reference interpreter: fp32 (and integer) reference implementations of
// single ONNX nodes and of whole graphs.
//
// The replay runtime runs kTensorOp layers through it, the importer folds constant
// subgraphs and finds output shapes with it, and the tests check it against ONNX's own
// backend test data. The implementations follow the ONNX operator specification.
#ifndef SOMA_ONNX_OPS_ONNX_OPS_H_
#define SOMA_ONNX_OPS_ONNX_OPS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/host_tensor.h"

namespace soma::onnx_ops {

/// Values visible to a node's subgraphs (If, Loop, Scan bodies), by name.
using ValueScope = std::map<std::string, HostTensor>;

/// Runs one node. `inputs` has one entry per ONNX input slot of the node; nullptr marks an
/// absent optional input. `opset` is the model's opset of the node's domain. `outer` contains
/// the values that subgraphs may read from enclosing scopes (may be null).
/// Returns one tensor per node output. Unimplemented when the operator, or an attribute
/// value of it, is not supported (the message names the node, the attribute and the value);
/// InvalidArgument for inputs the specification rejects.
absl::StatusOr<std::vector<HostTensor>> RunNode(const onnx::NodeProto& node, int64_t opset,
                                                absl::Span<const HostTensor* const> inputs,
                                                const ValueScope* outer = nullptr);

/// Runs `graph` (a subgraph, or a model's main graph) in topological order. `feeds` contains
/// its inputs by name and any outer-scope values; initializers of `graph` are read from
/// the graph itself. Returns the graph outputs in declaration order.
absl::StatusOr<std::vector<HostTensor>> RunGraph(const onnx::GraphProto& graph, int64_t opset,
                                                 const ValueScope& feeds);

/// True when RunNode implements `op_type` of `domain` ("" and "ai.onnx" are the default
/// domain).
bool IsSupported(std::string_view domain, std::string_view op_type);

/// One supported operator and the limits of its implementation.
struct OperatorInfo {
  std::string domain;
  std::string op_type;
  /// Attribute values or input types not implemented, in a short sentence; empty when the
  /// whole specification is implemented.
  std::string constraints;
};

/// Every supported operator, sorted by domain then op_type.
std::vector<OperatorInfo> SupportedOperators();

/// Converts a TensorProto (raw or typed data; float, float16, double, integer and bool
/// types) to a HostTensor. InvalidArgument names the tensor for other types and for a
/// size mismatch. External data is not read.
absl::StatusOr<HostTensor> TensorFromProto(const onnx::TensorProto& proto);

/// Converts a HostTensor to a TensorProto of its element type (typed fields).
onnx::TensorProto TensorToProto(const HostTensor& tensor, const std::string& name);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_ONNX_OPS_H_
