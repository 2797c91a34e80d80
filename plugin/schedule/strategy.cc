// strategy.cc: the scheduler's entry point, dispatching to a strategy.
#include "schedule/strategy.h"

#include "absl/strings/str_cat.h"
#include "schedule/cost_functions.h"
#include "schedule/layer_by_layer.h"
#include "schedule/search/cocco_strategy.h"
#include "schedule/search/soma_search.h"

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
      return ScheduleCocco(graph, costs, capacity_bytes, options);
    case StrategyKind::kSoma:
      return ScheduleSoma(graph, costs, capacity_bytes, options);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown scheduling strategy ",
                                                 static_cast<int>(options.strategy)));
}

}  // namespace soma::schedule
