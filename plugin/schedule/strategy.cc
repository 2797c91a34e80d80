// strategy.cc: the scheduler's entry point, dispatching to a strategy.
#include "schedule/strategy.h"

#include "absl/strings/str_cat.h"
#include "schedule/cost_functions.h"
#include "schedule/layer_by_layer.h"

namespace soma::schedule {

const char* StrategyKindName(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kLayerByLayer:
      return "lbl";
    case StrategyKind::kCocco:
      return "cocco";
    case StrategyKind::kSoma:
      return "soma";
  }
  return "unknown";
}

absl::StatusOr<Program> RunStrategy(const graph::LayerGraph& graph,
                                    const arch::CostModel& cost_model,
                                    const ScheduleOptions& options) {
  const CostFunctions costs = CostFunctionsFromModel(graph, cost_model);
  const int64_t capacity_bytes = cost_model.config().buffer_bytes;
  switch (options.strategy) {
    case StrategyKind::kLayerByLayer:
      return ScheduleLayerByLayer(graph, costs, capacity_bytes, options.progress);
    case StrategyKind::kCocco:
    case StrategyKind::kSoma:
      break;
  }
  return absl::UnimplementedError(absl::StrCat("scheduling strategy '",
                                               StrategyKindName(options.strategy),
                                               "' is not implemented yet; use 'lbl'"));
}

}  // namespace soma::schedule
