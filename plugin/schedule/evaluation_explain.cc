// evaluation_explain.cc: error messages for the rules a DramPlan breaks.
//
// Evaluate records only a violation code and its culprits, so a search pays nothing for
// messages it discards; Explain rebuilds the details from the plan and the scratch state.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schedule/evaluator.h"

namespace soma::schedule {

namespace {

// How many of the largest live residencies a capacity message lists.
constexpr int kListedResidencies = 3;

std::string LifetimeText(const Lifetime& lifetime) {
  return absl::StrCat("[", lifetime.start, ", ", lifetime.end, "]");
}

absl::Status ExplainShape(const TilingModel& model, const DramPlan& plan) {
  const int transfers = model.transfer_count();
  if (static_cast<int>(plan.order.size()) != transfers ||
      static_cast<int>(plan.queue_of.size()) != transfers ||
      static_cast<int>(plan.lifetimes.size()) != transfers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid DRAM plan: it has ", plan.order.size(), " order entries, ", plan.queue_of.size(),
        " queue entries and ", plan.lifetimes.size(), " lifetimes; the fusion plan has ",
        transfers, " transfers"));
  }
  for (int transfer = 0; transfer < transfers; ++transfer) {
    const int queue = plan.queue_of[transfer];
    if (queue < 0 || queue >= model.dma_queue_count()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid DRAM plan: ", model.DescribeTransfer(transfer), " is on DMA queue ", queue,
          ", but the hardware has ", model.dma_queue_count(), " DMA queues"));
    }
  }
  std::vector<bool> seen(transfers, false);
  for (int index = 0; index < transfers; ++index) {
    const int transfer = plan.order[index];
    if (transfer < 0 || transfer >= transfers) {
      return absl::InvalidArgumentError(absl::StrCat("invalid DRAM plan: order entry ", index,
                                                     " is transfer id ", transfer,
                                                     ", outside [0, ", transfers, ")"));
    }
    if (seen[transfer]) {
      return absl::InvalidArgumentError(absl::StrCat("invalid DRAM plan: ",
                                                     model.DescribeTransfer(transfer),
                                                     " appears twice in the DMA order"));
    }
    seen[transfer] = true;
  }
  return absl::InternalError("invalid DRAM plan, but no broken shape rule was found");
}

absl::Status ExplainReleaseDeadline(const TilingModel& model, const DramPlan& plan,
                                    int transfer) {
  const TransferInfo& info = model.transfers()[transfer];
  const Lifetime& lifetime = plan.lifetimes[transfer];
  const std::string prefix = absl::StrCat("release/deadline violated: ",
                                          model.DescribeTransfer(transfer), " has lifetime ",
                                          LifetimeText(lifetime));
  const int positions = model.position_count();
  if (lifetime.start < -1 || lifetime.end > positions || lifetime.start >= lifetime.end) {
    return absl::FailedPreconditionError(absl::StrCat(
        prefix, ", which is empty or leaves the positions [-1, ", positions, "]"));
  }
  if (info.direction == TransferDirection::kLoad) {
    if (lifetime.start > info.first_position) {
      return absl::FailedPreconditionError(absl::StrCat(
          prefix, " but is read at ", model.DescribePosition(info.first_position),
          "; a load must start at or before its first use"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        prefix, " but is read until ", model.DescribePosition(info.last_position),
        "; its lifetime must end at ", info.last_position + 1, " or later"));
  }
  if (lifetime.start != info.last_position) {
    return absl::FailedPreconditionError(absl::StrCat(
        prefix, " but its tile is completed at ", model.DescribePosition(info.last_position),
        "; a store's lifetime starts there"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      prefix, " but its tile is computed at ", model.DescribePosition(info.last_position),
      "; the lifetime must end at ", info.last_position + 1, " or later"));
}

absl::Status ExplainDataDependency(const TilingModel& model, const DramPlan& plan, int load,
                                   int store) {
  if (plan.queue_of[store] == plan.queue_of[load]) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data dependency violated: ", model.DescribeTransfer(load), " precedes the ",
        model.DescribeTransfer(store), " in the DMA order; the load reads data the store writes"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "data dependency violated: ", model.DescribeTransfer(load), " starts at position ",
      plan.lifetimes[load].start, " but the ", model.DescribeTransfer(store), " on DMA queue ",
      plan.queue_of[store], " ends at position ", plan.lifetimes[store].end,
      "; a load waits only for stores whose lifetime ends at or before its start, so start the "
      "load at ",
      plan.lifetimes[store].end, " or later, or put both on one queue"));
}

}  // namespace

