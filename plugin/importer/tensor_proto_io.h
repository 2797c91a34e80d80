// tensor_proto_io.h: ONNX TensorProto files (the backend-test input_K.pb / output_K.pb).
#ifndef SOMA_IMPORTER_TENSOR_PROTO_IO_H_
#define SOMA_IMPORTER_TENSOR_PROTO_IO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace soma::importer {

/// A tensor read from or written to a TensorProto file, as fp32 values.
struct NamedTensor {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> values;
};

/// Reads a TensorProto file (float, double, int8/16/32/64, uint8 or bool data, raw or
/// typed fields) and converts the values to fp32. InvalidArgument names the file on a
/// parse failure or an element count that does not match the dims.
absl::StatusOr<NamedTensor> ReadTensorProtoFile(const std::string& path);
/// Writes `tensor` as a float TensorProto with raw data. Writes to a temporary file and
/// renames it, so a failed write leaves no partial file.
absl::Status WriteTensorProtoFile(const std::string& path, const NamedTensor& tensor);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_TENSOR_PROTO_IO_H_
