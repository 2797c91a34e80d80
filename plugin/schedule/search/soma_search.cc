// soma_search.cc: the soma strategy's passes, their threads, allocation retries and the
// final pick.
#include "schedule/search/soma_search.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "schedule/layer_by_layer.h"
#include "schedule/search/allocation_check.h"
#include "schedule/search/cocco_strategy.h"
#include "schedule/search/dram_search.h"
#include "schedule/search/pass_jobs.h"
#include "schedule/search/search_inputs.h"
#include "schedule/search/stage1_moves.h"
#include "schedule/search/stage1_search.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

/// Stage-1 capacity of pass i: r0 * kPassCapacityFactor^i of the buffer.
constexpr double kPassCapacityFactor = 0.9;
/// Stage-2/3 attempts of a pass whose result does not allocate. Each retry repairs the
/// plan to 10% less usable capacity and runs 1/kRetryRoundsDivisor of the Stage-2 rounds.
constexpr int kMaxAllocationAttempts = 4;
constexpr int64_t kRetryCapacityPercent = 90;
constexpr int64_t kRetryRoundsDivisor = 4;
/// Under a time limit, the share of a pass's time after which Stage 1 stops, and the
/// share of the rest after which Stage 2 stops.
constexpr double kStage1TimeShare = 0.4;
constexpr double kStage2TimeShare = 0.85;
/// PassStats::failure of a pass that the time limit stopped before its result was checked.
constexpr char kOutOfTime[] = "the time limit ran out before a result of the pass allocated";
/// PassStats::failure of a pass that the time limit kept from starting.
constexpr char kNotStarted[] = "not run: the search stages' share of the time limit had passed";
/// Random stream of the Stages 2 and 3 of the Cocco pass.
constexpr uint64_t kCoccoDramStream = kCoccoStream + 1;
/// PassStats::kind of each kind of pass.
constexpr char kFullBufferKind[] = "full buffer";
constexpr char kReducedBufferKind[] = "reduced buffer";
constexpr char kCoccoStartKind[] = "cocco start";
constexpr char kCoccoRefinedKind[] = "cocco refined";

struct PassOutcome {
  PassStats stats;
  std::optional<Program> program;
  int64_t stage1_peak_bytes = 0;
};

void AddStage(const StageStats& run, StageStats* total) {
  total->seconds += run.seconds;
  total->rounds += run.rounds;
  total->round_budget += run.round_budget;
  total->moves_accepted += run.moves_accepted;
  total->stopped_by_time_limit = total->stopped_by_time_limit || run.stopped_by_time_limit;
  total->reached_lower_bound = total->reached_lower_bound || run.reached_lower_bound;
}

StageStats StatsOf(const DramSearchResult& result, int64_t budget, double seconds) {
  StageStats stats;
  stats.seconds = seconds;
  stats.rounds = result.rounds_run;
  stats.round_budget = budget;
  stats.moves_accepted = result.moves_accepted;
  stats.stopped_by_time_limit = result.stopped_by_deadline;
  stats.reached_lower_bound = result.reached_lower_bound;
  return stats;
}

// The stats of pass `pass` of `kind` that produced no result, for `reason`.
PassStats SkippedPass(int pass, const std::string& kind, const std::string& reason) {
  PassStats stats;
  stats.pass = pass;
  stats.kind = kind;
  stats.failure = reason;
  return stats;
}

class SomaSearch {
 public:
  // `limit` is the search's time limit (none without one). After it, a pass runs no
  // more allocation checks and gives up instead.
  SomaSearch(const SearchInputs& inputs, int64_t chunk_bytes, const Deadline& limit)
      : inputs_(inputs), moves_(inputs.graph, FusionSpace::kSoma), limit_(limit) {
    tiling_.dma_chunk_bytes = chunk_bytes;
  }

