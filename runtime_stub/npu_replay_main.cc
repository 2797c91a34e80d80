// npu_replay_main.cc: the npu-replay command: replays a .npub command stream structurally,
// in timing or functionally, or prints its disassembly.
//
// Exit codes: 0 every check passed; 2 invalid input (unreadable stream, wrong magic or
// schema version, bad flags, missing test data); 4 the replay found a mismatch; 5 internal
// error.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "codegen/stream_io.h"
#include "replay/finding.h"
#include "replay/functional_replay.h"
#include "replay/replay_options.h"
#include "replay/structural_replay.h"
#include "replay/timing_replay.h"

namespace soma::replay {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInvalidInput = 2;
constexpr int kExitMismatch = 4;
constexpr int kExitInternal = 5;

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return kExitInvalidInput;
    case absl::StatusCode::kDataLoss:
      return kExitMismatch;
    default:
      return kExitInternal;
  }
}

int ReportError(const absl::Status& status) {
  std::cerr << "npu-replay: error: " << status.message() << "\n";
  return ExitCodeFor(status);
}

/// Prints the summary; on findings, also the first one on stderr, and returns 4.
template <typename Report>
int FinishLevel(const absl::StatusOr<Report>& report, const char* level_name) {
  if (!report.ok()) return ReportError(report.status());
  std::cout << report->Summary();
  if (report->ok()) return kExitOk;
  const int64_t count = static_cast<int64_t>(report->findings.size()) + report->dropped_finding_count;
  std::cerr << "npu-replay: the " << level_name << " replay found " << count
            << (count == 1 ? " mismatch" : " mismatches");
  if (!report->findings.empty()) {
    std::cerr << "; the first: " << FindingKindName(report->findings.front().kind) << ": "
              << report->findings.front().message;
  }
  std::cerr << "\n";
  return kExitMismatch;
}

int Run(const std::vector<std::string>& arguments) {
  const absl::StatusOr<ReplayOptions> options = ParseReplayArguments(arguments);
  if (!options.ok()) {
    std::cerr << "npu-replay: error: " << options.status().message()
              << "\nrun npu-replay --help for the usage\n";
    return kExitInvalidInput;
  }
  if (options->show_help) {
    std::cout << ReplayUsage();
    return kExitOk;
  }

  const absl::StatusOr<stream::CommandStream> command_stream =
      codegen::ReadStreamFile(options->stream_path);
  if (!command_stream.ok()) return ReportError(command_stream.status());
  if (options->disassemble) {
    std::cout << codegen::Disassemble(*command_stream);
    return kExitOk;
  }

  switch (options->level) {
    case ReplayLevel::kStructural:
      return FinishLevel(ReplayStructural(*command_stream), "structural");
    case ReplayLevel::kTiming:
      return FinishLevel(ReplayTiming(*command_stream), "timing");
    case ReplayLevel::kFunctional:
      return FinishLevel(ReplayFunctional(*command_stream, options->functional), "functional");
  }
  return ReportError(absl::InternalError("unknown replay level"));
}

}  // namespace
}  // namespace soma::replay

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  try {
    return soma::replay::Run(arguments);
  } catch (const std::exception& error) {
    // Only foreign code throws (the standard library on allocation failure, protobuf).
    std::cerr << "npu-replay: internal error: " << error.what() << "\n";
    return 5;
  }
}
