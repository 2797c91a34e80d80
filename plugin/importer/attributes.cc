// attributes.cc: typed ONNX attribute access.
#include "importer/attributes.h"

#include "absl/strings/str_cat.h"

namespace soma::importer {

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

NodeAttributes::NodeAttributes(const onnx::NodeProto& node, std::string label)
    : node_(node), label_(std::move(label)) {}

const onnx::AttributeProto* NodeAttributes::Find(const std::string& name) const {
  return FindAttribute(node_, name);
}

bool NodeAttributes::Has(const std::string& name) const { return Find(name) != nullptr; }

// Old exporters leave `type` unset (UNDEFINED); the value field then decides.
absl::Status NodeAttributes::CheckType(const onnx::AttributeProto& attribute,
                                       onnx::AttributeProto::AttributeType expected) const {
  if (attribute.type() == onnx::AttributeProto::UNDEFINED || attribute.type() == expected) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      label_, ": attribute '", attribute.name(), "' has type ",
      onnx::AttributeProto::AttributeType_Name(attribute.type()), ", expected ",
      onnx::AttributeProto::AttributeType_Name(expected)));
}

absl::StatusOr<int64_t> NodeAttributes::Int(const std::string& name, int64_t default_value) const {
  const onnx::AttributeProto* attribute = Find(name);
  if (attribute == nullptr) return default_value;
  absl::Status status = CheckType(*attribute, onnx::AttributeProto::INT);
  if (!status.ok()) return status;
  return attribute->i();
}

absl::StatusOr<float> NodeAttributes::Float(const std::string& name, float default_value) const {
  const onnx::AttributeProto* attribute = Find(name);
  if (attribute == nullptr) return default_value;
  absl::Status status = CheckType(*attribute, onnx::AttributeProto::FLOAT);
  if (!status.ok()) return status;
  return attribute->f();
}

absl::StatusOr<std::vector<int64_t>> NodeAttributes::Ints(const std::string& name,
                                                          std::vector<int64_t> default_value) const {
  const onnx::AttributeProto* attribute = Find(name);
  if (attribute == nullptr) return default_value;
  absl::Status status = CheckType(*attribute, onnx::AttributeProto::INTS);
  if (!status.ok()) return status;
  return std::vector<int64_t>(attribute->ints().begin(), attribute->ints().end());
}

absl::StatusOr<std::vector<float>> NodeAttributes::Floats(const std::string& name,
                                                          std::vector<float> default_value) const {
  const onnx::AttributeProto* attribute = Find(name);
  if (attribute == nullptr) return default_value;
  absl::Status status = CheckType(*attribute, onnx::AttributeProto::FLOATS);
  if (!status.ok()) return status;
  return std::vector<float>(attribute->floats().begin(), attribute->floats().end());
}

absl::StatusOr<std::string> NodeAttributes::String(const std::string& name,
                                                   std::string default_value) const {
  const onnx::AttributeProto* attribute = Find(name);
  if (attribute == nullptr) return default_value;
  absl::Status status = CheckType(*attribute, onnx::AttributeProto::STRING);
  if (!status.ok()) return status;
  return attribute->s();
}

absl::StatusOr<const onnx::TensorProto*> NodeAttributes::Tensor(const std::string& name) const {
  const onnx::AttributeProto* attribute = Find(name);
  if (attribute == nullptr) return nullptr;
  absl::Status status = CheckType(*attribute, onnx::AttributeProto::TENSOR);
  if (!status.ok()) return status;
  return &attribute->t();
}

absl::Status NodeAttributes::InvalidValue(const std::string& name, const std::string& value,
                                          const std::string& expectation) const {
  return absl::InvalidArgumentError(absl::StrCat(label_, ": attribute '", name,
                                                 "' has invalid value ", value, "; ",
                                                 expectation));
}

}  // namespace soma::importer
