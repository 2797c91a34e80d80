// replay_options.cc: npu-replay's command-line parser and usage text.
#include "replay/replay_options.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace soma::replay {

const char* ReplayLevelName(ReplayLevel level) {
  switch (level) {
    case ReplayLevel::kStructural:
      return "structural";
    case ReplayLevel::kTiming:
      return "timing";
    case ReplayLevel::kFunctional:
      return "functional";
  }
  return "unknown";
}

std::string ReplayUsage() {
  return R"(usage: npu-replay STREAM.npub --level structural|timing|functional [options]
       npu-replay STREAM.npub --disasm

Replays an NPU command stream and checks it.
  --level structural   shadow buffer and DRAM: ordering, contents and bounds of every access
  --level timing       queue simulation with cost-model cycles, against the stream's estimate
  --level functional   runs every command on fp32 values and compares the network outputs
  --disasm             prints the stream as text, one command a line, and exits

Functional level (default: seeded random inputs, expected outputs from the reference executor):
  --test-data DIR      ONNX backend-test folder with input_K.pb and output_K.pb files
  --input NAME=FILE    values of network input NAME from a TensorProto file (repeatable)
  --expect FILE        expected values of the next network output, in output order (repeatable)
  --seed N             seed of the random inputs (default 1)
  --tolerance X        largest accepted max|actual - expected| / max|expected| (default 1e-4)

  --help               prints this text

Exit codes: 0 every check passed; 2 invalid input (unreadable stream, bad flag, missing test
data); 4 the replay found a mismatch; 5 internal error.
)";
}

namespace {

/// Splits "--flag=value" into flag and value; `value` is empty without '='.
void SplitFlag(absl::string_view argument, std::string* flag, std::optional<std::string>* value) {
  const size_t equals = argument.find('=');
  if (equals == absl::string_view::npos) {
    *flag = std::string(argument);
    value->reset();
  } else {
    *flag = std::string(argument.substr(0, equals));
    *value = std::string(argument.substr(equals + 1));
  }
}

}  // namespace

absl::StatusOr<ReplayOptions> ParseReplayArguments(const std::vector<std::string>& arguments) {
  ReplayOptions options;
  bool level_given = false;
  bool seed_or_tolerance_given = false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument.size() < 2 || argument[0] != '-') {
      if (!options.stream_path.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "more than one stream path: \"", options.stream_path, "\" and \"", argument,
            "\"; npu-replay replays one stream"));
      }
      options.stream_path = argument;
      continue;
    }
    std::string flag;
    std::optional<std::string> inline_value;
    SplitFlag(argument, &flag, &inline_value);
    if (flag == "--help" || flag == "-h") {
      options.show_help = true;
      continue;
    }
    if (flag == "--disasm") {
      if (inline_value.has_value()) {
        return absl::InvalidArgumentError("flag --disasm takes no value");
      }
      options.disassemble = true;
      continue;
    }
    const bool takes_value = flag == "--level" || flag == "--test-data" || flag == "--input" ||
                             flag == "--expect" || flag == "--seed" || flag == "--tolerance";
    if (!takes_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", flag, "; run npu-replay --help for the flags"));
    }
    std::string value;
    if (inline_value.has_value()) {
      value = *inline_value;
    } else if (i + 1 < arguments.size()) {
      value = arguments[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag ", flag, " needs a value"));
    }
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("flag ", flag, " has an empty value"));
    }

    if (flag == "--level") {
      if (value == "structural") {
        options.level = ReplayLevel::kStructural;
      } else if (value == "timing") {
        options.level = ReplayLevel::kTiming;
      } else if (value == "functional") {
        options.level = ReplayLevel::kFunctional;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "flag --level has value \"", value, "\", expected structural, timing or functional"));
      }
      level_given = true;
    } else if (flag == "--test-data") {
      options.functional.test_data_dir = value;
    } else if (flag == "--input") {
      const size_t equals = value.find('=');
      if (equals == std::string::npos || equals == 0 || equals + 1 == value.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "flag --input has value \"", value, "\", expected NAME=FILE.pb"));
      }
      options.functional.input_files.push_back(
          InputFile{value.substr(0, equals), value.substr(equals + 1)});
    } else if (flag == "--expect") {
      options.functional.expect_files.push_back(value);
    } else if (flag == "--seed") {
      if (!absl::SimpleAtoi(value, &options.functional.seed)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "flag --seed has value \"", value, "\", expected a non-negative integer"));
      }
      seed_or_tolerance_given = true;
    } else if (flag == "--tolerance") {
      double tolerance = 0;
      if (!absl::SimpleAtod(value, &tolerance) || !std::isfinite(tolerance) || tolerance < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "flag --tolerance has value \"", value, "\", expected a non-negative number"));
      }
      options.functional.tolerance = tolerance;
      seed_or_tolerance_given = true;
    }
  }

  if (options.show_help) return options;
  if (options.stream_path.empty()) {
    return absl::InvalidArgumentError("missing the stream path; usage: npu-replay STREAM.npub "
                                      "--level structural|timing|functional");
  }
  if (options.disassemble) return options;
  if (!level_given) {
    return absl::InvalidArgumentError(
        "missing flag --level; expected --level structural, timing or functional");
  }
  const FunctionalOptions& functional = options.functional;
  const bool has_functional_flags = functional.test_data_dir.has_value() ||
                                    !functional.input_files.empty() ||
                                    !functional.expect_files.empty() || seed_or_tolerance_given;
  if (has_functional_flags && options.level != ReplayLevel::kFunctional) {
    return absl::InvalidArgumentError(absl::StrCat(
        "flags --test-data, --input, --expect, --seed and --tolerance apply to --level "
        "functional only, but --level is ", ReplayLevelName(options.level)));
  }
  if (functional.test_data_dir.has_value() &&
      (!functional.input_files.empty() || !functional.expect_files.empty())) {
    return absl::InvalidArgumentError(
        "flag --test-data cannot be combined with --input or --expect; use one source");
  }
  return options;
}

}  // namespace soma::replay
