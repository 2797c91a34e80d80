// structural_replay.h: the structural level: executes the stream in a happens-before order on
// a shadow of the buffer and of DRAM, without values.
#ifndef SOMA_REPLAY_STRUCTURAL_REPLAY_H_
#define SOMA_REPLAY_STRUCTURAL_REPLAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "replay/finding.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

struct StructuralReport {
  std::vector<Finding> findings;
  /// Findings past the list's limit, counted only.
  int64_t dropped_finding_count = 0;

  int64_t load_count = 0;
  int64_t store_count = 0;
  int64_t compute_count = 0;
  int64_t wait_count = 0;
  int64_t loaded_bytes = 0;
  int64_t stored_bytes = 0;
  /// Bytes of one shadow slot (the greatest common divisor of the element sizes).
  int64_t slot_bytes = 0;

  bool ok() const { return findings.empty() && dropped_finding_count == 0; }
  /// A few lines: the counts, then every finding.
  std::string Summary() const;
};

/// Replays `command_stream` structurally. The findings cover:
///   - malformed commands, waits that can never be satisfied, and deadlocks;
///   - reads of buffer slots that do not contain the element the command expects;
///   - accesses on different queues that the waits leave unordered (races);
///   - writes that destroy data a later command still reads;
///   - accesses outside the buffer or a tensor's DRAM range;
///   - network output elements no store writes;
///   - loads of DRAM activations that no store ordered before them wrote.
/// InvalidArgument when the stream's tables are unreadable (see ValidateStreamTables) or its
/// layer table does not decode.
absl::StatusOr<StructuralReport> ReplayStructural(const stream::CommandStream& command_stream);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_STRUCTURAL_REPLAY_H_
