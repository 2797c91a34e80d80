// onnx_model_builder.cc: ModelProto construction for generated models and tests.
#include "model_builder/onnx_model_builder.h"

#include <cstring>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace soma::model_builder {

namespace {

void SetShape(onnx::TypeProto::Tensor* type, const std::vector<Dim>& dims) {
  onnx::TensorShapeProto* shape = type->mutable_shape();
  for (const Dim& dim : dims) {
    onnx::TensorShapeProto::Dimension* entry = shape->add_dim();
    if (const int64_t* extent = std::get_if<int64_t>(&dim)) {
      entry->set_dim_value(*extent);
    } else {
      entry->set_dim_param(std::get<std::string>(dim));
    }
  }
}

template <typename T>
std::string RawBytes(const std::vector<T>& values) {
  std::string raw(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

}  // namespace

onnx::AttributeProto* NodeAttributeWriter::Add(const std::string& name,
                                               onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto* attribute = node_->add_attribute();
  attribute->set_name(name);
  attribute->set_type(type);
  return attribute;
}

NodeAttributeWriter& NodeAttributeWriter::Int(const std::string& name, int64_t value) {
  Add(name, onnx::AttributeProto::INT)->set_i(value);
  return *this;
}

NodeAttributeWriter& NodeAttributeWriter::Ints(const std::string& name,
                                               const std::vector<int64_t>& values) {
  onnx::AttributeProto* attribute = Add(name, onnx::AttributeProto::INTS);
  for (int64_t value : values) attribute->add_ints(value);
  return *this;
}

NodeAttributeWriter& NodeAttributeWriter::Float(const std::string& name, float value) {
  Add(name, onnx::AttributeProto::FLOAT)->set_f(value);
  return *this;
}

NodeAttributeWriter& NodeAttributeWriter::Floats(const std::string& name,
                                                 const std::vector<float>& values) {
  onnx::AttributeProto* attribute = Add(name, onnx::AttributeProto::FLOATS);
  for (float value : values) attribute->add_floats(value);
  return *this;
}

NodeAttributeWriter& NodeAttributeWriter::String(const std::string& name,
                                                 const std::string& value) {
  Add(name, onnx::AttributeProto::STRING)->set_s(value);
  return *this;
}

NodeAttributeWriter& NodeAttributeWriter::Tensor(const std::string& name,
                                                 const onnx::TensorProto& value) {
  *Add(name, onnx::AttributeProto::TENSOR)->mutable_t() = value;
  return *this;
}

onnx::TensorProto FloatTensor(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<float>& values) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  for (int64_t extent : dims) tensor.add_dims(extent);
  tensor.set_data_type(onnx::TensorProto::FLOAT);
  tensor.set_raw_data(RawBytes(values));
  return tensor;
}

onnx::TensorProto Int64Tensor(const std::string& name, const std::vector<int64_t>& dims,
                              const std::vector<int64_t>& values) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  for (int64_t extent : dims) tensor.add_dims(extent);
  tensor.set_data_type(onnx::TensorProto::INT64);
  tensor.set_raw_data(RawBytes(values));
  return tensor;
}

OnnxModelBuilder::OnnxModelBuilder(std::string graph_name, int64_t opset, int64_t ir_version) {
  model_.set_ir_version(ir_version);
  model_.set_producer_name("soma-modelgen");
  onnx::OperatorSetIdProto* opset_import = model_.add_opset_import();
  opset_import->set_domain("");
  opset_import->set_version(opset);
  model_.mutable_graph()->set_name(std::move(graph_name));
}

void OnnxModelBuilder::AddTypedInput(const std::string& name, int elem_type,
                                     const std::vector<Dim>& dims) {
  onnx::ValueInfoProto* input = model_.mutable_graph()->add_input();
  input->set_name(name);
  onnx::TypeProto::Tensor* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(elem_type);
  SetShape(type, dims);
}

void OnnxModelBuilder::AddInput(const std::string& name, const std::vector<Dim>& dims) {
  AddTypedInput(name, onnx::TensorProto::FLOAT, dims);
}

void OnnxModelBuilder::AddOutput(const std::string& name, const std::vector<Dim>& dims) {
  onnx::ValueInfoProto* output = model_.mutable_graph()->add_output();
  output->set_name(name);
  onnx::TypeProto::Tensor* type = output->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  if (!dims.empty()) SetShape(type, dims);
}

void OnnxModelBuilder::AddInitializer(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<float>& values) {
  *model_.mutable_graph()->add_initializer() = FloatTensor(name, dims, values);
}

void OnnxModelBuilder::AddInt64Initializer(const std::string& name,
                                           const std::vector<int64_t>& dims,
                                           const std::vector<int64_t>& values) {
  *model_.mutable_graph()->add_initializer() = Int64Tensor(name, dims, values);
}

NodeAttributeWriter OnnxModelBuilder::AddNode(const std::string& op_type,
                                              const std::vector<std::string>& inputs,
                                              const std::vector<std::string>& outputs,
                                              const std::string& name) {
  onnx::NodeProto* node = model_.mutable_graph()->add_node();
  node->set_op_type(op_type);
  if (!name.empty()) node->set_name(name);
  for (const std::string& input : inputs) node->add_input(input);
  for (const std::string& output : outputs) node->add_output(output);
  return NodeAttributeWriter(node);
}

onnx::ModelProto OnnxModelBuilder::Build() const {
  onnx::ModelProto model = model_;
  if (initializers_as_inputs_) {
    for (const onnx::TensorProto& initializer : model_.graph().initializer()) {
      onnx::ValueInfoProto* input = model.mutable_graph()->add_input();
      input->set_name(initializer.name());
      onnx::TypeProto::Tensor* type = input->mutable_type()->mutable_tensor_type();
      type->set_elem_type(initializer.data_type());
      std::vector<Dim> dims(initializer.dims().begin(), initializer.dims().end());
      SetShape(type, dims);
    }
  }
  return model;
}

std::string OnnxModelBuilder::BuildBytes() const { return SerializeModel(Build()); }

std::string SerializeModel(const onnx::ModelProto& model) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    model.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace soma::model_builder
