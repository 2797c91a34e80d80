// happens_before.h: the order that queue order and Wait commands impose on a stream.
//
// Command a happens before command b when a precedes b on the same queue, or when b's queue
// waited (directly or through other waits) for a's completion. Each work command gets a
// vector clock with one entry per queue: entry q counts the work commands of queue q that
// happen before it, so `a` (the k-th work command of queue q, from 0) happens before `b`
// exactly when clock(b)[q] > k.
#ifndef SOMA_REPLAY_HAPPENS_BEFORE_H_
#define SOMA_REPLAY_HAPPENS_BEFORE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "replay/command_table.h"
#include "replay/finding.h"

namespace soma::replay {

class HappensBefore {
 public:
  /// Derives the clocks and an execution order. A wait whose count exceeds the work commands
  /// of its queue adds a kUnsatisfiableWait finding, and queues that wait for each other in a
  /// cycle add a kDeadlock finding naming the queues and commands. The result is then
  /// incomplete, and `complete()` is false.
  /// Requires: ValidateCommands found nothing.
  static HappensBefore Derive(const CommandTable& table, FindingList* findings);

  bool complete() const { return complete_; }
  /// Work ids in an order that respects every queue and every wait: queues take turns,
  /// each running its satisfied waits and then one work command.
  const std::vector<int>& order() const { return order_; }
  absl::Span<const int32_t> Clock(int work_id) const {
    return absl::MakeConstSpan(clocks_).subspan(static_cast<size_t>(work_id) * queue_count_,
                                                queue_count_);
  }
  /// True when work command `a` happens before work command `b`.
  bool Before(int a, int b) const {
    const WorkCommand& first = table_->work(a);
    return Clock(b)[first.ref.queue] > first.position;
  }

 private:
  explicit HappensBefore(const CommandTable& table)
      : table_(&table), queue_count_(table.queue_count()) {}

  const CommandTable* table_;
  int queue_count_;
  bool complete_ = false;
  std::vector<int> order_;
  /// work_count x queue_count entries.
  std::vector<int32_t> clocks_;
};

}  // namespace soma::replay

#endif  // SOMA_REPLAY_HAPPENS_BEFORE_H_
