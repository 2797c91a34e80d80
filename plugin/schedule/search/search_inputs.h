// search_inputs.h: what every search strategy reads: the graph, the costs, the buffer and
// the options.
#ifndef SOMA_SCHEDULE_SEARCH_SEARCH_INPUTS_H_
#define SOMA_SCHEDULE_SEARCH_SEARCH_INPUTS_H_

#include <algorithm>
#include <cstdint>

#include "graph/layer_graph.h"
#include "schedule/cost_functions.h"
#include "schedule/search/search_budget.h"
#include "schedule/strategy.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// Random stream of the Cocco search, shared by the cocco strategy and the soma pass that
/// starts from the Cocco result, so both find the same plan. SoMa pass i uses stream i.
inline constexpr uint64_t kCoccoStream = 1000;

struct SearchInputs {
  const graph::LayerGraph& graph;
  const CostFunctions& costs;
  int64_t capacity_bytes = 0;
  const ScheduleOptions& options;
  /// Shared by every thread of the search.
  ProgressReporter& progress;
};

/// Returns the batch of a graph: the largest first dimension of its inputs (at least 1).
inline int64_t GraphBatch(const graph::LayerGraph& graph) {
  int64_t batch = 1;
  for (graph::TensorId input : graph.inputs) {
    batch = std::max(batch, graph.tensor(input).shape[graph::kN]);
  }
  return batch;
}

/// Stage-1 rounds of one pass: the option, or SoMa's 100 * layers * sqrt(batch).
inline int64_t Stage1Rounds(const SearchInputs& inputs) {
  if (inputs.options.stage1_rounds) return std::max<int64_t>(0, *inputs.options.stage1_rounds);
  return Stage1RoundBudget(static_cast<int>(inputs.graph.layers.size()), GraphBatch(inputs.graph));
}

/// Stage-1 work budget of one pass: none when the option sets the rounds, else
/// kStage1WorkBudget times batch / kWorkBudgetBatch when the batch is larger.
inline int64_t Stage1WorkBudget(const SearchInputs& inputs) {
  if (inputs.options.stage1_rounds) return 0;
  return kStage1WorkBudget * std::max<int64_t>(1, GraphBatch(inputs.graph) / kWorkBudgetBatch);
}

/// Stage-2 rounds of one pass on `model`: the option, or Stage2RoundBudget.
inline int64_t Stage2Rounds(const SearchInputs& inputs, const TilingModel& model) {
  if (inputs.options.stage2_rounds) return std::max<int64_t>(0, *inputs.options.stage2_rounds);
  return Stage2RoundBudget(model.transfer_count(),
                           model.transfer_count() + model.position_count() +
                               static_cast<int64_t>(model.residencies().size()));
}

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_SEARCH_INPUTS_H_
