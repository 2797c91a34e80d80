// test_paths.cc: locations of the source tree, build tree and shared corpus for tests.
#include "util/test_paths.h"

#include <cstdlib>
#include <filesystem>

namespace soma::testing {

namespace {
std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string(fallback);
}
}  // namespace

std::string SourceDir() { return EnvOr("SOMA_SOURCE_DIR", SOMA_DEFAULT_SOURCE_DIR); }
std::string BinaryDir() { return EnvOr("SOMA_BINARY_DIR", SOMA_DEFAULT_BINARY_DIR); }

std::optional<std::string> CorpusFile(const std::string& file_name) {
  const std::filesystem::path path =
      std::filesystem::path(SourceDir()) / ".." / "shared" / "corpus" / "handed" / file_name;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return std::filesystem::weakly_canonical(path).string();
}

}  // namespace soma::testing
