// search_stats.h: what a search strategy spent, per pass and stage, for the reports.
//
// Seconds are wall-clock time and differ from run to run; everything else is
// deterministic when the search has no time limit.
#ifndef SOMA_SCHEDULE_SEARCH_STATS_H_
#define SOMA_SCHEDULE_SEARCH_STATS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soma::schedule {

/// One search stage of one pass.
struct StageStats {
  double seconds = 0;
  /// Rounds run, and the budget they were cut from.
  int64_t rounds = 0;
  int64_t round_budget = 0;
  int64_t moves_accepted = 0;
  /// The stage stopped at its deadline before its budget ran out.
  bool stopped_by_time_limit = false;
  /// The stage stopped because it reached the latency lower bound (Stage 2).
  bool reached_lower_bound = false;
};

/// One pass of a search: a Stage-1 run and the Stage-2 and Stage-3 runs on its result.
struct PassStats {
  /// Pass index; SoMa runs pass 0 at full capacity, passes 1..k at reduced Stage-1
  /// capacity, then two passes that start from the Cocco baseline's result: k + 1 runs
  /// Stages 2 and 3 on it, k + 2 runs Stage 1 from it first.
  int pass = 0;
  /// "full buffer", "reduced buffer", "cocco start" or "cocco refined".
  std::string kind;
  /// Buffer bytes Stage 1 had.
  int64_t stage1_capacity_bytes = 0;
  /// Buffer bytes Stages 2 and 3 finally had (less than the buffer after allocation
  /// retries).
  int64_t usable_capacity_bytes = 0;
  StageStats stage1;
  StageStats stage2;
  StageStats stage3;
  /// Allocation attempts of the pass's result.
  int allocation_attempts = 0;
  /// Latency of the pass's allocatable result; 0 when it has none.
  int64_t latency_cycles = 0;
  /// Reason the pass has no result; empty when it has one.
  std::string failure;
};

struct SearchStats {
  std::string strategy;
  uint64_t seed = 0;
  int threads = 1;
  std::optional<double> time_limit_seconds;
  /// Weight loads above this many bytes were split into DMA chunks (0: none).
  int64_t dma_chunk_bytes = 0;
  double total_seconds = 0;
  /// Seconds spent planning the lbl schedule the search starts from.
  double lbl_seconds = 0;
  std::vector<PassStats> passes;
  /// Source of the returned Program: "pass N", "cocco" or "lbl".
  std::string chosen;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_STATS_H_
