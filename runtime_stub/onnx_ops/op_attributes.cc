// op_attributes.cc: typed access to a node's attributes.
#include "onnx_ops/op_attributes.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace soma::onnx_ops {

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->i() : fallback;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->f() : fallback;
}

std::string StringAttribute(const onnx::NodeProto& node, const std::string& name,
                            const std::string& fallback) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->s() : fallback;
}

std::optional<std::vector<int64_t>> IntsAttribute(const onnx::NodeProto& node,
                                                  const std::string& name) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  if (attribute == nullptr) return std::nullopt;
  return std::vector<int64_t>(attribute->ints().begin(), attribute->ints().end());
}

std::optional<std::vector<float>> FloatsAttribute(const onnx::NodeProto& node,
                                                  const std::string& name) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  if (attribute == nullptr) return std::nullopt;
  return std::vector<float>(attribute->floats().begin(), attribute->floats().end());
}

std::string NodeLabel(const onnx::NodeProto& node) {
  std::string name = node.name();
  if (name.empty() && node.output_size() > 0) name = node.output(0);
  return absl::StrCat("node '", name, "' (op '", node.op_type(), "')");
}

absl::Status UnsupportedAttribute(const onnx::NodeProto& node, const std::string& name,
                                  const std::string& value, const std::string& hint) {
  return absl::UnimplementedError(absl::StrCat(NodeLabel(node), ": attribute '", name, "' = ",
                                               value, " is not supported; ", hint));
}

absl::StatusOr<int64_t> NormalizeAxis(const onnx::NodeProto& node, int64_t axis, int64_t rank) {
  const int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= (rank == 0 ? 1 : rank)) {
    return absl::InvalidArgumentError(absl::StrCat(NodeLabel(node), ": axis ", axis,
                                                   " is out of range for rank ", rank));
  }
  return normalized;
}

}  // namespace soma::onnx_ops
