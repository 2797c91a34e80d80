// cost_model.h: per-tile compute and DMA costs and the two whole-model lower bounds.
//
// The scheduler's evaluator, the reports and the replay runtime's timing level all use this
// one model, so their numbers agree by construction.
#ifndef SOMA_ARCH_COST_MODEL_H_
#define SOMA_ARCH_COST_MODEL_H_

#include <cstdint>

#include "arch/arch_config.h"
#include "graph/box.h"
#include "graph/layer_graph.h"

namespace soma::arch {

struct TileCost {
  int64_t cycles = 0;
  /// MAC (or vector) energy plus buffer read and write energy of the tile.
  double energy_pj = 0;
  int64_t macs = 0;
  int64_t vector_ops = 0;
};

struct Bounds {
  /// Fewest cycles for every layer under the best mapping, summed over layers; array-shape
  /// losses (channels padded to vector and lane widths) included, tiling losses excluded.
  int64_t compute_bound_cycles = 0;
  /// Weights, network inputs and network outputs moved once, over the DRAM bandwidth.
  int64_t dram_bound_cycles = 0;
  /// All MACs at 100% utilisation, for reference.
  int64_t peak_compute_cycles = 0;

  int64_t LatencyBoundCycles() const {
    return compute_bound_cycles > dram_bound_cycles ? compute_bound_cycles : dram_bound_cycles;
  }
};

class CostModel {
 public:
  explicit CostModel(const ArchConfig& config) : config_(config) {}

  const ArchConfig& config() const { return config_; }

  /// Cost of computing `output_box` of layer `layer_id`'s output in one tile.
  /// Requires: `output_box` is non-empty and inside the output tensor.
  TileCost LayerTileCost(const graph::LayerGraph& graph, graph::LayerId layer_id,
                         const graph::Box& output_box) const;

  /// Cycles of one DMA transfer of `bytes` bytes: ceil(bytes / DRAM bytes per cycle).
  int64_t DmaCycles(int64_t bytes) const;
  double DmaEnergyPj(int64_t bytes) const;

  /// Bytes of the activation elements in `box`.
  int64_t ActivationBytes(const graph::Box& box) const;
  /// Bytes of `element_count` weight elements.
  int64_t WeightBytes(int64_t element_count) const;
  /// `bytes` rounded up to the buffer alignment.
  int64_t AlignedBytes(int64_t bytes) const;

  Bounds ComputeBounds(const graph::LayerGraph& graph) const;

 private:
  ArchConfig config_;
};

}  // namespace soma::arch

#endif  // SOMA_ARCH_COST_MODEL_H_
