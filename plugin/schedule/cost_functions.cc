// cost_functions.cc: CostFunctions from the cost model, partial-sum pricing, the cost cache.
#include "schedule/cost_functions.h"

#include <algorithm>
#include <cmath>

namespace soma::schedule {

CostFunctions CostFunctionsFromModel(const graph::LayerGraph& graph,
                                     const arch::CostModel& cost_model) {
  const arch::ArchConfig& config = cost_model.config();
  CostFunctions costs;
  costs.tile_cost = [&graph, &cost_model](graph::LayerId layer, const graph::Box& output_box) {
    return cost_model.LayerTileCost(graph, layer, output_box);
  };
  costs.dma_cost = [&cost_model](int64_t bytes) {
    return DmaCost{cost_model.DmaCycles(bytes), cost_model.DmaEnergyPj(bytes)};
  };
  costs.activation_element_bytes = config.activation_bytes;
  costs.weight_element_bytes = config.weight_bytes;
  costs.alignment_bytes = std::max<int64_t>(1, config.buffer_alignment_bytes);
  costs.dma_queue_count = static_cast<int>(std::max<int64_t>(1, config.dma_queues));
  return costs;
}


const arch::TileCost& TileCostCache::Get(const CostFunctions& costs, graph::LayerId layer,
                                         const graph::Box& output_box) {
  Key key{layer, {}};
  for (int d = 0; d < graph::kRank; ++d) {
    key.bounds[d] = output_box.lo[d];
    key.bounds[graph::kRank + d] = output_box.hi[d];
  }
  auto [it, inserted] = entries_.try_emplace(key);
  if (inserted) it->second = costs.tile_cost(layer, output_box);
  return it->second;
}

}  // namespace soma::schedule
