// external_data.cc: external TensorProto data, read only from inside the model's folder.
#include "importer/external_data.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace soma::importer {

namespace {

namespace fs = std::filesystem;

struct ExternalLocation {
  std::string location;
  int64_t offset = 0;
  std::optional<int64_t> length;
};

absl::StatusOr<ExternalLocation> ParseExternalEntries(const onnx::TensorProto& proto) {
  ExternalLocation result;
  for (const onnx::StringStringEntryProto& entry : proto.external_data()) {
    if (entry.key() == "location") {
      result.location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      int64_t value = 0;
      if (!absl::SimpleAtoi(entry.value(), &value) || value < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("tensor '", proto.name(), "': external data ", entry.key(), " '",
                         entry.value(), "' is not a non-negative integer"));
      }
      if (entry.key() == "offset") {
        result.offset = value;
      } else {
        result.length = value;
      }
    }
  }
  if (result.location.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", proto.name(), "': external data has no 'location' entry"));
  }
  return result;
}

// Resolves `location` below `folder`, following symbolic links, and rejects any path that
// ends up outside it.
absl::StatusOr<fs::path> ResolveInsideFolder(const std::string& tensor_name,
                                             const std::string& folder,
                                             const std::string& location) {
  const fs::path relative(location);
  if (relative.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", tensor_name, "': external data location '", location,
                     "' is absolute; only paths relative to the model's folder are allowed"));
  }
  std::error_code error;
  const fs::path root = fs::weakly_canonical(fs::path(folder), error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor_name,
                                                   "': cannot resolve the model folder '",
                                                   folder, "': ", error.message()));
  }
  const fs::path resolved = fs::weakly_canonical(root / relative, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor_name,
                                                   "': cannot resolve external data location '",
                                                   location, "': ", error.message()));
  }
  const fs::path inside = resolved.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", tensor_name, "': external data location '", location,
                     "' resolves to '", resolved.string(), "', outside the model's folder '",
                     root.string(), "'"));
  }
  return resolved;
}

}  // namespace

absl::StatusOr<std::string> ReadExternalData(const onnx::TensorProto& proto,
                                             const ExternalDataPolicy& policy) {
  if (policy.model_folder.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", proto.name(),
                     "' keeps its data in an external file, but the model was read from memory; "
                     "import it from a file path instead"));
  }
  auto entries = ParseExternalEntries(proto);
  if (!entries.ok()) return entries.status();
  auto path = ResolveInsideFolder(proto.name(), policy.model_folder, entries->location);
  if (!path.ok()) return path.status();

  std::error_code error;
  const uintmax_t file_bytes = fs::file_size(*path, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", proto.name(),
                                                   "': cannot read external data file '",
                                                   path->string(), "': ", error.message()));
  }
  const int64_t available_bytes = static_cast<int64_t>(file_bytes) - entries->offset;
  const int64_t length_bytes = entries->length.value_or(available_bytes);
  if (available_bytes < 0 || length_bytes > available_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", proto.name(), "': external data file '", path->string(), "' has ",
        file_bytes, " bytes, fewer than offset ", entries->offset, " + length ", length_bytes));
  }
  std::ifstream file(*path, std::ios::binary);
  std::string bytes(static_cast<size_t>(length_bytes), '\0');
  file.seekg(entries->offset);
  file.read(bytes.data(), length_bytes);
  if (!file) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", proto.name(),
                                                   "': failed to read ", length_bytes,
                                                   " bytes of external data from '",
                                                   path->string(), "'"));
  }
  return bytes;
}

}  // namespace soma::importer
