// cocco_strategy.cc: the Cocco baseline search with allocation retries.
#include "schedule/search/cocco_strategy.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "schedule/layer_by_layer.h"
#include "schedule/search/allocation_check.h"
#include "schedule/search/stage1_moves.h"
#include "schedule/search/stage1_search.h"
#include "soma/status_macros.h"

namespace soma::schedule {

absl::StatusOr<CoccoOutcome> RunCoccoSearch(const SearchInputs& inputs, const FusionPlan& start,
                                            const Deadline& deadline, const std::string& label) {
  const Stage1Moves moves(inputs.graph, FusionSpace::kCocco);
  FusionEvaluator evaluator(inputs.graph, inputs.costs, TilingOptions{});
  SearchRandom random(SearchRandom::StreamSeed(inputs.options.seed, kCoccoStream));

  // Step 1: anneal in the Cocco space; the result is the best plan whose default timing
  // allocates.
  const Stopwatch stopwatch;
  Stage1Options options;
  options.rounds = Stage1Rounds(inputs);
  options.work_budget = Stage1WorkBudget(inputs);
  options.capacity_bytes = inputs.capacity_bytes;
  options.deadline = deadline;
  options.label = label + " stage 1";
  options.accept_best = DefaultTimingAllocates(evaluator, inputs.capacity_bytes, inputs);
  ASSIGN_OR_RETURN(const Stage1Result result,
                   RunStage1(moves, evaluator, start, options, random, &inputs.progress));
  CoccoOutcome outcome;
  outcome.stage1.seconds = stopwatch.Seconds();
  outcome.stage1.rounds = result.rounds_run;
  outcome.stage1.round_budget = options.rounds;
  outcome.stage1.moves_accepted = result.moves_accepted;
  outcome.stage1.stopped_by_time_limit = result.stopped_by_deadline;
  outcome.stage1_capacity_bytes = inputs.capacity_bytes;
  outcome.allocation_attempts = result.rejected_bests + 1;
  inputs.progress.Always(absl::StrCat(label, " stage 1: ", result.rounds_run, " rounds in ",
                                      outcome.stage1.seconds, " s, latency ",
                                      result.best_metrics.latency_cycles, " cycles"));

  // Step 2: its Program at the default DRAM timing.
  ASSIGN_OR_RETURN(const TilingModel model, evaluator.Build(result.best_plan));
  ASSIGN_OR_RETURN(outcome.program,
                   BuildAllocatableProgram(model, model.DefaultDramPlan(), inputs.capacity_bytes,
                                           inputs, "cocco"));
  return outcome;
}

absl::StatusOr<Program> ScheduleCocco(const graph::LayerGraph& graph, const CostFunctions& costs,
                                      int64_t capacity_bytes, const ScheduleOptions& options) {
  const Stopwatch total;
  ProgressReporter progress(options.progress);
  const SearchInputs inputs{graph, costs, capacity_bytes, options, progress};
  SearchStats stats;
  stats.strategy = "cocco";
  stats.seed = options.seed;
  stats.threads = 1;
  stats.time_limit_seconds = options.time_limit_seconds;
  // The search stops at the stages' share of the limit, the same share as the Cocco search
  // inside the soma strategy, so that both stop at about the same round.
  const Deadline limit =
      options.time_limit_seconds ? Deadline::After(*options.time_limit_seconds) : Deadline();
  const Deadline deadline = limit.Fraction(kStagesTimeShare);

  // Step 1: the lbl schedule to start from.
  const Stopwatch lbl_time;
  ASSIGN_OR_RETURN(const Program lbl, ScheduleLayerByLayer(graph, costs, capacity_bytes));
  stats.lbl_seconds = lbl_time.Seconds();

  // Step 2: the search.
  ASSIGN_OR_RETURN(CoccoOutcome outcome,
                   RunCoccoSearch(inputs, lbl.schedule.fusion, deadline, "cocco"));
  PassStats pass;
  pass.pass = 0;
  pass.kind = "cocco";
  pass.stage1_capacity_bytes = outcome.stage1_capacity_bytes;
  pass.usable_capacity_bytes = outcome.stage1_capacity_bytes;
  pass.stage1 = outcome.stage1;
  pass.allocation_attempts = outcome.allocation_attempts;
  pass.latency_cycles = outcome.program.latency_cycles;
  stats.passes.push_back(pass);
  stats.chosen = "pass 0";
  stats.total_seconds = total.Seconds();
  outcome.program.search_stats = std::move(stats);
  return std::move(outcome.program);
}

}  // namespace soma::schedule
