// sync_insertion.h: Wait commands that encode a Program's cross-queue dependencies.
//
// Queue 0 is the compute queue (compute ops in position order); queue q + 1 serves
// Program::dma_queues[q]. A queue runs its commands in order, so a dependency on an earlier
// operation of the same queue needs no wait. A dependency on operation i of another queue
// becomes `Wait{queue, i + 1}`: that queue has completed i + 1 commands (waits excluded).
#ifndef SOMA_CODEGEN_SYNC_INSERTION_H_
#define SOMA_CODEGEN_SYNC_INSERTION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "schedule/program.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Position of an operation: its stream queue and its ordinal among the queue's non-wait
/// commands.
struct QueueSlot {
  int queue = 0;
  int ordinal = 0;
};

/// The queue slot of every compute op and transfer of a Program.
class QueueLayout {
 public:
  /// Builds the layout. Internal error when a DMA queue lists an unknown transfer, when a
  /// transfer is listed twice or never, or when its `queue` field disagrees with the queue
  /// that lists it.
  static absl::StatusOr<QueueLayout> Build(const schedule::Program& program);

  /// Queues of the stream: the compute queue plus one per DMA queue.
  int queue_count() const { return queue_count_; }
  QueueSlot TransferSlot(int transfer_id) const { return transfer_slots_[transfer_id]; }
  /// Slot of the operation `op` refers to. Internal error when its index is out of range.
  absl::StatusOr<QueueSlot> SlotOf(const schedule::OpRef& op) const;

 private:
  int queue_count_ = 1;
  int compute_count_ = 0;
  std::vector<QueueSlot> transfer_slots_;
};

/// Turns dependency lists into Wait commands, one queue at a time and in queue order. Per
/// other queue it keeps only the largest count, and it drops a wait that an earlier wait in
/// the same queue already implies.
class WaitPlanner {
 public:
  explicit WaitPlanner(const QueueLayout& layout);

  /// Returns the waits to place before the operation at `slot`, in ascending queue order.
  /// Requires: the operations of `slot.queue` are planned in ordinal order. Internal error
  /// when an operation depends on itself or on a later operation of its own queue.
  absl::StatusOr<std::vector<stream::Wait>> PlanWaits(
      QueueSlot slot, const std::vector<schedule::OpRef>& dependencies);

 private:
  const QueueLayout& layout_;
  /// waited_counts_[queue][other]: the largest count `queue` has waited for on `other`.
  std::vector<std::vector<uint64_t>> waited_counts_;
};

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_SYNC_INSERTION_H_
