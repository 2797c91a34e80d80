// stage1_search.h: simulated annealing over FusionPlans (SoMa Stage 1), each candidate
// priced with its default DRAM timing.
#ifndef SOMA_SCHEDULE_SEARCH_STAGE1_SEARCH_H_
#define SOMA_SCHEDULE_SEARCH_STAGE1_SEARCH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "schedule/cost_functions.h"
#include "schedule/evaluator.h"
#include "schedule/notation.h"
#include "schedule/search/search_budget.h"
#include "schedule/search/search_random.h"
#include "schedule/search/stage1_moves.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// Computes the search objective: energy times latency (EDP), in pJ * cycles.
inline double EnergyDelayProduct(const Metrics& metrics) {
  return metrics.energy_pj * static_cast<double>(metrics.latency_cycles);
}

/// Builds and prices FusionPlans with their default DRAM timing. Holds a tile-cost cache,
/// so give each search thread its own.
class FusionEvaluator {
 public:
  /// Requires: `graph` and `costs` outlive the evaluator.
  FusionEvaluator(const graph::LayerGraph& graph, const CostFunctions& costs,
                  const TilingOptions& options)
      : graph_(graph), costs_(costs), options_(options) {}

  /// Builds the TilingModel of `plan`, with costs.
  absl::StatusOr<TilingModel> Build(const FusionPlan& plan) {
    return TilingModel::Build(graph_, plan, costs_, &cache_, options_);
  }

  /// Metrics of `plan` under its default DRAM plan with a buffer of `capacity_bytes`, or
  /// nullopt when the plan cannot be tiled or breaks a rule (capacity, mostly).
  std::optional<Metrics> Evaluate(const FusionPlan& plan, int64_t capacity_bytes);

  const graph::LayerGraph& graph() const { return graph_; }
  const CostFunctions& costs() const { return costs_; }
  const TilingOptions& options() const { return options_; }

 private:
  const graph::LayerGraph& graph_;
  const CostFunctions& costs_;
  TilingOptions options_;
  TileCostCache cache_;
};

struct Stage1Options {
  int64_t rounds = 1;
  /// Compute tiles the evaluated candidates may sum to; the run ends when either budget is
  /// spent, and the temperature follows whichever is further along. 0: no limit.
  int64_t work_budget = 0;
  /// Buffer bytes every candidate must fit under its default DRAM timing.
  int64_t capacity_bytes = 0;
  Deadline deadline;
  /// Names the search in progress lines, e.g. "soma pass 2 stage 1".
  std::string label = "stage 1";
  /// Optional check of new bests. A candidate better than the best so far becomes the
  /// best only when this accepts it, but the search still moves on from it. The start
  /// plan counts as accepted. The soma and cocco strategies check that the plan's Program
  /// at the default DRAM timing is address-allocatable.
  std::function<bool(const FusionPlan&, const Metrics&)> accept_best;
};

struct Stage1Result {
  /// The plan with the lowest EDP found (and accepted), with its metrics.
  FusionPlan best_plan;
  Metrics best_metrics;
  double best_cost = 0;
  int64_t rounds_run = 0;
  int64_t moves_applied = 0;
  int64_t moves_accepted = 0;
  /// Compute tiles of the evaluated candidates.
  int64_t work = 0;
  /// Improvements that Stage1Options::accept_best turned down.
  int rejected_bests = 0;
  bool stopped_by_deadline = false;
};

/// Anneals from `start` with `moves`: a candidate with a lower EDP is always accepted, a
/// worse one with the probability of annealer.h relative to the current EDP; at 90% of the
/// budget the state returns to the best plan. Candidates that cannot be tiled or do not fit
/// are rejected. Progress lines go to `progress` (may be null) about once a second.
/// Errors: those of building and evaluating `start`, which must fit.
absl::StatusOr<Stage1Result> RunStage1(const Stage1Moves& moves, FusionEvaluator& evaluator,
                                       const FusionPlan& start, const Stage1Options& options,
                                       SearchRandom& random, ProgressReporter* progress);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_STAGE1_SEARCH_H_
