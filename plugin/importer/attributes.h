// attributes.h: typed access to an ONNX node's attributes, with errors naming the node.
#ifndef SOMA_IMPORTER_ATTRIBUTES_H_
#define SOMA_IMPORTER_ATTRIBUTES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// The attribute `name` of `node`, whatever its type; nullptr when it is absent.
const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name);

/// Reads the attributes of one node. Every error is InvalidArgument and starts with the
/// node's label, `node 'NAME' (op 'OpType')`.
class NodeAttributes {
 public:
  /// `label` prefixes every message; `node` must outlive this object.
  NodeAttributes(const onnx::NodeProto& node, std::string label);

  bool Has(const std::string& name) const;
  /// The INT attribute `name`, or `default_value` when it is absent.
  absl::StatusOr<int64_t> Int(const std::string& name, int64_t default_value) const;
  /// The FLOAT attribute `name`, or `default_value` when it is absent.
  absl::StatusOr<float> Float(const std::string& name, float default_value) const;
  /// The INTS attribute `name`, or `default_value` when it is absent.
  absl::StatusOr<std::vector<int64_t>> Ints(const std::string& name,
                                            std::vector<int64_t> default_value) const;
  /// The FLOATS attribute `name`, or `default_value` when it is absent.
  absl::StatusOr<std::vector<float>> Floats(const std::string& name,
                                            std::vector<float> default_value) const;
  /// The STRING attribute `name`, or `default_value` when it is absent.
  absl::StatusOr<std::string> String(const std::string& name, std::string default_value) const;
  /// The TENSOR attribute `name`; nullptr when it is absent.
  absl::StatusOr<const onnx::TensorProto*> Tensor(const std::string& name) const;

  /// InvalidArgument: `<label>: attribute 'NAME' has invalid value VALUE; EXPECTATION`.
  absl::Status InvalidValue(const std::string& name, const std::string& value,
                            const std::string& expectation) const;

 private:
  const onnx::AttributeProto* Find(const std::string& name) const;
  absl::Status CheckType(const onnx::AttributeProto& attribute,
                         onnx::AttributeProto::AttributeType expected) const;

  const onnx::NodeProto& node_;
  std::string label_;
};

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_ATTRIBUTES_H_
