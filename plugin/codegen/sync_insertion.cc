// sync_insertion.cc: Wait commands that encode a Program's cross-queue dependencies.
#include "codegen/sync_insertion.h"

#include "absl/strings/str_cat.h"

namespace soma::codegen {
namespace {

std::string OpText(const schedule::OpRef& op) {
  return absl::StrCat(op.kind == schedule::OpRef::Kind::kCompute ? "compute op " : "transfer ",
                      op.index);
}

}  // namespace

absl::StatusOr<QueueLayout> QueueLayout::Build(const schedule::Program& program) {
  QueueLayout layout;
  layout.queue_count_ = 1 + static_cast<int>(program.dma_queues.size());
  layout.compute_count_ = static_cast<int>(program.compute_ops.size());
  const int transfer_count = static_cast<int>(program.transfers.size());
  layout.transfer_slots_.assign(transfer_count, QueueSlot{-1, -1});

  for (int dma_queue = 0; dma_queue < static_cast<int>(program.dma_queues.size()); ++dma_queue) {
    const std::vector<int>& served = program.dma_queues[dma_queue];
    for (int ordinal = 0; ordinal < static_cast<int>(served.size()); ++ordinal) {
      const int transfer_id = served[ordinal];
      if (transfer_id < 0 || transfer_id >= transfer_count) {
        return absl::InternalError(absl::StrCat("DMA queue ", dma_queue, " lists transfer ",
                                                transfer_id, ", outside the program's ",
                                                transfer_count, " transfers"));
      }
      const schedule::TransferOp& transfer = program.transfers[transfer_id];
      QueueSlot& slot = layout.transfer_slots_[transfer_id];
      if (slot.queue >= 0) {
        return absl::InternalError(absl::StrCat(
            "transfer ", transfer_id, " (", transfer.key.ToString(),
            ") is listed twice, in DMA queue ", slot.queue - 1, " and DMA queue ", dma_queue));
      }
      if (transfer.queue != dma_queue) {
        return absl::InternalError(
            absl::StrCat("transfer ", transfer_id, " (", transfer.key.ToString(), ") has queue ",
                         transfer.queue, " but is listed in DMA queue ", dma_queue));
      }
      slot = QueueSlot{dma_queue + 1, ordinal};
    }
  }
  for (int transfer_id = 0; transfer_id < transfer_count; ++transfer_id) {
    if (layout.transfer_slots_[transfer_id].queue < 0) {
      return absl::InternalError(absl::StrCat("transfer ", transfer_id, " (",
                                              program.transfers[transfer_id].key.ToString(),
                                              ") is in no DMA queue"));
    }
  }
  return layout;
}

absl::StatusOr<QueueSlot> QueueLayout::SlotOf(const schedule::OpRef& op) const {
  if (op.kind == schedule::OpRef::Kind::kCompute) {
    if (op.index < 0 || op.index >= compute_count_) {
      return absl::InternalError(absl::StrCat("a dependency names ", OpText(op), ", outside the ",
                                              compute_count_, " compute ops"));
    }
    return QueueSlot{0, op.index};
  }
  if (op.index < 0 || op.index >= static_cast<int>(transfer_slots_.size())) {
    return absl::InternalError(absl::StrCat("a dependency names ", OpText(op), ", outside the ",
                                            transfer_slots_.size(), " transfers"));
  }
  return transfer_slots_[op.index];
}

WaitPlanner::WaitPlanner(const QueueLayout& layout)
    : layout_(layout),
      waited_counts_(layout.queue_count(), std::vector<uint64_t>(layout.queue_count(), 0)) {}

absl::StatusOr<std::vector<stream::Wait>> WaitPlanner::PlanWaits(
    QueueSlot slot, const std::vector<schedule::OpRef>& dependencies) {
  // Step 1: the largest count needed on every other queue.
  std::vector<uint64_t> needed(layout_.queue_count(), 0);
  for (const schedule::OpRef& dependency : dependencies) {
    absl::StatusOr<QueueSlot> target = layout_.SlotOf(dependency);
    if (!target.ok()) return target.status();
    if (target->queue == slot.queue) {
      if (target->ordinal >= slot.ordinal) {
        return absl::InternalError(absl::StrCat(
            "depends on ", OpText(dependency), ", which runs at or after it in queue ", slot.queue,
            " (ordinal ", target->ordinal, " >= ", slot.ordinal, "), so the queue would deadlock"));
      }
      continue;
    }
    const uint64_t count = static_cast<uint64_t>(target->ordinal) + 1;
    if (count > needed[target->queue]) needed[target->queue] = count;
  }

  // Step 2: drop what an earlier wait of this queue already guarantees.
  std::vector<stream::Wait> waits;
  std::vector<uint64_t>& waited = waited_counts_[slot.queue];
  for (int queue = 0; queue < layout_.queue_count(); ++queue) {
    if (needed[queue] <= waited[queue]) continue;
    waited[queue] = needed[queue];
    stream::Wait& wait = waits.emplace_back();
    wait.set_queue(static_cast<uint32_t>(queue));
    wait.set_count(needed[queue]);
  }
  return waits;
}

}  // namespace soma::codegen
