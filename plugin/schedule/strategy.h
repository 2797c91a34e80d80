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
  uint64_t seed = 1;
  std::optional<double> time_limit_seconds;
  int threads = 1;
  /// Receives progress lines (stage, round, best latency).
  std::function<void(const std::string&)> progress;
};

/// Schedules `graph` and returns the evaluated, buffer-allocatable Program.
/// Errors: ResourceExhausted when no schedule fits, naming the layer and the bytes needed
/// versus available.
absl::StatusOr<Program> RunStrategy(const graph::LayerGraph& graph, const arch::CostModel& cost_model,
                                    const ScheduleOptions& options);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_STRATEGY_H_
