// model_reader.cc: file reading and bounded ModelProto parsing.
#include "importer/model_reader.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"

namespace soma::importer {

absl::StatusOr<std::string> ReadModelFileBytes(const std::string& path, int64_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model file '", path, "' does not exist; check the path"));
  }
  if (!fs::is_regular_file(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model path '", path, "' is not a regular file"));
  }
  const uintmax_t file_bytes = fs::file_size(path, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the size of model file '", path, "': ", error.message()));
  }
  if (static_cast<int64_t>(file_bytes) > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("model file '", path, "' has ", file_bytes,
                                                   " bytes, more than the limit of ", max_bytes,
                                                   " bytes"));
  }
  std::ifstream file(path, std::ios::binary);
  std::string bytes(static_cast<size_t>(file_bytes), '\0');
  file.read(bytes.data(), static_cast<std::streamsize>(file_bytes));
  if (!file) {
    return absl::InvalidArgumentError(absl::StrCat("failed to read model file '", path, "'"));
  }
  return bytes;
}

absl::StatusOr<onnx::ModelProto> ParseModelProto(const std::string& bytes,
                                                 const std::string& source_name,
                                                 int64_t max_bytes) {
  if (static_cast<int64_t>(bytes.size()) > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("model '", source_name, "' has ",
                                                   bytes.size(), " bytes, more than the limit of ",
                                                   max_bytes, " bytes"));
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(bytes.size()));
  const int64_t limit_bytes =
      std::min<int64_t>(max_bytes, std::numeric_limits<int>::max());
  stream.SetTotalBytesLimit(static_cast<int>(limit_bytes));
  onnx::ModelProto model;
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "failed to parse '", source_name,
        "' as an ONNX ModelProto: the file is truncated or not an ONNX model"));
  }
  if (!model.has_graph()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "failed to parse '", source_name,
        "' as an ONNX ModelProto: it has no graph (the file is truncated or not an ONNX model)"));
  }
  return model;
}

}  // namespace soma::importer