  // One SoMa pass of `kind`: Stage 1 at `stage1_capacity` from `start`, then Stages 2
  // and 3.
  PassOutcome RunPass(int pass, const std::string& kind, int64_t stage1_capacity,
                      const FusionPlan& start, const Deadline& deadline,
                      const std::function<void(int64_t)>& on_stage1_peak = nullptr) {
    PassOutcome outcome;
    outcome.stats.pass = pass;
    outcome.stats.kind = kind;
    outcome.stats.stage1_capacity_bytes = stage1_capacity;
    const std::string label = absl::StrCat("soma pass ", pass, " (", kind, ")");
    SearchRandom random(SearchRandom::StreamSeed(inputs_.options.seed, pass));
    FusionEvaluator evaluator(inputs_.graph, inputs_.costs, tiling_);

    // Step 1: Stage 1.
    const Stopwatch stopwatch;
    Stage1Options options;
    options.rounds = Stage1Rounds(inputs_);
    options.work_budget = Stage1WorkBudget(inputs_);
    options.capacity_bytes = stage1_capacity;
    options.deadline = deadline.Fraction(kStage1TimeShare);
    options.label = label + " stage 1";
    options.accept_best = DefaultTimingAllocates(evaluator, stage1_capacity, inputs_);
    absl::StatusOr<Stage1Result> stage1 =
        RunStage1(moves_, evaluator, start, options, random, &inputs_.progress);
    if (!stage1.ok()) {
      outcome.stats.failure = std::string(stage1.status().message());
      return outcome;
    }
    StageStats& stats = outcome.stats.stage1;
    stats.seconds = stopwatch.Seconds();
    stats.rounds = stage1->rounds_run;
    stats.round_budget = options.rounds;
    stats.moves_accepted = stage1->moves_accepted;
    stats.stopped_by_time_limit = stage1->stopped_by_deadline;
    outcome.stage1_peak_bytes = stage1->best_metrics.peak_buffer_bytes;
    if (on_stage1_peak) on_stage1_peak(outcome.stage1_peak_bytes);
    inputs_.progress.Always(absl::StrCat(label, " stage 1: ", stage1->rounds_run, " rounds in ",
                                         stats.seconds, " s, latency ",
                                         stage1->best_metrics.latency_cycles, " cycles, peak ",
                                         outcome.stage1_peak_bytes, " bytes"));

    // Step 2: Stages 2 and 3 on the best plan.
    if (limit_.Passed()) {
      outcome.stats.failure = kOutOfTime;
      return outcome;
    }
    absl::StatusOr<TilingModel> model = evaluator.Build(stage1->best_plan);
    if (!model.ok()) {
      outcome.stats.failure = std::string(model.status().message());
      return outcome;
    }
    SearchDram(*model, random, deadline, label, &outcome);
    return outcome;
  }

  // Stages 2 and 3 on the result of the Cocco search, `cocco`, whose Stage 1 counts as
  // the pass's.
  PassOutcome RunCoccoPass(int pass, const CoccoOutcome& cocco, const Deadline& deadline) {
    PassOutcome outcome;
    outcome.stats.pass = pass;
    outcome.stats.kind = kCoccoStartKind;
    outcome.stats.stage1 = cocco.stage1;
    outcome.stats.stage1_capacity_bytes = cocco.stage1_capacity_bytes;
    const std::string label = absl::StrCat("soma pass ", pass, " (", kCoccoStartKind, ")");
    if (limit_.Passed()) {
      outcome.stats.failure = kOutOfTime;
      return outcome;
    }
    FusionEvaluator evaluator(inputs_.graph, inputs_.costs, tiling_);
    absl::StatusOr<TilingModel> model = evaluator.Build(cocco.program.schedule.fusion);
    if (!model.ok()) {
      outcome.stats.failure = std::string(model.status().message());
      return outcome;
    }
    SearchRandom random(SearchRandom::StreamSeed(inputs_.options.seed, kCoccoDramStream));
    SearchDram(*model, random, deadline, label, &outcome);
    return outcome;
  }

