// host_values.cc: constants to and from HostTensor and TensorProto.
#include "importer/host_values.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace soma::importer {

namespace {

constexpr int32_t kUint4Type = 21;
constexpr int32_t kInt4Type = 22;

int32_t HostElementType(const ConstantTensor& constant) {
  const int32_t type = constant.ElementType();
  if (type == kInt4Type) return onnx::TensorProto::INT8;
  if (type == kUint4Type) return onnx::TensorProto::UINT8;
  return type;
}

}  // namespace

bool IsFloatElementType(int32_t elem_type) {
  return elem_type == onnx::TensorProto::FLOAT || elem_type == onnx::TensorProto::DOUBLE ||
         elem_type == onnx::TensorProto::FLOAT16 || elem_type == onnx::TensorProto::BFLOAT16;
}

onnx_ops::HostTensor HostFromConstant(const ConstantTensor& constant) {
  onnx_ops::HostTensor tensor;
  tensor.elem_type = HostElementType(constant);
  tensor.dims = constant.dims;
  const int64_t count = constant.ElementCount();
  tensor.values.resize(count);
  for (int64_t index = 0; index < count; ++index) tensor.values[index] = constant.At(index);
  return tensor;
}

ConstantTensor ConstantFromHost(const onnx_ops::HostTensor& tensor) {
  ConstantTensor constant;
  constant.dims = tensor.dims;
  constant.elem_type = tensor.elem_type;
  constant.is_integer = !IsFloatElementType(tensor.elem_type);
  if (constant.is_integer) {
    constant.int_values.reserve(tensor.values.size());
    for (double value : tensor.values) constant.int_values.push_back(static_cast<int64_t>(value));
  } else {
    constant.float_values.reserve(tensor.values.size());
    for (double value : tensor.values) constant.float_values.push_back(static_cast<float>(value));
  }
  return constant;
}

onnx_ops::HostTensor FilledHost(const std::vector<int64_t>& dims, int32_t elem_type,
                                double value) {
  onnx_ops::HostTensor tensor;
  tensor.elem_type = elem_type;
  tensor.dims = dims;
  tensor.values.assign(onnx_ops::DimsProduct(dims), value);
  return tensor;
}

onnx::TensorProto ConstantToTensorProto(const ConstantTensor& constant, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  const int32_t type = HostElementType(constant);
  proto.set_data_type(type);
  for (int64_t extent : constant.dims) proto.add_dims(extent);
  const int64_t count = constant.ElementCount();
  for (int64_t index = 0; index < count; ++index) {
    const double value = constant.At(index);
    switch (type) {
      case onnx::TensorProto::FLOAT: proto.add_float_data(static_cast<float>(value)); break;
      case onnx::TensorProto::DOUBLE: proto.add_double_data(value); break;
      case onnx::TensorProto::INT64:
        proto.add_int64_data(constant.is_integer && !constant.fill ? constant.int_values[index]
                                                                   : static_cast<int64_t>(value));
        break;
      case onnx::TensorProto::UINT32:
      case onnx::TensorProto::UINT64: proto.add_uint64_data(static_cast<uint64_t>(value)); break;
      case onnx::TensorProto::FLOAT16:
      case onnx::TensorProto::BFLOAT16:
        // Half types would need bit encoding; the importer writes them as FLOAT instead.
        proto.set_data_type(onnx::TensorProto::FLOAT);
        proto.add_float_data(static_cast<float>(value));
        break;
      default: proto.add_int32_data(static_cast<int32_t>(value)); break;
    }
  }
  return proto;
}

onnx::TensorProto Int64VectorProto(const std::vector<int64_t>& values, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx::TensorProto::INT64);
  proto.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t value : values) proto.add_int64_data(value);
  return proto;
}

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace soma::importer
