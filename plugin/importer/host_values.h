// host_values.h: conversions between the importer's constants and the reference
// interpreter's HostTensor, and TensorProto encoding of integer constants.
#ifndef SOMA_IMPORTER_HOST_VALUES_H_
#define SOMA_IMPORTER_HOST_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "importer/constant_tensor.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/host_tensor.h"

namespace soma::importer {

/// True for the ONNX element types the importer holds as floats.
bool IsFloatElementType(int32_t elem_type);

/// `constant` as a HostTensor of its element type (a fill is expanded; 4-bit types become
/// INT8 or UINT8).
onnx_ops::HostTensor HostFromConstant(const ConstantTensor& constant);

/// `tensor` as a ConstantTensor that keeps its element type.
ConstantTensor ConstantFromHost(const onnx_ops::HostTensor& tensor);

/// A HostTensor of `dims` and `elem_type` with every element `value`.
onnx_ops::HostTensor FilledHost(const std::vector<int64_t>& dims, int32_t elem_type, double value);

/// `constant` as a TensorProto named `name` with typed fields of its element type (4-bit
/// types are written as INT8 or UINT8).
onnx::TensorProto ConstantToTensorProto(const ConstantTensor& constant, const std::string& name);

/// An INT64 TensorProto of `values` with dims [values.size()].
onnx::TensorProto Int64VectorProto(const std::vector<int64_t>& values, const std::string& name);

/// Serialises `message` with deterministic map ordering.
std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_HOST_VALUES_H_