 private:
  // Stages 2 and 3 on `model`, repeated at less usable capacity until the result
  // allocates; the default DRAM plan (which allocates) is the last resort. Retries stop at
  // `deadline`, and allocation checks at the search's time limit.
  void SearchDram(const TilingModel& model, SearchRandom& random, const Deadline& deadline,
                  const std::string& label, PassOutcome* outcome) {
    PassStats& stats = outcome->stats;
    DramSearch search(model);
    const DramPlan fallback = model.DefaultDramPlan();
    Evaluator evaluator(model);
    const EvaluationResult& fallback_result = evaluator.Evaluate(fallback, inputs_.capacity_bytes);
    if (!fallback_result.ok()) {
      stats.failure = std::string(evaluator.Explain(fallback, inputs_.capacity_bytes).message());
      return;
    }
    const int64_t floor_bytes = fallback_result.metrics.peak_buffer_bytes;
    int64_t usable_bytes = inputs_.capacity_bytes;
    DramPlan start = fallback;
    const int64_t rounds = Stage2Rounds(inputs_, model);
    std::string allocation_error;
    for (int attempt = 0; attempt < kMaxAllocationAttempts; ++attempt) {
      if (attempt > 0 && deadline.Passed()) break;
      ++stats.allocation_attempts;
      // Step 1: Stage 2.
      DramSearchOptions options;
      options.rounds = attempt == 0 ? rounds : rounds / kRetryRoundsDivisor;
      options.capacity_bytes = usable_bytes;
      options.deadline = deadline.Fraction(kStage2TimeShare);
      options.label = label + " stage 2";
      Stopwatch stopwatch;
      absl::StatusOr<DramSearchResult> stage2 =
          search.RunStage2(start, options, random, &inputs_.progress);
      if (!stage2.ok()) {
        stats.failure = std::string(stage2.status().message());
        return;
      }
      AddStage(StatsOf(*stage2, options.rounds, stopwatch.Seconds()), &stats.stage2);

      // Step 2: Stage 3.
      stopwatch = Stopwatch();
      options.rounds /= 10;
      options.deadline = deadline;
      options.label = label + " stage 3";
      absl::StatusOr<DramSearchResult> stage3 =
          search.RunStage3(stage2->plan, options, random, &inputs_.progress);
      if (!stage3.ok()) {
        stats.failure = std::string(stage3.status().message());
        return;
      }
      AddStage(StatsOf(*stage3, options.rounds, stopwatch.Seconds()), &stats.stage3);

      // Step 3: the Program must allocate in the whole buffer; else one of the earlier
      // Stage-2 bests, newest first.
      if (limit_.Passed()) {
        stats.failure = kOutOfTime;
        return;
      }
      absl::StatusOr<Program> program =
          BuildAllocatableProgram(model, stage3->plan, usable_bytes, inputs_, "soma");
      if (program.ok()) {
        Finish(model, *std::move(program), usable_bytes, label, outcome);
        return;
      }
      for (int index = static_cast<int>(stage2->earlier_bests.size()) - 1; index >= 0; --index) {
        if (limit_.Passed()) {
          stats.failure = kOutOfTime;
          return;
        }
        absl::StatusOr<Program> earlier = BuildAllocatableProgram(
            model, stage2->earlier_bests[index], usable_bytes, inputs_, "soma");
        if (earlier.ok()) {
          Finish(model, *std::move(earlier), usable_bytes, label, outcome);
          return;
        }
      }
      allocation_error = std::string(program.status().message());
      if (!absl::IsResourceExhausted(program.status()) || usable_bytes <= floor_bytes) break;

      // Step 4: repair the plan to less usable capacity (not below the default plan's
      // peak) and search again.
      usable_bytes = std::max(floor_bytes, usable_bytes * kRetryCapacityPercent / 100);
      inputs_.progress.Always(absl::StrCat(label, ": ", allocation_error, "; retrying with ",
                                           usable_bytes, " bytes of usable capacity"));
      start = stage3->plan;
      if (!search.RepairToCapacity(&start, usable_bytes)) start = fallback;
    }
    // Step 5: the default DRAM plan.
    if (limit_.Passed()) {
      stats.failure = kOutOfTime;
      return;
    }
    absl::StatusOr<Program> program =
        BuildAllocatableProgram(model, fallback, inputs_.capacity_bytes, inputs_, "soma");
    if (program.ok()) {
      inputs_.progress.Always(
          absl::StrCat(label, ": ", allocation_error, "; keeping the default DRAM timing"));
      Finish(model, *std::move(program), inputs_.capacity_bytes, label, outcome);
      return;
    }
    stats.failure = absl::StrCat("no address-allocatable DRAM plan after ",
                                 stats.allocation_attempts, " attempts (usable capacity down to ",
                                 usable_bytes, " bytes); last allocator error: ", allocation_error);
  }

  // Records `program`, the allocatable result of a pass.
  void Finish(const TilingModel& model, Program program, int64_t usable_bytes,
              const std::string& label, PassOutcome* outcome) {
    PassStats& stats = outcome->stats;
    stats.usable_capacity_bytes = usable_bytes;
    stats.latency_cycles = program.latency_cycles;
    inputs_.progress.Always(
        absl::StrCat(label, ": latency ", program.latency_cycles, " cycles (Stage-2 lower bound ",
                     LatencyLowerBound(model), "), peak buffer ", program.peak_buffer_bytes,
                     " bytes, ", model.position_count(), " tiles, ", model.transfer_count(),
                     " transfers, stages 2 and 3: ", stats.stage2.rounds + stats.stage3.rounds,
                     " rounds in ", stats.stage2.seconds + stats.stage3.seconds, " s"));
    outcome->program = std::move(program);
  }

