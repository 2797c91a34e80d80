// notation.h: the schedule as data (the SoMa tensor-centric notation, extended).
//
// Stage-1 fields (layer fusion and tiling): computation order, layer-group (LG) cuts,
// sub-group (SLG) cuts and a tile count per SLG. Tensors crossing an LG cut go through DRAM;
// across an SLG cut inside an LG the whole feature map stays on chip and the tiling may
// change. Beyond the published notation, an SLG may also split its output channels.
// Stage-2 fields (DRAM communication): the order in which DMA queues serve the DRAM
// transfers, the queue of each transfer, and the [start, end] lifetime of every DRAM tensor
// tile, measured in compute-tile positions.
#ifndef SOMA_SCHEDULE_NOTATION_H_
#define SOMA_SCHEDULE_NOTATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "graph/layer.h"

namespace soma::schedule {

/// Stage-1 fields.
struct FusionPlan {
  /// Layer ids in computation order; a topological order of the LayerGraph.
  std::vector<graph::LayerId> order;
  /// group_starts[i]: an LG begins at order position i. group_starts[0] is true.
  std::vector<bool> group_starts;
  /// subgroup_starts[i]: an SLG begins at order position i inside an LG. Every LG start also
  /// starts an SLG, so subgroup_starts[i] is false wherever group_starts[i] is true.
  std::vector<bool> subgroup_starts;
  /// Tile count of every SLG, in order.
  std::vector<int> tile_counts;
  /// Output-channel split factor of every SLG, in order (1: channels are not split). Values
  /// above 1 are legal only for single-layer SLGs; the tile count then counts channel
  /// chunks times spatial tiles.
  std::vector<int> channel_splits;
  /// Reduction (input-channel) split factor of every SLG, in order (1: no partial sums).
  /// Values above 1 are legal only for a single-layer SLG whose layer is kFullyConnected or
  /// a kConv with one group. Every output tile is then computed as that many partial sums
  /// over equal input-channel slices, and the tile count also counts the slices.
  /// An empty vector means 1 for every SLG, and so does an empty `channel_splits`.
  /// In a single-layer SLG with S channel chunks, P spatial tiles and R slices, tile t is
  /// chunk c, spatial tile s and slice r with t = (c * P + s) * R + r, so the tile count is
  /// S * P * R.
  std::vector<int> reduction_splits;

  int SubgroupCount() const { return static_cast<int>(tile_counts.size()); }
};

/// Kind of data a DRAM transfer moves.
enum class TransferKind {
  /// A tile of a layer's input operand that lives in DRAM (the producer is in an earlier LG,
  /// or the operand is a network input).
  kLoadInput,
  /// A layer's weights (or the output-channel chunk of a tile's weights).
  kLoadWeight,
  /// A tile of a layer's output that a later LG reads or that is a network output.
  kStoreOutput,
};

const char* TransferKindName(TransferKind kind);

/// Stable identity of a DRAM transfer for a given FusionPlan.
struct TransferKey {
  TransferKind kind = TransferKind::kLoadInput;
  graph::LayerId layer = -1;
  /// Tile index within the layer's SLG (0 for a weight shared by all tiles).
  int tile = 0;
  /// Operand index into Layer::inputs for kLoadInput; 0 otherwise.
  int input_index = 0;
  /// Chunk index of a load split into several transfers that fill one residency (see
  /// TilingOptions::dma_chunk_bytes); 0 for a load moved whole and for stores.
  int chunk = 0;

  std::string ToString() const;
  friend bool operator==(const TransferKey& a, const TransferKey& b) {
    return a.kind == b.kind && a.layer == b.layer && a.tile == b.tile &&
           a.input_index == b.input_index && a.chunk == b.chunk;
  }
};

/// Buffer residency of a tensor tile: allocated when step `start` begins, freed when step
/// `end` begins (so it occupies positions start .. end-1). Position -1 is the prologue.
struct Lifetime {
  int start = 0;
  int end = 0;
  friend bool operator==(const Lifetime& a, const Lifetime& b) {
    return a.start == b.start && a.end == b.end;
  }
};

/// Stage-2 fields, indexed by transfer id (the index into the transfer list that the
/// FusionPlan determines).
struct DramPlan {
  /// Transfer ids in the order the DMA queues serve them; each queue serves the
  /// subsequence of its own transfers in this order.
  std::vector<int> order;
  /// DMA queue of every transfer.
  std::vector<int> queue_of;
  /// Lifetime of every transfer's buffer tile.
  std::vector<Lifetime> lifetimes;
};

struct Schedule {
  std::string strategy;
  FusionPlan fusion;
  /// Largest weight load moved as one transfer; larger ones are split into chunks
  /// (TilingOptions::dma_chunk_bytes). 0: every load is one transfer.
  int64_t dma_chunk_bytes = 0;
  DramPlan dram;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_NOTATION_H_