absl::Status Evaluator::Explain(const DramPlan& plan, int64_t capacity_bytes) const {
  switch (result_.violation) {
    case RuleViolation::kNone:
      return absl::OkStatus();
    case RuleViolation::kPlanShape:
      return ExplainShape(model_, plan);
    case RuleViolation::kReleaseDeadline:
      return ExplainReleaseDeadline(model_, plan, result_.subject);
    case RuleViolation::kDataDependency:
      return ExplainDataDependency(model_, plan, result_.subject, result_.other);
    case RuleViolation::kCapacity:
      return ExplainCapacity(plan, capacity_bytes);
    case RuleViolation::kQueueCausality:
      return ExplainDeadlock(plan);
  }
  return absl::InternalError("unknown rule violation");
}

absl::Status Evaluator::ExplainCapacity(const DramPlan& plan, int64_t capacity_bytes) const {
  const int position = result_.subject;
  std::vector<int> live;
  for (int residency = 0; residency < static_cast<int>(model_.residencies().size()); ++residency) {
    const Lifetime lifetime = model_.ResidencyLifetime(plan, residency);
    if (lifetime.start <= position && position < lifetime.end) live.push_back(residency);
  }
  std::stable_sort(live.begin(), live.end(), [&](int a, int b) {
    return model_.residencies()[a].bytes > model_.residencies()[b].bytes;
  });
  std::vector<std::string> largest;
  for (int index = 0; index < std::min<int>(kListedResidencies, live.size()); ++index) {
    largest.push_back(model_.DescribeResidency(live[index]));
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "buffer capacity exceeded at ", model_.DescribePosition(position), ": ",
      result_.live_bytes, " bytes live, ", capacity_bytes, " available; largest residencies: ",
      absl::StrJoin(largest, "; ")));
}

std::string Evaluator::DescribeBlockedCompute(const DramPlan& plan) const {
  const int position = cursor_[0];
  const std::string head = absl::StrCat("compute at ", model_.DescribePosition(position));
  for (int load : model_.LoadsOf(position)) {
    if (!IsTransferDone(load)) {
      return absl::StrCat(head, " waits for the ", model_.DescribeTransfer(load), " on DMA queue ",
                          plan.queue_of[load]);
    }
  }
  for (int queue = 0; queue < model_.dma_queue_count(); ++queue) {
    const int index = LatestStoreEndingBy(queue, position);
    if (index >= cursor_[queue + 1]) {
      const int store = queue_transfers_[queue_offsets_[queue] + index];
      return absl::StrCat(head, " waits for the ", model_.DescribeTransfer(store),
                          " on DMA queue ", queue, " (its lifetime ends at position ",
                          plan.lifetimes[store].end, ")");
    }
  }
  return head + " is blocked";
}

std::string Evaluator::DescribeBlockedTransfer(const DramPlan& plan, int queue) const {
  const int transfer = queue_transfers_[queue_offsets_[queue] + cursor_[queue + 1]];
  const TransferInfo& info = model_.transfers()[transfer];
  const std::string head =
      absl::StrCat("DMA queue ", queue, " waits at the ", model_.DescribeTransfer(transfer));
  if (info.direction == TransferDirection::kStore) {
    return absl::StrCat(head, " for the compute at ", model_.DescribePosition(info.last_position),
                        " that produces it");
  }
  const int start = plan.lifetimes[transfer].start;
  if (start >= 1 && cursor_[0] <= start - 1) {
    return absl::StrCat(head, " for the compute at ", model_.DescribePosition(start - 1),
                        " (the load's lifetime starts at position ", start, ")");
  }
  for (int other = 0; other < model_.dma_queue_count(); ++other) {
    const int index = LatestStoreEndingBy(other, start);
    if (index >= cursor_[other + 1]) {
      const int store = queue_transfers_[queue_offsets_[other] + index];
      return absl::StrCat(head, " for the ", model_.DescribeTransfer(store), " on DMA queue ",
                          other, " (its lifetime ends at position ", plan.lifetimes[store].end,
                          ", at or before the load's start ", start, ")");
    }
  }
  return head + " is blocked";
}

absl::Status Evaluator::ExplainDeadlock(const DramPlan& plan) const {
  std::vector<std::string> blocked;
  if (cursor_[0] < model_.position_count()) blocked.push_back(DescribeBlockedCompute(plan));
  for (int queue = 0; queue < model_.dma_queue_count(); ++queue) {
    if (cursor_[queue + 1] < queue_offsets_[queue + 1] - queue_offsets_[queue]) {
      blocked.push_back(DescribeBlockedTransfer(plan, queue));
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "queue causality violated: no queue can advance because operations wait for each other "
      "in a cycle; ",
      absl::StrJoin(blocked, "; "),
      ". Reorder the DMA queue or change the lifetimes so that every transfer waits only for "
      "operations ahead of it"));
}

}  // namespace soma::schedule
