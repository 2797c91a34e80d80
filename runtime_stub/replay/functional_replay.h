// functional_replay.h: the functional level: every command on fp32 values.
//
// DRAM is one fp32 array per tensor, with constants from the stream's blob or fill and
// network inputs from the reference data. The buffer is one fp32 value per slot, NaN until
// written. Commands run in a happens-before order: loads copy boxes from DRAM into the
// buffer, computes run kernels::RunKernel on operand views of the buffer, and stores copy
// boxes back. Every network output is then compared with its expected values.
#ifndef SOMA_REPLAY_FUNCTIONAL_REPLAY_H_
#define SOMA_REPLAY_FUNCTIONAL_REPLAY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "replay/finding.h"
#include "replay/output_compare.h"
#include "replay/replay_options.h"
#include "replay/test_data.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

struct FunctionalReport {
  std::vector<Finding> findings;
  int64_t dropped_finding_count = 0;

  /// Source of the inputs and expected outputs, for the summary.
  std::string reference_source;
  double tolerance = 0;
  /// One per network output, in output order; empty when the commands could not run.
  std::vector<OutputComparison> outputs;
  /// The values the stream stored into every network output, keyed by tensor id.
  std::map<int, std::vector<float>> actual_outputs;

  bool ok() const { return findings.empty() && dropped_finding_count == 0; }
  /// The reference source, a line per output with its error, then every finding.
  std::string Summary() const;
};

/// Runs the stream on `data`. Findings: malformed commands, unsatisfiable waits and
/// deadlocks, accesses outside the buffer (such a command does not run), and kernel errors
/// (kMalformedCommand, naming the command). Every output whose error exceeds `tolerance` is
/// a kOutputMismatch naming the output, the error, the worst element and both values.
/// InvalidArgument when the tables are unreadable, or when `data` lacks a network input or
/// output or has the wrong element count for one.
absl::StatusOr<FunctionalReport> ReplayFunctional(const stream::CommandStream& command_stream,
                                                  const ReferenceData& data, double tolerance);

/// Gathers the reference data from the sources in `options` (PrepareReferenceData), then
/// runs ReplayFunctional with `options.tolerance`.
absl::StatusOr<FunctionalReport> ReplayFunctional(const stream::CommandStream& command_stream,
                                                  const FunctionalOptions& options);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_FUNCTIONAL_REPLAY_H_
