// cost_model.h: per-tile compute and DMA costs and the two whole-model lower bounds.
//
// The scheduler's evaluator, the reports and the replay runtime's timing level all use this
// one model, so their numbers agree by construction.
//
// MAC layers (Conv, FullyConnected) follow a simplified form of PolarMapper, the vector x
// lane array mapper of the SoMa artifact (github.com/SET-Scheduling-Project/SoMa-HPCA2025,
// src/coremapping.cpp), without its L1 tiling search. The pe_rows x pe_cols PEs split
// one pair of dimensions out of (C,K) (C,B) (B,K) (C,W) (H,K) (H,W), the first over pe_rows
// and the second over pe_cols. Inside a PE, input channels C fill `vector_width` and output
// channels K fill `lanes`. For one group of a convolution,
//   compute_cycles = ceil(C / (vec*pC)) * ceil(K / (lane*pK)) * ceil(H / pH) * ceil(W / pW)
//                    * ceil(B / pB) * R * S
// where p* is the PE split of a dimension (1 if the partition does not use it), C the
// input channels per group, K the output channels of the box in that group, H, W, B the
// output box extents and R*S the kernel taps. One partition serves the whole tile, the one
// with the minimum cycles. The groups a box covers run one after another. A depthwise
// convolution (one channel per group) therefore uses one vector element and one lane of each
// PE, and the model reports that slowness rather than hiding it. A FullyConnected layer is a
// 1x1 convolution with C = C*H*W of its input and H = W = 1.
//
// A MatMul layer maps like a FullyConnected layer. Its reduction K fills the vector elements
// as input channels do, and its N columns fill the lanes as output channels do. Its M rows
// times the batch extents are the spatial positions.
//
// A tensor operation (kTensorOp) costs per node run. On the vector unit with a positive
// mac_count it takes ceil(mac_count / MacCount()) MAC-array cycles. Without MACs it takes
// ceil(elements / vector_ops_per_cycle), where elements counts the inputs it reads and the
// output it writes. On the host it takes kHostCallCycles plus kHostCyclesPerElement per
// element.
//
// Vector-unit layers take ceil(ops / ops_per_cycle) cycles. Every tile also moves its input
// box, the weights of the box and its output box once at the buffer bandwidth, and a tile
// takes the larger of its compute time and that buffer time.
#ifndef SOMA_ARCH_COST_MODEL_H_
#define SOMA_ARCH_COST_MODEL_H_

#include <cstdint>

#include "arch/arch_config.h"
#include "graph/box.h"
#include "graph/layer_graph.h"

namespace soma::arch {

/// Fixed cost of handing one tensor operation to the host CPU and back, in NPU cycles. An
/// assumption of the stub platform, not a measurement.
inline constexpr int64_t kHostCallCycles = 20000;
/// Host cost per element that a host tensor operation reads or writes, in NPU cycles. An
/// assumption of the stub platform, not a measurement. Host elements are charged the
/// vector unit's energy per operation, also an assumption.
inline constexpr int64_t kHostCyclesPerElement = 4;

/// Cost of computing one box of a layer's output in one tile.
struct TileCost {
  /// max(compute cycles, buffer-traffic cycles); at least 1 for a non-empty box.
  int64_t cycles = 0;
  /// MAC energy + vector energy + buffer read and write energy of the tile.
  double energy_pj = 0;
  /// Multiply-accumulates (0 for vector-unit layers).
  int64_t macs = 0;
  /// Vector-unit operations, including the epilogue of MAC layers (energy only, see
  /// CostModel::LayerTileCost).
  int64_t vector_ops = 0;
};

struct Bounds {
  /// Fewest cycles for every layer under the best mapping, over the part of its output that
  /// consumers read or the network outputs, summed over layers; array-shape
  /// losses (channels padded to vector and lane widths) included, tiling losses excluded.
  int64_t compute_bound_cycles = 0;
  /// Weights, network inputs and network outputs moved once, over the DRAM bandwidth of
  /// all DMA queues together.
  int64_t dram_bound_cycles = 0;
  /// All MACs at 100% utilisation, for reference.
  int64_t peak_compute_cycles = 0;

