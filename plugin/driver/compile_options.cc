// compile_options.cc: parsing of the --soma-* options.
#include "driver/compile_options.h"

#include <cmath>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "importer/op_lowering.h"

namespace soma::driver {

namespace {

// More search threads than this only adds scheduling overhead on any current host.
constexpr int64_t kMaxThreads = 256;

absl::Status InvalidValue(absl::string_view name, absl::string_view value, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("option --soma-", name, ": invalid value '", value,
                                                 "'; expected ", expected));
}

absl::StatusOr<int64_t> ParsePositiveInt(absl::string_view name, absl::string_view value) {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed <= 0) {
    return InvalidValue(name, value, "a positive integer");
  }
  return parsed;
}

absl::Status ApplyOption(absl::string_view name, absl::string_view value, CompileOptions& options) {
  if (name == "strategy") {
    if (value == "lbl") {
      options.strategy = schedule::StrategyKind::kLayerByLayer;
    } else if (value == "cocco") {
      options.strategy = schedule::StrategyKind::kCocco;
    } else if (value == "soma") {
      options.strategy = schedule::StrategyKind::kSoma;
    } else {
      return InvalidValue(name, value, "one of lbl, cocco, soma");
    }
    return absl::OkStatus();
  }
  if (name == "seed") {
    uint64_t seed = 0;
    if (!absl::SimpleAtoi(value, &seed)) return InvalidValue(name, value, "an unsigned integer");
    options.seed = seed;
    return absl::OkStatus();
  }
  if (name == "time-limit") {
    double seconds = 0;
    if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) || !std::isfinite(seconds)) {
      return InvalidValue(name, value, "a positive number of seconds");
    }
    options.time_limit_seconds = seconds;
    return absl::OkStatus();
  }
  if (name == "threads") {
    auto threads = ParsePositiveInt(name, value);
    if (!threads.ok()) return threads.status();
    if (*threads > kMaxThreads) {
      return InvalidValue(name, value, absl::StrCat("at most ", kMaxThreads, " threads"));
    }
    options.threads = static_cast<int>(*threads);
    return absl::OkStatus();
  }
  if (name == "batch") {
    auto batch = ParsePositiveInt(name, value);
    if (!batch.ok()) return batch.status();
    options.batch = *batch;
    return absl::OkStatus();
  }
  if (name == "dim") {
    std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty()) {
      return InvalidValue(name, value, "NAME=VALUE, e.g. --soma-dim=batch=1");
    }
    const std::string dim_name(parts[0]);
    auto extent = ParsePositiveInt(name, parts[1]);
    if (!extent.ok()) {
      return InvalidValue(name, value,
                          absl::StrCat("a positive integer extent for dimension '", dim_name, "'"));
    }
    if (options.dims.count(dim_name) > 0) {
      return InvalidValue(name, value,
                          absl::StrCat("one binding per dimension; '", dim_name,
                                       "' is already bound to ", options.dims[dim_name]));
    }
    options.dims[dim_name] = *extent;
    return absl::OkStatus();
  }
  if (name == "constant-input") {
    std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return InvalidValue(name, value, "NAME=FILE.pb, e.g. --soma-constant-input=axes=axes.pb");
    }
    options.constant_inputs[std::string(parts[0])] = std::string(parts[1]);
    return absl::OkStatus();
  }
  if (name == "schedule-out" || name == "schedule-in") {
    if (value.empty()) return InvalidValue(name, value, "a file path");
    if (name == "schedule-out") {
      // Checked now, so that a bad path fails before the search rather than after it.
      const std::filesystem::path folder =
          std::filesystem::absolute(std::string(value)).parent_path();
      std::error_code error;
      if (!std::filesystem::is_directory(folder, error)) {
        return InvalidValue(name, value,
                            absl::StrCat("a path in an existing folder; '", folder.string(),
                                         "' is not a folder"));
      }
    }
    (name == "schedule-out" ? options.schedule_out : options.schedule_in) = std::string(value);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown option --soma-", name,
                                                 "; run npuc --help for the list of --soma-* options"));
}

}  // namespace

absl::StatusOr<CompileOptions> ParseCompileOptions(const std::vector<std::string>& options) {
  CompileOptions parsed;
  for (const std::string& option : options) {
    if (option == "--soma") continue;
    absl::string_view text = option;
    if (!absl::ConsumePrefix(&text, "--soma-")) {
      return absl::InvalidArgumentError(absl::StrCat("option '", option,
                                                     "' is not a --soma-* option"));
    }
    std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits('=', 1));
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat("option --soma-", parts[0],
                                                     " needs a value: --soma-", parts[0], "=VALUE"));
    }
    absl::Status status = ApplyOption(parts[0], parts[1], parsed);
    if (!status.ok()) return status;
  }
  return parsed;
}

const char* CompileOptionsHelp() {
  return "  --soma-strategy=lbl|cocco|soma  scheduling strategy (default soma)\n"
         "  --soma-seed=N                   seed of the search (default 1)\n"
         "  --soma-time-limit=SECONDS       wall-clock budget of the search\n"
         "  --soma-threads=N                search threads (default 1)\n"
         "  --soma-batch=N                  rewrite the first dimension of every graph input\n"
         "  --soma-dim=NAME=VALUE           bind a symbolic dimension (repeatable)\n"
         "  --soma-constant-input=NAME=FILE freeze graph input NAME to the TensorProto in FILE\n"
         "                                  (shape operands fed as inputs; repeatable)\n"
         "  --soma-schedule-out=FILE.json   also write the schedule notation to FILE.json\n"
         "  --soma-schedule-in=FILE.json    compile that schedule instead of searching\n"
         "Without --soma-time-limit the search is bounded by rounds only, so the same model,\n"
         "hardware and seed give a byte-identical stream whatever the thread count.\n"
         "npuc --soma-supported-ops lists every supported ONNX operator, where it runs and its\n"
         "constraints, one per line (no model needed).\n";
}

std::string SupportedOperatorsText() {
  std::string text;
  for (const importer::SupportedOperatorRow& row : importer::SupportedOperatorRows()) {
    absl::StrAppend(&text, row.name, "\t", row.placement, "\t",
                    row.constraints.empty() ? "none" : row.constraints, "\n");
  }
  return text;
}

}  // namespace soma::driver
