// compile_options.h: the --soma-* options of a compile, parsed and validated.
#ifndef SOMA_DRIVER_COMPILE_OPTIONS_H_
#define SOMA_DRIVER_COMPILE_OPTIONS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "schedule/strategy.h"

namespace soma::driver {

struct CompileOptions {
  /// Scheduling strategy (--soma-strategy).
  schedule::StrategyKind strategy = schedule::StrategyKind::kSoma;
  uint64_t seed = 1;
  std::optional<double> time_limit_seconds;
  int threads = 1;
  std::optional<int64_t> batch;
  std::map<std::string, int64_t> dims;
  /// Graph inputs frozen to the values of TensorProto files, by input name
  /// (--soma-constant-input NAME=FILE.pb).
  std::map<std::string, std::string> constant_inputs;
  /// Writes the schedule notation as JSON to this path (--soma-schedule-out).
  std::optional<std::string> schedule_out;
  /// Compiles the schedule in this JSON file instead of searching (--soma-schedule-in).
  std::optional<std::string> schedule_in;
};

/// Parses "--soma-NAME=VALUE" options (a bare "--soma" is accepted and ignored). Errors
/// (InvalidArgument) name the option, say what is wrong and list the valid values.
absl::StatusOr<CompileOptions> ParseCompileOptions(const std::vector<std::string>& options);

/// Help text: every option, its meaning, unit and default.
const char* CompileOptionsHelp();

/// The output of `npuc --soma-supported-ops`: one line per operator the importer accepts,
/// sorted, with three tab-separated fields: `domain.op_type`, where it runs (npu layer
/// kinds, "vector tensor op", "host" or "folded") and its constraints.
std::string SupportedOperatorsText();

}  // namespace soma::driver

#endif  // SOMA_DRIVER_COMPILE_OPTIONS_H_