  int64_t LatencyBoundCycles() const {
    return compute_bound_cycles > dram_bound_cycles ? compute_bound_cycles : dram_bound_cycles;
  }
};

/// The cost model of one hardware configuration. Cheap to copy; every query is a pure
/// function of the config and its arguments and allocates nothing.
/// Cost of one partial sum over `slice_channels` of `total_channels` input channels: the
/// whole-reduction cost `whole` scaled by the slice's share, cycles rounded up and at least
/// 1. The scheduler and the replay runtime's timing level both price partial sums with it.
TileCost PartialSumTileCost(const TileCost& whole, int64_t slice_channels,
                            int64_t total_channels);

class CostModel {
 public:
  /// Requires: `config.Verify()` is OK (positive sizes and bandwidths), otherwise queries
  /// divide by zero.
  explicit CostModel(const ArchConfig& config) : config_(config) {}

  const ArchConfig& config() const { return config_; }

  /// Cost of computing `output_box` of layer `layer_id`'s output in one tile.
  ///
  /// Conv and FullyConnected run on the MAC array, as the file comment describes. Their
  /// epilogue (channel scale, bias, folded activations) runs in the array's output pipeline.
  /// It counts one vector op per output element per step for energy, but adds no cycles.
  ///
  /// Vector layers cost output elements x per-element work. The work is kernel_h*kernel_w
  /// for pool, inputs-1 (at least 1) for eltwise, 1 (a copy) for concat, 4 for softmax and
  /// size+3 for LRN, plus one per epilogue step (scale, bias, each folded activation). A
  /// standalone activation layer costs one per activation in its list, at least 1.
  ///
  /// MatMul runs on the MAC array with K as the reduction. A tensor operation costs its node
  /// run for the box (graph/tensor_op_window.h), as the file comment describes. Its MACs are
  /// mac_count scaled by the share of the output that the run computes. Its vector ops, one
  /// per element read or written, give its energy.
  ///
  /// Buffer reads are every input box (InputBox of graph/box_mapping.h), the weight rows of
  /// the box's output channels and their epilogue vectors. The buffer write is the output
  /// box. Constant operands count with `weight_bytes`, activations with `activation_bytes`.
  /// An empty box costs nothing.
  /// Requires: `output_box` lies inside the output tensor.
  TileCost LayerTileCost(const graph::LayerGraph& graph, graph::LayerId layer_id,
                         const graph::Box& output_box) const;

  /// Cycles one DMA queue needs to move `bytes` bytes: ceil(bytes * clock_hz /
  /// dram_bandwidth_bytes_per_second), in exact integer arithmetic; 0 for 0 bytes.
  /// Requires: `bytes >= 0`.
  int64_t DmaCycles(int64_t bytes) const;
  /// DRAM energy of moving `bytes` bytes between DRAM and the buffer.
  double DmaEnergyPj(int64_t bytes) const;

  /// Bytes of the activation elements in `box`.
  int64_t ActivationBytes(const graph::Box& box) const;
  /// Bytes of `element_count` weight elements.
  int64_t WeightBytes(int64_t element_count) const;
  /// `bytes` rounded up to the buffer alignment.
  int64_t AlignedBytes(int64_t bytes) const;

  /// Computes the three bounds. The compute bound sums LayerTileCost of each layer's whole
  /// output. The DRAM bound moves every constant tensor a layer reads, the epilogue vectors,
  /// the network inputs and the network outputs once: DmaCycles of the total, divided over
  /// the DMA queues and rounded up. The peak compute cycles are ceil(graph MACs / MacCount()).
  Bounds ComputeBounds(const graph::LayerGraph& graph) const;

 private:
  ArchConfig config_;
};

}  // namespace soma::arch

#endif  // SOMA_ARCH_COST_MODEL_H_
