// compile_driver.h: the compile pipeline, one stage after another.
//
// Importer -> LayerGraph -> Scheduler -> Program -> Allocator -> Codegen -> CommandStream,
// with each stage's output verified at the boundary and the reports built from them. The
// plugin's C ABI and npuc's built-in default path both call Compile.
#ifndef SOMA_DRIVER_COMPILE_DRIVER_H_
#define SOMA_DRIVER_COMPILE_DRIVER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace soma::driver {

struct CompileRequest {
  std::string model_path;
  /// Model bytes already in memory; when absent the model is read from `model_path`.
  std::optional<std::string> model_bytes;
  std::string hardware_path;
  /// "--soma-NAME=VALUE" options.
  std::vector<std::string> options;
  /// Receives progress and diagnostics; may be empty.
  std::function<void(int level, const std::string& message)> log;
};

struct OutputFile {
  std::string name;
  std::string data;
};

struct CompileOutcome {
  absl::Status status;
  /// Files for the output folder. On success: stream.npub, stream.txt, summary.json,
  /// per_layer.csv, per_group.csv, dma.csv, buffer.csv, trace.json, schedule.json,
  /// placement.csv, and the --soma-schedule-out file under its absolute path. On an
  /// infeasible schedule: summary.json and placement.csv only. Otherwise empty.
  std::vector<OutputFile> files;
  std::string summary_text;
};

CompileOutcome Compile(const CompileRequest& request);

}  // namespace soma::driver

#endif  // SOMA_DRIVER_COMPILE_DRIVER_H_
