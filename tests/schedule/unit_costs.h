// unit_costs.h: a unit-cost test double for the schedule evaluator, so that schedules can
// be checked by hand.
#ifndef SOMA_TESTS_SCHEDULE_UNIT_COSTS_H_
#define SOMA_TESTS_SCHEDULE_UNIT_COSTS_H_

#include <cstdint>
#include <map>

#include "schedule/cost_functions.h"

namespace soma::testing {

/// Round-number costs: a compute tile of layer L takes `tile_cycles[L]` cycles (1 when
/// absent) whatever its box, a DMA transfer of b bytes takes ceil(b / dram_bytes_per_cycle)
/// cycles unless `dma_cycles_by_bytes` lists b. Energy is 1 pJ per compute cycle and 1 pJ
/// per DRAM byte. Elements are one byte.
struct UnitCostModel {
  std::map<graph::LayerId, int64_t> tile_cycles;
  std::map<int64_t, int64_t> dma_cycles_by_bytes;
  int64_t dram_bytes_per_cycle = 1;
  int dma_queues = 1;
  int64_t alignment_bytes = 1;

  schedule::CostFunctions Functions() const {
    schedule::CostFunctions costs;
    const std::map<graph::LayerId, int64_t> cycles = tile_cycles;
    costs.tile_cost = [cycles](graph::LayerId layer, const graph::Box&) {
      arch::TileCost cost;
      const auto it = cycles.find(layer);
      cost.cycles = it == cycles.end() ? 1 : it->second;
      cost.energy_pj = static_cast<double>(cost.cycles);
      return cost;
    };
    const std::map<int64_t, int64_t> overrides = dma_cycles_by_bytes;
    const int64_t bytes_per_cycle = dram_bytes_per_cycle;
    costs.dma_cost = [overrides, bytes_per_cycle](int64_t bytes) {
      const auto it = overrides.find(bytes);
      const int64_t cycles =
          it == overrides.end() ? (bytes + bytes_per_cycle - 1) / bytes_per_cycle : it->second;
      return schedule::DmaCost{cycles, static_cast<double>(bytes)};
    };
    costs.activation_element_bytes = 1;
    costs.weight_element_bytes = 1;
    costs.alignment_bytes = alignment_bytes;
    costs.dma_queue_count = dma_queues;
    return costs;
  }
};

}  // namespace soma::testing

#endif  // SOMA_TESTS_SCHEDULE_UNIT_COSTS_H_
