// stage1_moves.h: the Stage-1 moves of the SoMa search over FusionPlans.
//
// Every move keeps the plan structurally legal: the order stays topological, the cuts and
// per-SLG factors stay consistent, splits stay in single-layer SLGs, and an SLG that a
// move leaves disconnected is cut into connected runs. Tile counts stay within what every
// layer of an SLG can be cut into. A move may still produce a plan whose tiles do not fit
// the buffer, and evaluating the plan rejects it.
//
// The kinds and their probabilities follow SoMa (layer order 0.2, tile count 0.35, SLG
// fuse and split 0.15, LG fuse, split and border move 0.3), with a small share of the
// tile-count probability given to the channel and reduction splits of single-layer SLGs.
// In the Cocco space every LG is one SLG, so the SLG move is off and LG moves merge the
// SLGs they join.
#ifndef SOMA_SCHEDULE_SEARCH_STAGE1_MOVES_H_
#define SOMA_SCHEDULE_SEARCH_STAGE1_MOVES_H_

#include <cstdint>
#include <vector>

#include "graph/layer_graph.h"
#include "schedule/search/editable_plan.h"
#include "schedule/search/search_random.h"

namespace soma::schedule {

/// The set of FusionPlans a search explores.
enum class FusionSpace {
  /// LG and SLG cuts, a tile count per SLG (SoMa).
  kSoma,
  /// LG cuts only, one tile count per LG (the Cocco baseline).
  kCocco,
};

enum class Stage1MoveKind {
  /// Move one layer to another position inside the window its producers and consumers
  /// allow; it joins the SLG it lands in.
  kLayerOrder,
  /// Double or halve an SLG's spatial tiles.
  kTileCount,
  /// Fuse two adjacent SLGs of one LG, or split an SLG in two (kSoma only).
  kSubgroup,
  /// Fuse two adjacent LGs, split an LG, or move an LG border.
  kGroup,
  /// Double or halve the output-channel split of a single-layer SLG.
  kChannelSplit,
  /// Double or halve the reduction split of a single-layer SLG (partial sums).
  kReductionSplit,
};

inline constexpr int kStage1MoveKindCount = 6;

const char* Stage1MoveKindName(Stage1MoveKind kind);

/// Most tiles a move gives one SLG.
inline constexpr int kMaxTilesPerSubgroup = 1 << 12;

class Stage1Moves {
 public:
  /// Requires: `graph` passes LayerGraph::Verify and outlives the moves.
  Stage1Moves(const graph::LayerGraph& graph, FusionSpace space);

  FusionSpace space() const { return space_; }

  /// Draws a move kind with the probabilities of the space.
  Stage1MoveKind PickKind(SearchRandom& random) const;

  /// Applies a random move of `kind` to `plan`. Returns false, with `plan` unchanged, when
  /// the plan offers no move of that kind.
  /// Requires: `plan` is legal (FromPlan of a plan that passes LayOutPlan).
  bool Apply(Stage1MoveKind kind, SearchRandom& random, EditablePlan* plan) const;

  /// Cuts every SLG whose layers are not weakly connected into connected runs of the
  /// order (new LGs in the Cocco space, new SLGs otherwise).
  void RepairConnectivity(EditablePlan* plan) const;

  /// Returns whether the layers share a tensor: one reads the other's output, or both
  /// read one input.
  bool Adjacent(graph::LayerId a, graph::LayerId b) const {
    const size_t bit = static_cast<size_t>(a) * layer_count_ + b;
    return (adjacency_[bit / 64] >> (bit % 64)) & 1;
  }

 private:
  bool MoveLayer(SearchRandom& random, EditablePlan* plan) const;
  bool ChangeTileCount(SearchRandom& random, EditablePlan* plan) const;
  bool ChangeSubgroup(SearchRandom& random, EditablePlan* plan) const;
  bool ChangeGroup(SearchRandom& random, EditablePlan* plan) const;
  bool ChangeSplit(bool reduction, SearchRandom& random, EditablePlan* plan) const;

  /// Largest spatial tile count the moves give SLG `subgroup`.
  int MaxSpatialTiles(const EditablePlan& plan, int subgroup) const;
  /// Merges SLG `subgroup + 1` into `subgroup`, keeping one of the two spatial tile
  /// counts with probability proportional to layer count (lowered to what every layer
  /// of the merged SLG can be cut into).
  void MergeWithNext(int subgroup, SearchRandom& random, EditablePlan* plan) const;
  /// Lowers the spatial tiles of SLG `subgroup` to MaxSpatialTiles.
  void ClampTiles(int subgroup, EditablePlan* plan) const;
  /// Cuts the SLG holding order position `order_index` there; the new SLG keeps the tile
  /// count and starts an LG when `starts_group`.
  /// Requires: `order_index` is inside the SLG, not its first layer.
  void CutAt(int order_index, bool starts_group, EditablePlan* plan) const;
  /// Whether the layers of SLG `subgroup` form one weakly connected set.
  bool IsConnected(const EditablePlan& plan, const SubgroupSpan& span) const;

  const graph::LayerGraph& graph_;
  FusionSpace space_;
  int layer_count_ = 0;
  std::vector<std::vector<graph::LayerId>> producers_;
  std::vector<std::vector<graph::LayerId>> consumers_;
  std::vector<uint64_t> adjacency_;
  /// Per layer: the largest power-of-two spatial tile count its output can be cut into
  /// (at most kMaxTilesPerSubgroup), and the largest power-of-two channel and reduction
  /// splits it supports (1 when it supports none).
  std::vector<int> max_spatial_tiles_;
  std::vector<int> max_channel_splits_;
  std::vector<int> max_reduction_splits_;
  /// Running sums of the kind probabilities, in Stage1MoveKind order.
  std::vector<double> kind_cumulative_;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_STAGE1_MOVES_H_
