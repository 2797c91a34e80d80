// bench_case.cc: runs one benchmark case: bounds, the strategy, and optionally the replay.
#include "bench/bench_case.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "absl/strings/str_cat.h"
#include "arch/cost_model.h"
#include "bench/bench_replay.h"

namespace soma::bench {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

CaseStatus StatusForError(const absl::Status& status) {
  if (absl::IsUnimplemented(status)) return CaseStatus::kUnavailable;
  if (absl::IsResourceExhausted(status)) return CaseStatus::kInfeasible;
  return CaseStatus::kFailed;
}

// The lbl planning time and each stage's time summed over the passes.
std::vector<std::pair<std::string, double>> StageSeconds(const schedule::SearchStats& stats) {
  double stage1_seconds = 0;
  double stage2_seconds = 0;
  double stage3_seconds = 0;
  for (const schedule::PassStats& pass : stats.passes) {
    stage1_seconds += pass.stage1.seconds;
    stage2_seconds += pass.stage2.seconds;
    stage3_seconds += pass.stage3.seconds;
  }
  return {{"lbl", stats.lbl_seconds},
          {"stage1", stage1_seconds},
          {"stage2", stage2_seconds},
          {"stage3", stage3_seconds}};
}

// Steps 2-4 of RunCase; errors are recorded in `result`.
void ScheduleAndMeasure(const BenchCase& bench_case, const graph::LayerGraph& graph,
                        const arch::CostModel& cost_model, const RunSettings& settings,
                        CaseResult& result) {
  // Step 2: the strategy.
  schedule::ScheduleOptions options;
  options.strategy = bench_case.strategy;
  options.seed = settings.seed;
  options.time_limit_seconds = settings.time_limit_seconds;
  options.threads = settings.threads_per_case;
  if (settings.search_progress) {
    const std::string label = bench_case.Label();
    options.progress = [label, &settings](const std::string& line) {
      settings.search_progress(label + ": " + line);
    };
  }
  const auto search_start = std::chrono::steady_clock::now();
  absl::StatusOr<schedule::Program> program = schedule::RunStrategy(graph, cost_model, options);
  result.search_seconds = SecondsSince(search_start);
  if (!program.ok()) {
    result.status = StatusForError(program.status());
    result.message = std::string(program.status().message());
    return;
  }
  if (const absl::Status verified = program->Verify(); !verified.ok()) {
    result.status = CaseStatus::kFailed;
    result.message = absl::StrCat("the schedule fails Program::Verify: ", verified.message());
    return;
  }

  // Step 3: the schedule's figures.
  result.latency_cycles = program->latency_cycles;
  result.energy_pj = program->energy_pj;
  result.dram_bytes = program->dram_bytes;
  result.peak_buffer_bytes = program->peak_buffer_bytes;
  result.status = CaseStatus::kOk;
  if (program->search_stats.has_value()) {
    result.search_stats = program->search_stats;
    result.stage_seconds = StageSeconds(*program->search_stats);
  }

  // Step 4: the replay checks.
  if (!settings.replay) return;
  absl::StatusOr<ReplayCheck> replayed = CheckByReplay(graph, *program, bench_case.hardware);
  if (!replayed.ok()) {
    result.replay = ReplayStatus::kFailed;
    result.status = CaseStatus::kFailed;
    result.message = absl::StrCat("replay: ", replayed.status().message());
    return;
  }
  result.replay = ReplayStatus::kPassed;
  result.replay_latency_cycles = replayed->latency_cycles;
}

}  // namespace

std::string BenchCase::Label() const {
  return absl::StrCat(model, " ", hardware.name, " b", batch, " ",
                      schedule::StrategyKindName(strategy));
}

std::string BenchCase::ComparisonKey() const {
  return absl::StrCat(model, "|", hardware.name, "|", batch);
}

const char* CaseStatusName(CaseStatus status) {
  switch (status) {
    case CaseStatus::kOk:
      return "ok";
    case CaseStatus::kUnavailable:
      return "unavailable";
    case CaseStatus::kInfeasible:
      return "infeasible";
    case CaseStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

const char* ReplayStatusName(ReplayStatus status) {
  switch (status) {
    case ReplayStatus::kNotRun:
      return "not run";
    case ReplayStatus::kPassed:
      return "passed";
    case ReplayStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

double CaseResult::BoundRatio() const {
  const int64_t bound = std::max(compute_bound_cycles, dram_bound_cycles);
  if (!HasSchedule() || bound <= 0) return 0;
  return static_cast<double>(latency_cycles) / static_cast<double>(bound);
}

bool CaseResult::BeatsLowerBound() const {
  return HasSchedule() && latency_cycles < std::max(compute_bound_cycles, dram_bound_cycles);
}

CaseResult RunCase(const BenchCase& bench_case, const graph::LayerGraph& graph,
                   const RunSettings& settings) {
  CaseResult result;
  // Step 1: the network's size and the two lower bounds.
  const arch::CostModel cost_model(bench_case.hardware);
  result.layer_count = static_cast<int>(graph.layers.size());
  result.mac_count = graph.MacCount();
  const arch::Bounds bounds = cost_model.ComputeBounds(graph);
  result.compute_bound_cycles = bounds.compute_bound_cycles;
  result.dram_bound_cycles = bounds.dram_bound_cycles;

  // The stages throw nothing; the standard library may (std::bad_alloc on a huge case).
  try {
    ScheduleAndMeasure(bench_case, graph, cost_model, settings, result);
  } catch (const std::exception& error) {
    result.status = CaseStatus::kFailed;
    result.message = absl::StrCat("internal error: ", error.what());
  }
  return result;
}

}  // namespace soma::bench
