// strategy.h: the scheduler's entry point and its options.
#ifndef SOMA_SCHEDULE_STRATEGY_H_
#define SOMA_SCHEDULE_STRATEGY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "arch/cost_model.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"

namespace soma::schedule {

/// The scheduling strategy. All share one evaluator, so their numbers compare.
enum class StrategyKind {
  /// Layer by layer: every layer its own LG; a layer that does not fit is tiled; loads one
  /// tile ahead, stores one tile behind. The toolchain default.
  kLayerByLayer,
  /// Fused groups with one tiling per group and the fixed default DRAM timing.
  kCocco,
  /// The two-stage SoMa search.
  kSoma,
};

const char* StrategyKindName(StrategyKind kind);

struct ScheduleOptions {
  StrategyKind strategy = StrategyKind::kLayerByLayer;
  /// Seed of the search's random streams (cocco, soma).
  uint64_t seed = 1;
  /// Wall-clock bound of the whole search. Unset: the search is bounded by rounds only
  /// and the result depends only on the inputs and the seed. Set: each stage also stops
  /// at its share of the limit, so the result depends on the machine's speed.
  std::optional<double> time_limit_seconds;
  /// Threads the soma passes run on; the result does not depend on it.
  int threads = 1;
  /// Receives progress lines (stage, pass, round, best latency), about one a second.
  std::function<void(const std::string&)> progress;

  /// Stage-1 rounds per pass. Unset: 100 * layers * sqrt(batch), as in SoMa.
  std::optional<int64_t> stage1_rounds;
  /// Stage-2 rounds per pass (Stage 3 runs a tenth). Unset: 1000 * DRAM transfers,
  /// capped (search/search_budget.h).
  std::optional<int64_t> stage2_rounds;
  /// soma: reduced-buffer passes after pass 0 (SoMa runs 5).
  int buffer_passes = 5;
  /// soma: weight loads above this many bytes are split into DMA chunks. Unset: the
  /// bytes one DMA queue moves during the mean compute tile of the lbl schedule (see
  /// search/soma_search.h); 0: no chunking.
  std::optional<int64_t> dma_chunk_bytes;
};

/// Schedules `graph` and returns the evaluated, buffer-allocatable Program.
/// Errors: ResourceExhausted when no schedule fits, naming the layer and the bytes needed
/// versus available.
absl::StatusOr<Program> RunStrategy(const graph::LayerGraph& graph, const arch::CostModel& cost_model,
                                    const ScheduleOptions& options);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_STRATEGY_H_
