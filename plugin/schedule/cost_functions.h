// cost_functions.h: the costs the schedule evaluator reads, behind a small interface.
//
// Production code fills CostFunctions from arch::CostModel; tests fill them with unit costs
// so that schedules can be checked by hand. The evaluator calls the functions only while
// it builds a TilingModel, never while it evaluates a DramPlan.
#ifndef SOMA_SCHEDULE_COST_FUNCTIONS_H_
#define SOMA_SCHEDULE_COST_FUNCTIONS_H_

#include <array>
#include <cstdint>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "arch/cost_model.h"
#include "graph/box.h"
#include "graph/layer_graph.h"

namespace soma::schedule {

/// Cost of computing `output_box` of layer `layer`'s output over the whole reduction.
using TileCostFn = std::function<arch::TileCost(graph::LayerId layer, const graph::Box& output_box)>;

/// Duration and energy of one DMA transfer.
struct DmaCost {
  int64_t cycles = 0;
  double energy_pj = 0;
};

/// Cost of a DMA transfer of `bytes` bytes.
using DmaCostFn = std::function<DmaCost(int64_t bytes)>;

/// Everything the evaluator needs to size and price a schedule.
struct CostFunctions {
  TileCostFn tile_cost;
  DmaCostFn dma_cost;
  /// Storage bytes of one activation element and of one weight element.
  int64_t activation_element_bytes = 1;
  int64_t weight_element_bytes = 1;
  /// Residency sizes are rounded up to a multiple of this.
  int64_t alignment_bytes = 1;
  /// Number of DMA queues of the hardware (at least 1).
  int dma_queue_count = 1;

  /// `bytes` rounded up to `alignment_bytes`.
  int64_t AlignedBytes(int64_t bytes) const {
    return (bytes + alignment_bytes - 1) / alignment_bytes * alignment_bytes;
  }
};

/// Fills CostFunctions from `cost_model`. Both references must outlive the result.
CostFunctions CostFunctionsFromModel(const graph::LayerGraph& graph,
                                     const arch::CostModel& cost_model);

/// Partial sums are priced by the cost model's rule, which the replay runtime shares.
using arch::PartialSumTileCost;

/// Memoises TileCostFn results by (layer, output box). The key is the whole box, not only
/// its extents, because a tile's cost depends on its position too: halos are clamped at
/// tensor borders and grouped convolutions split at group boundaries. The cache is not
/// thread-safe, so give each search thread its own.
class TileCostCache {
 public:
  /// Returns the cached cost, calling `costs.tile_cost` on a miss.
  const arch::TileCost& Get(const CostFunctions& costs, graph::LayerId layer,
                            const graph::Box& output_box);
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }

 private:
  struct Key {
    graph::LayerId layer;
    std::array<int64_t, 2 * graph::kRank> bounds;
    friend bool operator==(const Key& a, const Key& b) {
      return a.layer == b.layer && a.bounds == b.bounds;
    }
    template <typename H>
    friend H AbslHashValue(H state, const Key& key) {
      return H::combine(std::move(state), key.layer, key.bounds);
    }
  };
  absl::flat_hash_map<Key, arch::TileCost> entries_;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_COST_FUNCTIONS_H_
