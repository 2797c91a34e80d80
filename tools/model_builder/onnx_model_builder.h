// onnx_model_builder.h: writes ONNX ModelProtos through the protobuf classes, for the
// project's generated models and for importer tests.
#ifndef SOMA_TOOLS_MODEL_BUILDER_ONNX_MODEL_BUILDER_H_
#define SOMA_TOOLS_MODEL_BUILDER_ONNX_MODEL_BUILDER_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "onnx/onnx_pb.h"

namespace soma::model_builder {

/// One dimension of a graph input or output: a fixed extent or a symbolic name.
using Dim = std::variant<int64_t, std::string>;

/// Adds attributes to a node in place; each setter returns the same object for chaining.
class NodeAttributeWriter {
 public:
  explicit NodeAttributeWriter(onnx::NodeProto* node) : node_(node) {}

  NodeAttributeWriter& Int(const std::string& name, int64_t value);
  NodeAttributeWriter& Ints(const std::string& name, const std::vector<int64_t>& values);
  NodeAttributeWriter& Float(const std::string& name, float value);
  NodeAttributeWriter& Floats(const std::string& name, const std::vector<float>& values);
  NodeAttributeWriter& String(const std::string& name, const std::string& value);
  NodeAttributeWriter& Tensor(const std::string& name, const onnx::TensorProto& value);

  onnx::NodeProto& node() { return *node_; }

 private:
  onnx::AttributeProto* Add(const std::string& name, onnx::AttributeProto::AttributeType type);

  onnx::NodeProto* node_;
};

/// A float TensorProto with raw little-endian data.
onnx::TensorProto FloatTensor(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<float>& values);
/// An int64 TensorProto with raw little-endian data.
onnx::TensorProto Int64Tensor(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<int64_t>& values);

/// Serialises `model` with deterministic protobuf serialisation.
std::string SerializeModel(const onnx::ModelProto& model);

/// Collects inputs, initializers, nodes and outputs in call order and builds the
/// ModelProto. Nodes keep the order in which they were added.
class OnnxModelBuilder {
 public:
  /// `opset` is the ai.onnx opset; `ir_version` the model's IR version.
  OnnxModelBuilder(std::string graph_name, int64_t opset, int64_t ir_version = 8);

  /// Adds a float graph input.
  void AddInput(const std::string& name, const std::vector<Dim>& dims);
  /// Adds a graph input of another element type (an onnx::TensorProto::DataType value).
  void AddTypedInput(const std::string& name, int elem_type, const std::vector<Dim>& dims);
  /// Adds a float graph output; `dims` may be empty for an output without a declared shape.
  void AddOutput(const std::string& name, const std::vector<Dim>& dims);
  /// Adds a float initializer with raw data.
  void AddInitializer(const std::string& name, const std::vector<int64_t>& dims,
                      const std::vector<float>& values);
  /// Adds an int64 initializer with raw data (shapes, axes).
  void AddInt64Initializer(const std::string& name, const std::vector<int64_t>& dims,
                           const std::vector<int64_t>& values);
  /// Adds a node; `name` may be empty. Returns a writer for its attributes.
  NodeAttributeWriter AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs,
                              const std::string& name = "");
  /// Also lists every initializer as a graph input with its type and shape, as IR 3
  /// models do.
  void ListInitializersAsInputs(bool enabled) { initializers_as_inputs_ = enabled; }

  /// The model, with producer name "soma-modelgen".
  onnx::ModelProto Build() const;
  /// The model serialised deterministically.
  std::string BuildBytes() const;

 private:
  onnx::ModelProto model_;
  bool initializers_as_inputs_ = false;
};

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_ONNX_MODEL_BUILDER_H_
