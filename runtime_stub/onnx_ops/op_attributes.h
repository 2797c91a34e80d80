// op_attributes.h: typed access to a node's attributes for operator implementations.
#ifndef SOMA_ONNX_OPS_OP_ATTRIBUTES_H_
#define SOMA_ONNX_OPS_OP_ATTRIBUTES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace soma::onnx_ops {

/// The attribute `name` of `node`, or nullptr.
const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name);

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback);
float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback);
std::string StringAttribute(const onnx::NodeProto& node, const std::string& name,
                            const std::string& fallback);
/// The ints of `name`, or std::nullopt when the node does not have it.
std::optional<std::vector<int64_t>> IntsAttribute(const onnx::NodeProto& node,
                                                  const std::string& name);
std::optional<std::vector<float>> FloatsAttribute(const onnx::NodeProto& node,
                                                  const std::string& name);

/// `node 'NAME' (op 'OpType')` (the name falls back to the first output's name).
std::string NodeLabel(const onnx::NodeProto& node);

/// Unimplemented: "<label>: attribute '<name>' = <value> is not supported; <hint>".
absl::Status UnsupportedAttribute(const onnx::NodeProto& node, const std::string& name,
                                  const std::string& value, const std::string& hint);

/// Normalises a possibly negative `axis` into [0, rank). InvalidArgument names the node.
absl::StatusOr<int64_t> NormalizeAxis(const onnx::NodeProto& node, int64_t axis, int64_t rank);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_OP_ATTRIBUTES_H_
