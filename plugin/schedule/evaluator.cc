// evaluator.cc: the allocation-free checks and queue simulation of a DramPlan.
#include "schedule/evaluator.h"

#include <algorithm>

namespace soma::schedule {

const char* RuleViolationName(RuleViolation violation) {
  switch (violation) {
    case RuleViolation::kNone:
      return "none";
    case RuleViolation::kPlanShape:
      return "plan shape";
    case RuleViolation::kReleaseDeadline:
      return "release/deadline";
    case RuleViolation::kDataDependency:
      return "data dependency";
    case RuleViolation::kCapacity:
      return "buffer capacity";
    case RuleViolation::kQueueCausality:
      return "queue causality";
  }
  return "unknown";
}

Evaluator::Evaluator(const TilingModel& model) : model_(model) {
  const int positions = model.position_count();
  const int transfers = model.transfer_count();
  const int queues = model.dma_queue_count();
  queue_index_.resize(transfers);
  queue_offsets_.resize(queues + 1);
  queue_fill_.resize(queues);
  queue_transfers_.resize(transfers);
  latest_store_.resize(static_cast<size_t>(queues) * (positions + 2));
  live_.resize(positions + 2);
  compute_timing_.resize(positions);
  transfer_timing_.resize(transfers);
  completion_order_.resize(positions + transfers);
  cursor_.resize(queues + 1);
  queue_end_cycle_.resize(queues + 1);
}

void Evaluator::Fail(RuleViolation violation, int subject, int other) {
  result_.violation = violation;
  result_.subject = subject;
  result_.other = other;
}

const EvaluationResult& Evaluator::Evaluate(const DramPlan& plan, int64_t capacity_bytes) {
  result_ = EvaluationResult{};
  plan_ = &plan;
  completed_count_ = 0;
  if (!CheckShape(plan) || !CheckReleaseAndDeadline(plan) || !CheckDataDependencies(plan) ||
      !CheckCapacity(plan, capacity_bytes) || !Simulate(plan)) {
    return result_;
  }
  int64_t latency = 0;
  for (int64_t end : queue_end_cycle_) latency = std::max(latency, end);
  result_.metrics.latency_cycles = latency;
  result_.metrics.energy_pj = model_.compute_energy_pj() + model_.dma_energy_pj();
  result_.metrics.dram_bytes = model_.dram_bytes();
  return result_;
}

absl::StatusOr<Metrics> Evaluator::EvaluateOrError(const DramPlan& plan, int64_t capacity_bytes) {
  const EvaluationResult& result = Evaluate(plan, capacity_bytes);
  if (!result.ok()) return Explain(plan, capacity_bytes);
  return result.metrics;
}

bool Evaluator::CheckShape(const DramPlan& plan) {
  const int transfers = model_.transfer_count();
  const int queues = model_.dma_queue_count();
  if (static_cast<int>(plan.order.size()) != transfers ||
      static_cast<int>(plan.queue_of.size()) != transfers ||
      static_cast<int>(plan.lifetimes.size()) != transfers) {
    Fail(RuleViolation::kPlanShape, -1);
    return false;
  }
  std::fill(queue_offsets_.begin(), queue_offsets_.end(), 0);
  for (int transfer = 0; transfer < transfers; ++transfer) {
    const int queue = plan.queue_of[transfer];
    if (queue < 0 || queue >= queues) {
      Fail(RuleViolation::kPlanShape, transfer);
      return false;
    }
    ++queue_offsets_[queue + 1];
    queue_index_[transfer] = -1;
  }
  for (int queue = 0; queue < queues; ++queue) {
    queue_offsets_[queue + 1] += queue_offsets_[queue];
    queue_fill_[queue] = 0;
  }
  for (int transfer : plan.order) {
    if (transfer < 0 || transfer >= transfers || queue_index_[transfer] >= 0) {
      Fail(RuleViolation::kPlanShape, transfer < 0 || transfer >= transfers ? -1 : transfer);
      return false;
    }
    const int queue = plan.queue_of[transfer];
    queue_index_[transfer] = queue_fill_[queue]++;
    queue_transfers_[queue_offsets_[queue] + queue_index_[transfer]] = transfer;
  }
  return true;
}

bool Evaluator::CheckReleaseAndDeadline(const DramPlan& plan) {
  const int positions = model_.position_count();
  const std::vector<TransferInfo>& transfers = model_.transfers();
  for (int transfer = 0; transfer < static_cast<int>(transfers.size()); ++transfer) {
    const Lifetime& lifetime = plan.lifetimes[transfer];
    const TransferInfo& info = transfers[transfer];
    bool valid = lifetime.start >= -1 && lifetime.end <= positions && lifetime.start < lifetime.end &&
                 lifetime.end > info.last_position;
    if (info.direction == TransferDirection::kLoad) {
      valid = valid && lifetime.start <= info.first_position;
    } else {
      valid = valid && lifetime.start == info.last_position;
    }
    if (!valid) {
      Fail(RuleViolation::kReleaseDeadline, transfer);
      return false;
    }
  }
  return true;
}

bool Evaluator::CheckDataDependencies(const DramPlan& plan) {
  for (int load = 0; load < model_.transfer_count(); ++load) {
    for (int store : model_.StoresReadBy(load)) {
      const bool ordered = plan.queue_of[store] == plan.queue_of[load]
                               ? queue_index_[store] < queue_index_[load]
                               : plan.lifetimes[store].end <= plan.lifetimes[load].start;
      if (!ordered) {
        Fail(RuleViolation::kDataDependency, load, store);
        return false;
      }
    }
  }
  return true;
}

bool Evaluator::CheckCapacity(const DramPlan& plan, int64_t capacity_bytes) {
  const int positions = model_.position_count();
  std::fill(live_.begin(), live_.end(), 0);
  const std::vector<ResidencyInfo>& residencies = model_.residencies();
  for (int residency = 0; residency < static_cast<int>(residencies.size()); ++residency) {
    const Lifetime lifetime = model_.ResidencyLifetime(plan, residency);
    live_[lifetime.start + 1] += residencies[residency].bytes;
    live_[lifetime.end + 1] -= residencies[residency].bytes;
  }
  int first_violation = -2;
  int64_t peak = 0;
  for (int index = 0; index <= positions; ++index) {
    if (index > 0) live_[index] += live_[index - 1];
    peak = std::max(peak, live_[index]);
    if (live_[index] > capacity_bytes && first_violation == -2) first_violation = index - 1;
  }
  result_.metrics.peak_buffer_bytes = peak;
  if (first_violation != -2) {
    result_.live_bytes = live_[first_violation + 1];
    Fail(RuleViolation::kCapacity, first_violation);
    return false;
  }
  return true;
}

bool Evaluator::IsTransferDone(int transfer) const {
  return queue_index_[transfer] < cursor_[plan_->queue_of[transfer] + 1];
}

bool Evaluator::StoresDoneBy(int queue, int position, int64_t* ready_cycle) const {
  const int index = LatestStoreEndingBy(queue, position);
  if (index < 0) return true;
  if (index >= cursor_[queue + 1]) return false;
  const int store = queue_transfers_[queue_offsets_[queue] + index];
  *ready_cycle = std::max(*ready_cycle, transfer_timing_[store].end_cycle);
  return true;
}

bool Evaluator::Simulate(const DramPlan& plan) {
  const int positions = model_.position_count();
  const int queues = model_.dma_queue_count();
  const std::vector<TransferInfo>& transfers = model_.transfers();
  const std::vector<ComputeInfo>& compute = model_.compute();

  // Step 1: per DMA queue, the latest store (by queue index) ending at or before each
  // position, so every "wait for the stores that end by p" becomes one lookup.
  std::fill(latest_store_.begin(), latest_store_.end(), -1);
  for (int transfer = 0; transfer < static_cast<int>(transfers.size()); ++transfer) {
    if (transfers[transfer].direction != TransferDirection::kStore) continue;
    int& slot = latest_store_[plan.queue_of[transfer] * (positions + 2) +
                              plan.lifetimes[transfer].end + 1];
    slot = std::max(slot, queue_index_[transfer]);
  }
  for (int queue = 0; queue < queues; ++queue) {
    int* row = &latest_store_[queue * (positions + 2)];
    for (int index = 1; index < positions + 2; ++index) row[index] = std::max(row[index], row[index - 1]);
  }

  // Step 2: advance every queue as far as its waits allow until nothing moves.
  std::fill(cursor_.begin(), cursor_.end(), 0);
  std::fill(queue_end_cycle_.begin(), queue_end_cycle_.end(), 0);
  bool progress = true;
  while (progress) {
    progress = false;
    while (cursor_[0] < positions) {
      const int position = cursor_[0];
      int64_t ready = queue_end_cycle_[0];
      bool blocked = false;
      for (int load : model_.LoadsOf(position)) {
        if (!IsTransferDone(load)) {
          blocked = true;
          break;
        }
        ready = std::max(ready, transfer_timing_[load].end_cycle);
      }
      for (int queue = 0; !blocked && queue < queues; ++queue) {
        blocked = !StoresDoneBy(queue, position, &ready);
      }
      if (blocked) break;
      compute_timing_[position] = {ready, ready + compute[position].cycles};
      queue_end_cycle_[0] = compute_timing_[position].end_cycle;
      ++cursor_[0];
      completion_order_[completed_count_++] = position;
      progress = true;
    }
    for (int queue = 0; queue < queues; ++queue) {
      const int queue_size = queue_offsets_[queue + 1] - queue_offsets_[queue];
      while (cursor_[queue + 1] < queue_size) {
        const int transfer = queue_transfers_[queue_offsets_[queue] + cursor_[queue + 1]];
        const TransferInfo& info = transfers[transfer];
        int64_t ready = queue_end_cycle_[queue + 1];
        bool blocked = false;
        if (info.direction == TransferDirection::kLoad) {
          const int start = plan.lifetimes[transfer].start;
          if (start >= 1) {
            blocked = cursor_[0] <= start - 1;
            if (!blocked) ready = std::max(ready, compute_timing_[start - 1].end_cycle);
          }
          for (int other = 0; !blocked && other < queues; ++other) {
            blocked = !StoresDoneBy(other, start, &ready);
          }
        } else {
          blocked = cursor_[0] <= info.last_position;
          if (!blocked) ready = std::max(ready, compute_timing_[info.last_position].end_cycle);
        }
        if (blocked) break;
        transfer_timing_[transfer] = {ready, ready + info.cycles};
        queue_end_cycle_[queue + 1] = transfer_timing_[transfer].end_cycle;
        ++cursor_[queue + 1];
        completion_order_[completed_count_++] = positions + transfer;
        progress = true;
      }
    }
  }
  if (completed_count_ < positions + static_cast<int>(transfers.size())) {
    Fail(RuleViolation::kQueueCausality, -1);
    return false;
  }
  return true;
}

}  // namespace soma::schedule
