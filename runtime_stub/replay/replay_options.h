// replay_options.h: what npu-replay runs, parsed from its command line.
#ifndef SOMA_REPLAY_REPLAY_OPTIONS_H_
#define SOMA_REPLAY_REPLAY_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace soma::replay {

enum class ReplayLevel {
  /// Shadow buffer and DRAM: ordering, contents and bounds of every access; no values.
  kStructural,
  /// Queue simulation with cost-model durations against the stream's estimate.
  kTiming,
  /// Every command on fp32 values; network outputs against expected values.
  kFunctional,
};

const char* ReplayLevelName(ReplayLevel level);

/// A network input's values from a TensorProto file (`--input NAME=FILE.pb`).
struct InputFile {
  std::string input_name;
  std::string path;
};

/// Sources of the functional level's inputs and expected outputs. With no test-data folder
/// and no files, inputs are seeded random values and the expected outputs come from the
/// reference executor. Any output without an expected file is checked against the
/// reference executor too.
struct FunctionalOptions {
  /// An ONNX backend-test folder with input_K.pb and output_K.pb.
  std::optional<std::string> test_data_dir;
  std::vector<InputFile> input_files;
  /// Expected values of the network outputs, in output order.
  std::vector<std::string> expect_files;
  /// Seed of the random inputs.
  uint64_t seed = 1;
  /// Largest accepted max|actual - expected| / max|expected| of an output.
  double tolerance = 1e-4;
};

struct ReplayOptions {
  std::string stream_path;
  ReplayLevel level = ReplayLevel::kStructural;
  /// Print the disassembly and exit.
  bool disassemble = false;
  bool show_help = false;
  FunctionalOptions functional;
};

/// The usage text of npu-replay.
std::string ReplayUsage();

/// Parses npu-replay's arguments (without the program name). InvalidArgument names the flag
/// and what it expects: an unknown flag, a missing or malformed value, a second stream path,
/// no stream path, no --level, or functional flags with another level.
absl::StatusOr<ReplayOptions> ParseReplayArguments(const std::vector<std::string>& arguments);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_REPLAY_OPTIONS_H_
