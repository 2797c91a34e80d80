// tensor_proto_io.cc: reads and writes ONNX TensorProto files as fp32 tensors.
#include "importer/tensor_proto_io.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "importer/constant_tensor.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

absl::StatusOr<NamedTensor> ReadTensorProtoFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open TensorProto file '", path, "': no such readable file"));
  }
  std::ostringstream bytes;
  bytes << file.rdbuf();
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes.str())) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to parse '", path, "' as an ONNX TensorProto"));
  }
  // Test-data tensors never point at external files, so no folder is allowed.
  auto constant = ConstantFromTensorProto(proto, ExternalDataPolicy{});
  if (!constant.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TensorProto file '", path, "': ", constant.status().message()));
  }
  NamedTensor tensor;
  tensor.name = proto.name();
  tensor.dims = constant->dims;
  const int64_t count = constant->ElementCount();
  tensor.values.reserve(count);
  for (int64_t index = 0; index < count; ++index) {
    tensor.values.push_back(static_cast<float>(constant->At(index)));
  }
  return tensor;
}

absl::Status WriteTensorProtoFile(const std::string& path, const NamedTensor& tensor) {
  if (DimsElementCount(tensor.dims) != static_cast<int64_t>(tensor.values.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", tensor.name, "' for '", path, "': dims ",
                     DimsToString(tensor.dims), " need ", DimsElementCount(tensor.dims),
                     " values, found ", tensor.values.size()));
  }
  onnx::TensorProto proto;
  for (int64_t extent : tensor.dims) proto.add_dims(extent);
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.set_name(tensor.name);
  std::string raw(tensor.values.size() * sizeof(float), '\0');
  if (!tensor.values.empty()) std::memcpy(raw.data(), tensor.values.data(), raw.size());
  proto.set_raw_data(std::move(raw));
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    return absl::InternalError(absl::StrCat("failed to serialise tensor '", tensor.name, "'"));
  }

  const std::string temporary_path = path + ".tmp";
  {
    std::ofstream file(temporary_path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) {
      std::remove(temporary_path.c_str());
      return absl::InvalidArgumentError(
          absl::StrCat("failed to write '", temporary_path, "'; check that the folder exists and is writable"));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary_path, path, error);
  if (error) {
    std::remove(temporary_path.c_str());
    return absl::InvalidArgumentError(absl::StrCat("failed to rename '", temporary_path,
                                                   "' to '", path, "': ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace soma::importer
