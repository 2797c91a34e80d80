// timing_replay.h: the timing level: a discrete-event simulation of the queues.
//
// Dependencies come only from queue order and Wait commands; durations come from the cost
// model (arch/cost_model.h), the same one the scheduler's evaluator uses. A work command
// starts when its queue is free and every wait before it is satisfied; a wait takes no time.
// Equal latency shows that the stream encodes the dependencies the schedule assumed, and
// no others that cost time.
#ifndef SOMA_REPLAY_TIMING_REPLAY_H_
#define SOMA_REPLAY_TIMING_REPLAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "replay/finding.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

struct QueueTiming {
  /// Cycles the queue spends running commands.
  int64_t busy_cycles = 0;
  /// Cycles the queue's next command waits for other queues (waits before its first
  /// command included).
  int64_t stall_cycles = 0;
  /// The rest of the latency, after the queue's last command.
  int64_t idle_cycles = 0;
};

struct CommandTiming {
  int64_t start_cycle = 0;
  int64_t end_cycle = 0;
};

struct TimingReport {
  std::vector<Finding> findings;
  int64_t dropped_finding_count = 0;

  /// End of the last command; 0 when the simulation could not run.
  int64_t latency_cycles = 0;
  /// `estimate.latency_cycles` of the stream.
  int64_t estimated_latency_cycles = 0;
  /// Indexed by queue id.
  std::vector<QueueTiming> queues;
  /// Indexed by queue id and command index; a wait starts and ends when it is satisfied.
  std::vector<std::vector<CommandTiming>> commands;

  bool ok() const { return findings.empty() && dropped_finding_count == 0; }
  /// The latency against the estimate, a line per queue, then every finding.
  std::string Summary() const;
};

/// Replays the stream's timing. Findings: malformed commands, unsatisfiable waits and
/// deadlocks (the simulation then does not run), a command whose `cycles` differs from the
/// cost model (or a wait with non-zero cycles), and a replayed latency that differs from
/// `estimate.latency_cycles`. InvalidArgument when the tables are unreadable or the hardware
/// has no clock or DRAM bandwidth.
absl::StatusOr<TimingReport> ReplayTiming(const stream::CommandStream& command_stream);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_TIMING_REPLAY_H_
