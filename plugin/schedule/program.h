// program.h: a parsed and timed schedule, the data the Allocator, Codegen and Reports read.
//
// The evaluator turns a Schedule (notation.h) into a Program. A Program lists the buffer
// residencies, the compute operations in position order and the DRAM transfers. It also
// records the order of every DMA queue, the dependencies of every operation, and the
// simulated start and end cycle of each.
//
// Timing semantics, shared with the replay runtime's timing level: every queue (the
// compute queue, each DMA queue) runs its operations in order. An operation starts when its
// queue is free and every operation it waits for has finished, and durations come from the
// cost model. Dependencies:
//   - compute at position p waits for the loads of its input and weight tiles, and for the
//     stores of every output tile whose lifetime ends at or before p (the store deadline);
//   - a load whose lifetime starts at s waits for compute s-1 (its buffer step has begun),
//     and for the stores of every output tile whose lifetime ends at or before s;
//   - a store of the output tile computed at position p waits for compute p.
#ifndef SOMA_SCHEDULE_PROGRAM_H_
#define SOMA_SCHEDULE_PROGRAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/box.h"
#include "graph/layer.h"
#include "schedule/notation.h"
#include "schedule/search_stats.h"

namespace soma::schedule {

/// Reason a tensor tile is resident in the buffer.
enum class ResidencyKind {
  /// A tile of a layer input loaded from DRAM.
  kLoadedInput,
  /// Weights of a layer (or an output-channel chunk of them) loaded from DRAM.
  kWeight,
  /// A tile a layer computed; read by consumers in the same SLG and/or stored to DRAM.
  kTileOutput,
  /// The whole output map of a layer, kept on chip for consumers in later SLGs of its LG.
  /// Each tile the producer computes writes its box into it.
  kFullMap,
};

const char* ResidencyKindName(ResidencyKind kind);

/// A region of the global buffer that contains `box` of `tensor` during `lifetime`.
struct Residency {
  ResidencyKind kind = ResidencyKind::kTileOutput;
  graph::TensorId tensor = -1;
  graph::Box box;
  /// Bytes the region takes, already rounded up to the buffer alignment.
  int64_t bytes = 0;
  Lifetime lifetime;
  /// ONNX node the data belongs to (the producer's, or the consumer's for weights).
  std::string origin;
};

/// A compute operand: `box` of `tensor`, read from residency `residency` (whose box
/// contains `box`).
struct Operand {
  int residency = -1;
  graph::TensorId tensor = -1;
  graph::Box box;
};

struct ComputeOp {
  int position = 0;
  graph::LayerId layer = -1;
  int tile = 0;
  int group = 0;
  int subgroup = 0;
  graph::Box output_box;
  /// Residencies the result is written into (a kTileOutput and/or a kFullMap).
  std::vector<int> output_residencies;
  /// One operand per Layer::inputs entry.
  std::vector<Operand> inputs;
  std::optional<Operand> weight;
  /// Partial sums over an input-channel slice: add onto the output instead of overwriting,
  /// and apply the epilogue (scale, bias, activations) only when `final_partial` is set.
  bool accumulate = false;
  bool final_partial = true;
  int64_t cycles = 0;
  double energy_pj = 0;
};

enum class TransferDirection { kLoad, kStore };

struct TransferOp {
  TransferKey key;
  TransferDirection direction = TransferDirection::kLoad;
  /// Buffer side of the transfer.
  int residency = -1;
  /// DRAM side: `box` of `tensor` (a graph tensor; weights are constant tensors).
  graph::TensorId tensor = -1;
  graph::Box box;
  int64_t bytes = 0;
  int queue = 0;
  int64_t cycles = 0;
  double energy_pj = 0;
};

/// Reference to an operation: the compute op at `index`, or the transfer with id `index`.
struct OpRef {
  enum class Kind { kCompute, kTransfer };
  Kind kind = Kind::kCompute;
  int index = 0;
  friend bool operator==(const OpRef& a, const OpRef& b) {
    return a.kind == b.kind && a.index == b.index;
  }
};

struct OpTiming {
  int64_t start_cycle = 0;
  int64_t end_cycle = 0;
};

/// One layer group as the evaluator laid it out.
struct GroupLayout {
  /// Order positions [first_order_index, last_order_index] of the group's layers.
  int first_order_index = 0;
  int last_order_index = 0;
  /// Index of the group's first SLG in FusionPlan::tile_counts.
  int first_subgroup = 0;
  int subgroup_count = 0;
  /// Compute positions [first_position, end_position).
  int first_position = 0;
  int end_position = 0;
};

struct Program {
  Schedule schedule;

  std::vector<Residency> residencies;
  /// Compute ops in position order; this is the compute queue.
  std::vector<ComputeOp> compute_ops;
  /// Transfers indexed by transfer id.
  std::vector<TransferOp> transfers;
  /// For every DMA queue, its transfer ids in service order.
  std::vector<std::vector<int>> dma_queues;
  /// Operations each compute op and each transfer waits for (see the timing semantics above).
  std::vector<std::vector<OpRef>> compute_waits;
  std::vector<std::vector<OpRef>> transfer_waits;
  std::vector<OpTiming> compute_timing;
  std::vector<OpTiming> transfer_timing;
  std::vector<GroupLayout> groups;

  int64_t latency_cycles = 0;
  double energy_pj = 0;
  int64_t dram_bytes = 0;
  /// Largest sum of residency bytes live at one position.
  int64_t peak_buffer_bytes = 0;

  /// Time and rounds of the search that chose this schedule; empty for strategies without a
  /// search and for Programs built from a given schedule.
  std::optional<SearchStats> search_stats;

  /// Checks the invariants: operands inside their residencies, residency lifetimes cover
  /// every use, the loads of a residency (one, or the chunks of a split load) partition its
  /// box, waits refer to existing operations, every DMA queue lists each of its
  /// transfers once, timings obey the waits and queue order, and the totals match the
  /// operations. Returns the first broken rule by name.
  absl::Status Verify() const;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_PROGRAM_H_
