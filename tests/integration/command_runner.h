// command_runner.h: runs the project's binaries from tests and captures their output.
#ifndef SOMA_TESTS_INTEGRATION_COMMAND_RUNNER_H_
#define SOMA_TESTS_INTEGRATION_COMMAND_RUNNER_H_

#include <string>

namespace soma::testing {

struct CommandResult {
  int exit_code = -1;
  /// Standard output and standard error, interleaved.
  std::string output;
};

/// Runs `command` through /bin/sh with stderr merged into stdout.
CommandResult RunCommand(const std::string& command);

/// Path of a built binary, e.g. Binary("npuc") -> BUILD/bin/npuc.
std::string Binary(const std::string& name);

/// A fresh empty folder under the build tree for one test's outputs.
std::string FreshOutputDir(const std::string& test_name);

/// Whether node and the onnxruntime-node package in tools/ort are available.
bool OnnxRuntimeAvailable();

/// Writes ONNX Runtime's outputs for seeded random inputs of `model_path` into `out_dir`
/// (backend-test layout). Returns the command's result.
CommandResult WriteOnnxRuntimeTestData(const std::string& model_path, int seed,
                                       const std::string& out_dir);

}  // namespace soma::testing

#endif  // SOMA_TESTS_INTEGRATION_COMMAND_RUNNER_H_