  const SearchInputs& inputs_;
  const Stage1Moves moves_;
  const Deadline limit_;
  TilingOptions tiling_;
};

}  // namespace

int64_t DefaultDmaChunkBytes(const TilingModel& model, const CostFunctions& costs) {
  constexpr int64_t kProbeBytes = int64_t{1} << 20;
  const int64_t probe_cycles = std::max<int64_t>(1, costs.dma_cost(kProbeBytes).cycles);
  const double mean_tile_cycles = static_cast<double>(model.total_compute_cycles()) /
                                  static_cast<double>(std::max(1, model.position_count()));
  const double bytes =
      mean_tile_cycles * static_cast<double>(kProbeBytes) / static_cast<double>(probe_cycles);
  return std::max<int64_t>(kMinDmaChunkBytes, static_cast<int64_t>(bytes));
}

absl::StatusOr<Program> ScheduleSoma(const graph::LayerGraph& graph, const CostFunctions& costs,
                                     int64_t capacity_bytes, const ScheduleOptions& options) {
  const Stopwatch total;
  ProgressReporter progress(options.progress);
  const SearchInputs inputs{graph, costs, capacity_bytes, options, progress};
  const int threads = std::max(1, options.threads);
  const Deadline limit =
      options.time_limit_seconds ? Deadline::After(*options.time_limit_seconds) : Deadline();
  const Deadline stages_deadline = limit.Fraction(kStagesTimeShare);
  SearchStats stats;
  stats.strategy = "soma";
  stats.seed = options.seed;
  stats.threads = threads;
  stats.time_limit_seconds = options.time_limit_seconds;

  // Step 1: the lbl schedule every search starts from, and the DMA chunk size.
  const Stopwatch lbl_time;
  ASSIGN_OR_RETURN(Program lbl, ScheduleLayerByLayer(graph, costs, capacity_bytes));
  stats.lbl_seconds = lbl_time.Seconds();
  if (options.dma_chunk_bytes) {
    stats.dma_chunk_bytes = std::max<int64_t>(0, *options.dma_chunk_bytes);
  } else {
    ASSIGN_OR_RETURN(const TilingModel lbl_model,
                     TilingModel::Build(graph, lbl.schedule.fusion, costs));
    stats.dma_chunk_bytes = DefaultDmaChunkBytes(lbl_model, costs);
  }
  SomaSearch search(inputs, stats.dma_chunk_bytes, limit);

  // Step 2: every pass on one pool of threads, the Cocco pass first. Its Cocco search
  // runs whatever the limit and may use all of the stages' time, as the cocco strategy's
  // does, so the plain Cocco result is always a candidate. Passes 1..k need r0, the peak of
  // pass 0's Stage-1 result over the buffer, which pass 0 publishes as soon as its Stage 1
  // ends. Pass 0 is started before them, so a pool of one thread runs it first. The
  // refined Cocco pass needs the Cocco plan and starts last, with the time the others
  // leave: under a limit it adds a candidate without shortening the other passes.
  const int reduced_passes = std::max(0, options.buffer_passes);
  const int cocco_pass = reduced_passes + 1;
  const int refined_pass = reduced_passes + 2;
  std::vector<PassOutcome> outcomes(reduced_passes + 3);
  std::optional<Program> cocco_program;
  std::promise<int64_t> pass0_peak_promise;
  const std::shared_future<int64_t> pass0_peak = pass0_peak_promise.get_future().share();
  // The Cocco plan, or nullopt when the Cocco search failed.
  std::promise<std::optional<FusionPlan>> cocco_plan_promise;
  const std::shared_future<std::optional<FusionPlan>> cocco_plan =
      cocco_plan_promise.get_future().share();
  std::vector<int> jobs = {cocco_pass, 0};
  for (int pass = 1; pass <= reduced_passes; ++pass) jobs.push_back(pass);
  jobs.push_back(refined_pass);
  RunJobs(jobs, /*leftover_jobs=*/1, threads, stages_deadline,
          [&](int pass, const ShareOfTime& share_of_time) {
    PassOutcome& outcome = outcomes[pass];
    if (pass == cocco_pass) {
      const std::string label = absl::StrCat("soma pass ", pass, " (", kCoccoStartKind, ")");
      absl::StatusOr<CoccoOutcome> cocco =
          RunCoccoSearch(inputs, lbl.schedule.fusion, stages_deadline, label);
      if (!cocco.ok()) {
        outcome.stats =
            SkippedPass(pass, kCoccoStartKind, std::string(cocco.status().message()));
        cocco_plan_promise.set_value(std::nullopt);
        return;
      }
      cocco_plan_promise.set_value(cocco->program.schedule.fusion);
      if (stages_deadline.Passed()) {
        outcome.stats = SkippedPass(pass, kCoccoStartKind, kNotStarted);
        outcome.stats.stage1 = cocco->stage1;
      } else {
        outcome = search.RunCoccoPass(pass, *cocco, share_of_time());
      }
      cocco_program = std::move(cocco->program);
      return;
    }
    if (pass == refined_pass) {
      // The refined Cocco pass: SoMa's Stage 1 from the Cocco plan, which may cut its
      // groups into sub-groups with their own tile counts, then Stages 2 and 3.
      const std::optional<FusionPlan>& start = cocco_plan.get();
      if (!start.has_value()) {
        outcome.stats = SkippedPass(pass, kCoccoRefinedKind, "the Cocco search failed");
      } else if (stages_deadline.Passed()) {
        outcome.stats = SkippedPass(pass, kCoccoRefinedKind, kNotStarted);
      } else {
        outcome = search.RunPass(pass, kCoccoRefinedKind, capacity_bytes, *start,
                                 share_of_time());
      }
      return;
    }
    if (pass == 0) {
      if (stages_deadline.Passed()) {
        outcome.stats = SkippedPass(0, kFullBufferKind, kNotStarted);
        pass0_peak_promise.set_value(lbl.peak_buffer_bytes);
        return;
      }
      bool published = false;
      outcome = search.RunPass(0, kFullBufferKind, capacity_bytes, lbl.schedule.fusion,
                               share_of_time(), [&](int64_t peak_bytes) {
                                 pass0_peak_promise.set_value(peak_bytes);
                                 published = true;
                               });
      if (!published) pass0_peak_promise.set_value(lbl.peak_buffer_bytes);
      return;
    }
    // Step 3: passes 1..k run Stage 1 at r0 * 0.9^i of the buffer.
    const double r0 = static_cast<double>(pass0_peak.get()) / static_cast<double>(capacity_bytes);
    const auto stage1_capacity = static_cast<int64_t>(static_cast<double>(capacity_bytes) * r0 *
                                                      std::pow(kPassCapacityFactor, pass));
    if (stages_deadline.Passed()) {
      outcome.stats = SkippedPass(pass, kReducedBufferKind, kNotStarted);
      outcome.stats.stage1_capacity_bytes = stage1_capacity;
      return;
    }
    absl::StatusOr<FusionPlan> start = PlanLayerByLayer(graph, costs, stage1_capacity);
    if (!start.ok()) {
      outcome.stats =
          SkippedPass(pass, kReducedBufferKind, std::string(start.status().message()));
      outcome.stats.stage1_capacity_bytes = stage1_capacity;
      progress.Always(absl::StrCat("soma pass ", pass, ": skipped, ", outcome.stats.failure));
      return;
    }
    outcome = search.RunPass(pass, kReducedBufferKind, stage1_capacity, *start, share_of_time());
  });

  // Step 4: the fastest allocatable candidate; ties go to the earliest in pass order,
  // then the plain Cocco result, then lbl.
  std::vector<std::pair<const Program*, std::string>> candidates;
  for (int pass = 0; pass <= refined_pass; ++pass) {
    if (outcomes[pass].program) {
      candidates.emplace_back(&*outcomes[pass].program, absl::StrCat("pass ", pass));
    }
  }
  if (cocco_program) candidates.emplace_back(&*cocco_program, "cocco");
  candidates.emplace_back(&lbl, "lbl");
  const Program* best = candidates.front().first;
  stats.chosen = candidates.front().second;
  for (const auto& [candidate, source] : candidates) {
    if (candidate->latency_cycles < best->latency_cycles) {
      best = candidate;
      stats.chosen = source;
    }
  }
  for (PassOutcome& outcome : outcomes) stats.passes.push_back(outcome.stats);
  Program result = *best;
  result.schedule.strategy = "soma";
  stats.total_seconds = total.Seconds();
  progress.Always(absl::StrCat("soma: chose ", stats.chosen, ", latency ", result.latency_cycles,
                               " cycles (lbl ", lbl.latency_cycles, "), search ",
                               stats.total_seconds, " s"));
  result.search_stats = std::move(stats);
  return result;
}

}  // namespace soma::schedule
