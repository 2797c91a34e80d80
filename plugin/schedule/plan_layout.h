// plan_layout.h: checks a FusionPlan's structure and lays out its groups and positions.
//
// This is the structural part of Step A of the SoMa parsing method. The order must be a
// topological permutation of the layers, and the LG and SLG cuts and the per-SLG factors
// must be consistent. Every SLG must be weakly connected. Tiling (boxes) comes later.
#ifndef SOMA_SCHEDULE_PLAN_LAYOUT_H_
#define SOMA_SCHEDULE_PLAN_LAYOUT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "schedule/notation.h"
#include "schedule/program.h"

namespace soma::schedule {

/// One SLG as the evaluator lays it out.
struct SubgroupLayout {
  int group = 0;
  /// Order positions [first_order_index, first_order_index + layer_count).
  int first_order_index = 0;
  int layer_count = 0;
  /// Tile count and its factors: tile_count = channel_splits * spatial_tiles *
  /// reduction_splits.
  int tile_count = 1;
  int channel_splits = 1;
  int reduction_splits = 1;
  int spatial_tiles = 1;
  /// Compute positions [first_position, end_position), tile-major.
  int first_position = 0;
  int end_position = 0;

  /// Position of the layer at `index_in_subgroup` for tile `tile`.
  int PositionOf(int index_in_subgroup, int tile) const {
    return first_position + tile * layer_count + index_in_subgroup;
  }
};

/// The place of a layer in the plan, with -1 everywhere for a layer the plan leaves out.
struct LayerPlacement {
  int order_index = -1;
  int group = -1;
  int subgroup = -1;
  int index_in_subgroup = -1;
};

struct PlanLayout {
  /// The plan with empty `channel_splits` and `reduction_splits` filled with 1.
  FusionPlan plan;
  std::vector<GroupLayout> groups;
  std::vector<SubgroupLayout> subgroups;
  /// Indexed by layer id.
  std::vector<LayerPlacement> placements;
  int position_count = 0;
};

/// Checks `plan` against `graph` and lays it out. InvalidArgument names the first broken
/// rule among vector sizes, the order (a permutation, topological), the cut bits, tile
/// counts and split factors, and connectivity. Split factors must be positive and divide
/// the tile count. Splits are legal only in single-layer SLGs, reduction splits only for
/// kFullyConnected and one-group kConv, and channel splits not for kMatMul and kTensorOp.
/// An SLG that contains a tensor operation allowing no tiling (RequiresSingleTile) must
/// have tile count 1. An SLG whose layers share no tensor is named with its layers. With `allow_layer_subset` the
/// order may list only some layers (each at most once, in topological order); the others
/// count as scheduled elsewhere, so their outputs come from DRAM and their inputs go to it.
absl::StatusOr<PlanLayout> LayOutPlan(const graph::LayerGraph& graph, const FusionPlan& plan,
                                      bool allow_layer_subset = false);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_PLAN_LAYOUT_H_
