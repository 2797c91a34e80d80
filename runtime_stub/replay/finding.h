// finding.h: one fault that a replay level found in a command stream.
#ifndef SOMA_REPLAY_FINDING_H_
#define SOMA_REPLAY_FINDING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soma::replay {

enum class FindingKind {
  /// A command field that cannot be executed: an id out of range, a box that is not rank 4
  /// or lies outside its tensor, a byte count or DRAM address that does not match the box.
  kMalformedCommand,
  /// A Wait for more commands than its queue holds.
  kUnsatisfiableWait,
  /// Queues that wait for each other in a cycle.
  kDeadlock,
  /// A read of buffer slots that do not hold the element the command expects.
  kUnexpectedData,
  /// Two accesses on different queues, at least one a write, not ordered by the waits.
  kRace,
  /// A write that destroyed data a later command still reads.
  kOverwriteOfLiveData,
  /// An access outside the buffer or outside the tensor's DRAM range.
  kOutOfBounds,
  /// A network output element that no store writes.
  kOutputNeverWritten,
  /// A load of DRAM activation data that no store wrote before it.
  kLoadBeforeStore,
  /// A command's `cycles` differs from the cost model.
  kCyclesMismatch,
  /// The replayed latency differs from the stream's estimate.
  kLatencyMismatch,
  /// A network output differs from its expected values beyond the tolerance.
  kOutputMismatch,
};

const char* FindingKindName(FindingKind kind);

/// Position of a command in the stream: `index` into `queues[queue].commands`.
struct CommandRef {
  int queue = 0;
  int index = 0;
};

struct Finding {
  FindingKind kind = FindingKind::kMalformedCommand;
  /// The command at fault, when one is.
  std::optional<CommandRef> command;
  /// Lower-case sentence naming the command (index, queue, origin), the tensor and what
  /// was wrong.
  std::string message;
};

/// Collects findings up to a limit, so that a badly broken stream gives a readable report;
/// findings past the limit are only counted.
class FindingList {
 public:
  static constexpr int kDefaultLimit = 50;

  explicit FindingList(int limit = kDefaultLimit) : limit_(limit) {}

  void Add(FindingKind kind, std::optional<CommandRef> command, std::string message);
  void Append(const std::vector<Finding>& findings);
  /// True once the limit is reached; callers may stop looking.
  bool Full() const { return static_cast<int>(findings_.size()) >= limit_; }
  bool empty() const { return findings_.empty(); }
  const std::vector<Finding>& findings() const { return findings_; }
  int64_t dropped_count() const { return dropped_count_; }
  std::vector<Finding> Release() { return std::move(findings_); }

 private:
  int limit_;
  std::vector<Finding> findings_;
  int64_t dropped_count_ = 0;
};

/// One line per finding, "kind: message", then a line counting findings past the limit.
std::string FormatFindings(const std::vector<Finding>& findings, int64_t dropped_count);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_FINDING_H_
