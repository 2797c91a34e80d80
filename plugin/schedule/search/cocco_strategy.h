// cocco_strategy.h: the Cocco baseline: Stage-1 annealing with one tile count per fused
// group (every LG is one SLG), the default DRAM timing, and no Stage 2.
//
// This is the baseline of the SoMa paper (HPCA 2025). The LG cuts, the layer order and the
// tile count per LG are searched with the SoMa engine and the baseline moves, starting
// from the lbl schedule. Inputs are loaded one tile ahead and weights just before their
// first use. Outputs are stored during the next tile and by the end of their group.
#ifndef SOMA_SCHEDULE_SEARCH_COCCO_STRATEGY_H_
#define SOMA_SCHEDULE_SEARCH_COCCO_STRATEGY_H_

#include "absl/status/statusor.h"
#include "schedule/notation.h"
#include "schedule/program.h"
#include "schedule/search/search_budget.h"
#include "schedule/search/search_inputs.h"
#include "schedule/search_stats.h"

namespace soma::schedule {

struct CoccoOutcome {
  /// The allocatable Program of the best plan, labelled "cocco".
  Program program;
  StageStats stage1;
  int64_t stage1_capacity_bytes = 0;
  /// Best plans checked for allocation, the last one the result.
  int allocation_attempts = 0;
};

/// Runs the Cocco search from `start`, an lbl plan whose default-timing Program fits and
/// allocates. The result is the best plan whose Program allocates (see
/// Stage1Options::accept_best), so at worst `start` itself.
/// Errors: those of evaluating `start`.
absl::StatusOr<CoccoOutcome> RunCoccoSearch(const SearchInputs& inputs, const FusionPlan& start,
                                            const Deadline& deadline, const std::string& label);

/// The cocco strategy: plans lbl, runs RunCoccoSearch, and attaches its SearchStats.
absl::StatusOr<Program> ScheduleCocco(const graph::LayerGraph& graph, const CostFunctions& costs,
                                      int64_t capacity_bytes, const ScheduleOptions& options);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_COCCO_STRATEGY_H_
