// dram_search.cc: the Stage-2 and Stage-3 annealing loops, their moves, and the capacity
// repair of a DramPlan.
#include "schedule/search/dram_search.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "schedule/search/annealer.h"

namespace soma::schedule {

namespace {

// Move probabilities in DramMoveKind order (order, endpoint, combined, queue, shrink).
constexpr double kOneQueueWeights[] = {0.1, 0.4, 0.5, 0.0, 0.0};
constexpr double kQueuesWeights[] = {0.1, 0.4, 0.35, 0.15, 0.0};
constexpr double kPolishWeights[] = {0.4, 0.0, 0.0, 0.0, 0.6};

std::vector<double> Cumulative(const double* weights) {
  std::vector<double> sums;
  double sum = 0;
  for (int kind = 0; kind < 5; ++kind) {
    sum += weights[kind];
    sums.push_back(sum);
  }
  return sums;
}

// The endpoint a load starts at or a store is completed at, for comparing queue
// neighbours in time.
int IssuePosition(const DramPlanEditor& editor, int transfer) {
  if (editor.IsLoad(transfer)) return editor.plan().lifetimes[transfer].start;
  return editor.model().transfers()[transfer].last_position;
}

}  // namespace

int64_t LatencyLowerBound(const TilingModel& model) {
  const int64_t queues = model.dma_queue_count();
  return std::max(model.total_compute_cycles(), (model.total_dma_cycles() + queues - 1) / queues);
}

DramSearch::DramSearch(const TilingModel& model)
    : model_(model), evaluator_(model), lower_bound_(LatencyLowerBound(model)) {
  double sum = 0;
  for (const TransferInfo& transfer : model.transfers()) {
    sum += static_cast<double>(std::max<int64_t>(1, transfer.bytes));
    size_cumulative_.push_back(sum);
  }
}

int DramSearch::PickBySize(SearchRandom& random) const {
  return random.PickCumulative(size_cumulative_);
}

bool DramSearch::ApplyMove(DramMoveKind kind, int transfer, SearchRandom& random,
                           DramPlanEditor* editor) const {
  const DramPlan& plan = editor->plan();
  switch (kind) {
    case DramMoveKind::kOrder: {
      const IntRange window = editor->OrderWindow(transfer, plan.queue_of[transfer]);
      if (window.Size() < 2) return false;
      editor->MoveInOrder(transfer, static_cast<int>(random.BetweenExcept(
                                        window.lo, window.hi, editor->IndexOf(transfer))));
      return true;
    }
    case DramMoveKind::kEndpoint: {
      const IntRange range = editor->EndpointRange(transfer);
      const int current = editor->Endpoint(transfer);
      if (range.IsEmpty() || (range.Size() == 1 && range.lo == current)) return false;
      editor->SetEndpoint(transfer,
                          static_cast<int>(random.BetweenExcept(range.lo, range.hi, current)));
      return true;
    }
    case DramMoveKind::kCombined: {
      const IntRange window = editor->OrderWindow(transfer, plan.queue_of[transfer]);
      if (window.Size() < 2) return false;
      editor->MoveInOrder(transfer, static_cast<int>(random.BetweenExcept(
                                        window.lo, window.hi, editor->IndexOf(transfer))));
      const IntRange range = editor->EndpointRange(transfer);
      if (range.IsEmpty()) return true;
      // Prefer an endpoint between those of the new neighbours on the queue.
      const int previous = editor->PreviousOnQueue(transfer);
      const int next = editor->NextOnQueue(transfer);
      const int shift = editor->IsLoad(transfer) ? 0 : 1;
      IntRange local{previous >= 0 ? IssuePosition(*editor, previous) + shift : range.lo,
                     next >= 0 ? IssuePosition(*editor, next) + shift : range.hi};
      if (local.lo > local.hi) std::swap(local.lo, local.hi);
      const IntRange both{std::max(range.lo, local.lo), std::min(range.hi, local.hi)};
      int value = 0;
      if (!both.IsEmpty()) {
        value = static_cast<int>(random.Between(both.lo, both.hi));
      } else {
        value = local.hi < range.lo ? range.lo : range.hi;
      }
      if (value != editor->Endpoint(transfer)) editor->SetEndpoint(transfer, value);
      return true;
    }
    case DramMoveKind::kQueue: {
      const int queues = model_.dma_queue_count();
      if (queues < 2) return false;
      const int from = plan.queue_of[transfer];
      int to = static_cast<int>(random.Below(queues - 1));
      if (to >= from) ++to;
      editor->SetQueue(transfer, to);
      const IntRange window = editor->OrderWindow(transfer, to);
      if (window.IsEmpty()) {
        editor->Undo();
        return false;
      }
      editor->MoveInOrder(transfer, static_cast<int>(random.Between(window.lo, window.hi)));
      const IntRange range = editor->EndpointRange(transfer);
      if (range.IsEmpty()) {
        editor->Undo();
        return false;
      }
      const int current = editor->Endpoint(transfer);
      if (!range.Contains(current)) {
        editor->SetEndpoint(transfer, std::clamp(current, range.lo, range.hi));
      }
      return true;
    }
    case DramMoveKind::kShrink: {
      const IntRange range = editor->EndpointRange(transfer);
      const int current = editor->Endpoint(transfer);
      if (editor->IsLoad(transfer)) {
        if (range.hi <= current) return false;
        editor->SetEndpoint(transfer, static_cast<int>(random.Between(current + 1, range.hi)));
      } else {
        if (range.lo >= current) return false;
        editor->SetEndpoint(transfer, static_cast<int>(random.Between(range.lo, current - 1)));
      }
      return true;
    }
  }
  return false;
}

double DramSearch::BufferIntegral() const {
  const absl::Span<const int64_t> live = evaluator_.live_bytes();
  const absl::Span<const OpTiming> timing = evaluator_.compute_timing();
  if (timing.empty()) return 0;
  int64_t boundary = timing[0].start_cycle;
  double integral = static_cast<double>(live[0]) * static_cast<double>(boundary);
  for (size_t position = 0; position < timing.size(); ++position) {
    integral += static_cast<double>(live[position + 1]) *
                static_cast<double>(timing[position].end_cycle - boundary);
    boundary = timing[position].end_cycle;
  }
  return integral;
}

absl::StatusOr<DramSearchResult> DramSearch::RunStage2(const DramPlan& start,
                                                       const DramSearchOptions& options,
                                                       SearchRandom& random,
                                                       ProgressReporter* progress) {
  std::optional<DramPlanEditor> editor;
  editor.emplace(model_, start);
  const EvaluationResult& first = evaluator_.Evaluate(editor->plan(), options.capacity_bytes);
  if (!first.ok()) return evaluator_.Explain(editor->plan(), options.capacity_bytes);
  DramSearchResult best;
  best.plan = start;
  best.metrics = first.metrics;
  int64_t current = first.metrics.latency_cycles;
  if (model_.transfer_count() == 0) return best;
  const auto close_enough =
      static_cast<int64_t>(static_cast<double>(lower_bound_) * (1.0 + kLowerBoundTolerance));
  best.reached_lower_bound = current <= close_enough;

  const std::vector<double> kinds =
      Cumulative(model_.dma_queue_count() > 1 ? kQueuesWeights : kOneQueueWeights);
  const int64_t reset_round = static_cast<int64_t>(kResetToBestFraction * options.rounds);
  int64_t round = 0;
  for (; round < options.rounds && !best.reached_lower_bound; ++round) {
    if (options.deadline.Passed()) {
      best.stopped_by_deadline = true;
      break;
    }
    if (round % kRoundsPerProgressCheck == 0 && round > 0 && progress != nullptr) {
      progress->Periodic([&] {
        return absl::StrCat(options.label, ": round ", round, "/", options.rounds,
                            ", best latency ", best.metrics.latency_cycles,
                            " cycles (lower bound ", lower_bound_, ")");
      });
    }
    if (round == reset_round && current != best.metrics.latency_cycles) {
      editor.emplace(model_, best.plan);
      current = best.metrics.latency_cycles;
    }
    const int transfer = PickBySize(random);
    const auto kind = static_cast<DramMoveKind>(random.PickCumulative(kinds));
    if (!ApplyMove(kind, transfer, random, &*editor)) continue;
    ++best.moves_applied;
    const EvaluationResult& result = evaluator_.Evaluate(editor->plan(), options.capacity_bytes);
    if (!result.ok()) {
      editor->Undo();
      continue;
    }
    const int64_t latency = result.metrics.latency_cycles;
    const bool accept =
        latency <= current ||
        AcceptWorse(static_cast<double>(latency - current) /
                        static_cast<double>(std::max<int64_t>(1, current - lower_bound_)),
                    AnnealingTemperature(round, options.rounds), random);
    if (!accept) {
      editor->Undo();
      continue;
    }
    editor->Commit();
    ++best.moves_accepted;
    current = latency;
    if (latency < best.metrics.latency_cycles) {
      const int64_t previous = best.metrics.latency_cycles;
      if (best.earlier_bests.empty() ||
          static_cast<double>(best.earlier_best_latencies.back()) >=
              static_cast<double>(previous) * (1.0 + kEarlierBestSpacing)) {
        best.earlier_bests.push_back(best.plan);
        best.earlier_best_latencies.push_back(previous);
        if (static_cast<int>(best.earlier_bests.size()) > kEarlierBests) {
          best.earlier_bests.erase(best.earlier_bests.begin());
          best.earlier_best_latencies.erase(best.earlier_best_latencies.begin());
        }
      }
      best.plan = editor->plan();
      best.metrics = result.metrics;
      best.reached_lower_bound = latency <= close_enough;
    }
  }
  best.rounds_run = round;
  // The buffer integral of the best plan, for Stage 3.
  evaluator_.Evaluate(best.plan, options.capacity_bytes);
  best.buffer_integral = BufferIntegral();
  return best;
}

absl::StatusOr<DramSearchResult> DramSearch::RunStage3(const DramPlan& start,
                                                       const DramSearchOptions& options,
                                                       SearchRandom& random,
                                                       ProgressReporter* progress) {
  DramPlanEditor editor(model_, start);
  const EvaluationResult& first = evaluator_.Evaluate(editor.plan(), options.capacity_bytes);
  if (!first.ok()) return evaluator_.Explain(editor.plan(), options.capacity_bytes);
  DramSearchResult best;
  best.plan = start;
  best.metrics = first.metrics;
  best.buffer_integral = BufferIntegral();
  int64_t current_latency = first.metrics.latency_cycles;
  double current_integral = best.buffer_integral;
  const std::vector<double> kinds = Cumulative(kPolishWeights);
  const int transfers = model_.transfer_count();
  int64_t round = 0;
  for (; round < options.rounds && transfers > 0; ++round) {
    if (options.deadline.Passed()) {
      best.stopped_by_deadline = true;
      break;
    }
    if (round % kRoundsPerProgressCheck == 0 && round > 0 && progress != nullptr) {
      progress->Periodic([&] {
        return absl::StrCat(options.label, ": round ", round, "/", options.rounds, ", latency ",
                            best.metrics.latency_cycles, " cycles, buffer use ",
                            best.buffer_integral, " byte*cycles");
      });
    }
    const int transfer = static_cast<int>(random.Below(transfers));
    const auto kind = static_cast<DramMoveKind>(random.PickCumulative(kinds));
    if (!ApplyMove(kind, transfer, random, &editor)) continue;
    ++best.moves_applied;
    const EvaluationResult& result = evaluator_.Evaluate(editor.plan(), options.capacity_bytes);
    if (!result.ok() || result.metrics.latency_cycles > current_latency) {
      editor.Undo();
      continue;
    }
    const double integral = BufferIntegral();
    const bool accept = result.metrics.latency_cycles < current_latency ||
                        integral <= current_integral ||
                        AcceptWorse((integral - current_integral) / std::max(1.0, current_integral),
                                    AnnealingTemperature(round, options.rounds), random);
    if (!accept) {
      editor.Undo();
      continue;
    }
    editor.Commit();
    ++best.moves_accepted;
    current_latency = result.metrics.latency_cycles;
    current_integral = integral;
    if (current_latency < best.metrics.latency_cycles ||
        (current_latency == best.metrics.latency_cycles && integral < best.buffer_integral)) {
      best.plan = editor.plan();
      best.metrics = result.metrics;
      best.buffer_integral = integral;
    }
  }
  best.rounds_run = round;
  return best;
}

bool DramSearch::RepairToCapacity(DramPlan* plan, int64_t capacity_bytes) {
  DramPlanEditor editor(model_, *plan);
  const int max_steps = 4 * (model_.transfer_count() + model_.position_count()) + 16;
  for (int step = 0; step < max_steps; ++step) {
    const EvaluationResult& result = evaluator_.Evaluate(editor.plan(), capacity_bytes);
    if (result.ok() || result.violation != RuleViolation::kCapacity) {
      *plan = editor.plan();
      return result.ok();
    }
    // At the first position over capacity, release the prefetched load read last, or else
    // the store held longest after its tile.
    const int position = result.subject;
    int chosen = -1;
    int chosen_value = 0;
    int chosen_rank = -1;
    for (int transfer = 0; transfer < model_.transfer_count(); ++transfer) {
      const TransferInfo& info = model_.transfers()[transfer];
      const Lifetime& lifetime = editor.plan().lifetimes[transfer];
      if (lifetime.start > position || lifetime.end <= position) continue;
      const IntRange range = editor.EndpointRange(transfer);
      if (editor.IsLoad(transfer)) {
        if (position >= info.first_position || range.hi <= position) continue;
        const int rank = 2 * model_.position_count() + info.first_position;
        if (rank > chosen_rank) {
          chosen = transfer;
          chosen_value = position + 1;
          chosen_rank = rank;
        }
      } else {
        const int fixed_end = model_.residencies()[info.residency].fixed_lifetime.end;
        if (position < std::max(info.last_position + 1, fixed_end) || range.lo > position) {
          continue;
        }
        if (lifetime.end > chosen_rank && chosen_rank < 2 * model_.position_count()) {
          chosen = transfer;
          chosen_value = std::max(range.lo, position);
          chosen_rank = lifetime.end;
        }
      }
    }
    if (chosen < 0) {
      *plan = editor.plan();
      return false;
    }
    editor.SetEndpoint(chosen, chosen_value);
    editor.Commit();
  }
  *plan = editor.plan();
  return false;
}

}  // namespace soma::schedule
