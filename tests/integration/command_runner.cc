// command_runner.cc: subprocess helpers for integration tests.
#include "integration/command_runner.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "util/test_paths.h"

namespace soma::testing {

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk;
  size_t count = 0;
  while ((count = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.output.append(chunk.data(), count);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Binary(const std::string& name) { return BinaryDir() + "/bin/" + name; }

std::string FreshOutputDir(const std::string& test_name) {
  const std::filesystem::path dir = std::filesystem::path(BinaryDir()) / "test_outputs" / test_name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

bool OnnxRuntimeAvailable() {
  const std::filesystem::path package =
      std::filesystem::path(SourceDir()) / "tools" / "ort" / "node_modules" / "onnxruntime-node";
  return std::filesystem::exists(package) && RunCommand("node --version").exit_code == 0;
}

CommandResult WriteOnnxRuntimeTestData(const std::string& model_path, int seed,
                                       const std::string& out_dir) {
  return RunCommand("node " + SourceDir() + "/tools/ort/ort_reference.mjs --model '" +
                    model_path + "' --seed " + std::to_string(seed) + " --out '" + out_dir + "'");
}

}  // namespace soma::testing
