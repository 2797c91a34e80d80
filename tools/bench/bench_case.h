// bench_case.h: one benchmark case (network, hardware, batch, strategy) and what running it
// measured.
#ifndef SOMA_TOOLS_BENCH_BENCH_CASE_H_
#define SOMA_TOOLS_BENCH_BENCH_CASE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "schedule/search_stats.h"
#include "schedule/strategy.h"

namespace soma::bench {

/// One cell of the design-space exploration: soma-edge's MAC array with another buffer
/// capacity and DRAM bandwidth.
struct DseCell {
  int64_t buffer_mib = 0;
  int64_t dram_gbps = 0;
};

struct BenchCase {
  /// A benchmark network name (model_builder/benchmark_models.h).
  std::string model;
  arch::ArchConfig hardware;
  int64_t batch = 1;
  schedule::StrategyKind strategy = schedule::StrategyKind::kLayerByLayer;
  /// Set for the cases of the design-space exploration.
  std::optional<DseCell> dse;
  /// Copies of the scheduled model in the whole network: a GPT-2 case schedules one
  /// transformer block of 12 (small) or 48 (XL), and the reports multiply its latency,
  /// bounds, energy and DRAM traffic by this count. 1 for the CNNs.
  int64_t block_count = 1;

  /// "resnet50 soma-edge b1 lbl", for progress lines and messages.
  std::string Label() const;
  /// The case without its strategy ("resnet50|soma-edge|1"): cases with equal keys differ
  /// only in strategy, and the summary compares them.
  std::string ComparisonKey() const;
};

enum class CaseStatus {
  /// The schedule was found (and, with replay, replayed without findings).
  kOk,
  /// The strategy is not implemented in this build (RunStrategy returned Unimplemented).
  kUnavailable,
  /// No schedule fits the hardware (ResourceExhausted).
  kInfeasible,
  /// Any other error, or a replay that found a mismatch.
  kFailed,
};

const char* CaseStatusName(CaseStatus status);

enum class ReplayStatus { kNotRun, kPassed, kFailed };

const char* ReplayStatusName(ReplayStatus status);

struct CaseResult {
  CaseStatus status = CaseStatus::kFailed;
  /// Reason the case is not kOk; empty otherwise.
  std::string message;

  int layer_count = 0;
  int64_t mac_count = 0;
  int64_t compute_bound_cycles = 0;
  int64_t dram_bound_cycles = 0;
  // The schedule's figures, set when a schedule was found.
  int64_t latency_cycles = 0;
  double energy_pj = 0;
  int64_t dram_bytes = 0;
  int64_t peak_buffer_bytes = 0;
  /// Wall time of RunStrategy.
  double search_seconds = 0;
  /// Wall time of each search stage when the strategy reports it: "lbl" (the starting
  /// plan), then "stage1", "stage2" and "stage3", each summed over the search's passes
  /// (which may run on several threads, so the sum can exceed search_seconds).
  std::vector<std::pair<std::string, double>> stage_seconds;
  /// The search's own account (passes, rounds, the chosen candidate), when it has one.
  std::optional<schedule::SearchStats> search_stats;

  ReplayStatus replay = ReplayStatus::kNotRun;
  /// Latency of the timing replay, when it ran.
  int64_t replay_latency_cycles = 0;

  bool HasSchedule() const { return latency_cycles > 0; }
  /// latency / max(compute bound, DRAM bound); 0 without a schedule.
  double BoundRatio() const;
  /// Whether the schedule claims a latency below max(compute bound, DRAM bound), which no
  /// schedule can reach: the evaluator and CostModel::ComputeBounds disagree.
  bool BeatsLowerBound() const;
};

struct RunSettings {
  uint64_t seed = 1;
  /// Passed to ScheduleOptions::time_limit_seconds.
  std::optional<double> time_limit_seconds;
  int threads_per_case = 1;
  /// Allocate, emit the command stream and replay it structurally and in timing.
  bool replay = false;
  /// Receives the search's progress lines, prefixed with the case label; may be empty.
  std::function<void(const std::string&)> search_progress;
};

/// Schedules `graph` (the imported network of `bench_case`) and measures the result.
/// Errors of the strategy, the replay and std::exception throws become the result's status
/// and message.
CaseResult RunCase(const BenchCase& bench_case, const graph::LayerGraph& graph,
                   const RunSettings& settings);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_BENCH_CASE_H_
