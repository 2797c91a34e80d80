// tile_boxes.h: which layers of an SLG are its pure outputs, and the box every layer
// computes in every tile (Steps A and B of the SoMa parsing method).
#ifndef SOMA_SCHEDULE_TILE_BOXES_H_
#define SOMA_SCHEDULE_TILE_BOXES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/box.h"
#include "graph/layer_graph.h"
#include "schedule/plan_layout.h"
#include "schedule/tile_cut.h"

namespace soma::schedule {

/// The places of a layer's consumers relative to the layer.
struct OutputUse {
  /// Read by a later layer of the same SLG: tile by tile.
  bool same_subgroup = false;
  /// Read by a later SLG of the same LG: from a full map kept on chip.
  bool later_subgroup = false;
  /// Read by a later LG (or a layer the plan leaves out), or a network output: the tiles
  /// are stored to DRAM.
  bool leaves_group = false;

  /// A pure output leaves its SLG or has no reader, so the SLG's cut applies to it.
  bool IsPureOutput() const { return later_subgroup || leaves_group || !same_subgroup; }
  /// Whether the layer writes a per-tile residency; a layer read only by later SLGs
  /// writes only its full map.
  bool NeedsTileOutput() const { return same_subgroup || leaves_group || !later_subgroup; }
};

/// The OutputUse of every layer (indexed by layer id) under `layout`.
std::vector<OutputUse> ClassifyOutputUses(const graph::LayerGraph& graph,
                                          const PlanLayout& layout);

/// Boxes of one layer for every tile of its SLG.
struct LayerTiles {
  /// The box the layer computes in each tile: its own cut (pure outputs) grown by the
  /// boxes that the SLG's later layers read of it.
  std::vector<graph::Box> compute_boxes;
  /// The layer's own cut when it is a pure output: the stored box of each tile, a
  /// partition of the output tensor. Empty for other layers.
  std::vector<graph::Box> cut_boxes;
  /// Input-channel slices of a reduction split (empty without partial sums).
  std::vector<IndexRange> slices;
};

/// Cuts the pure outputs of every SLG with CutIntoTiles and back-calculates the other
/// layers: a producer's box is the bounding union of graph::InputBox over its consumers in
/// the SLG. A single-layer SLG is also cut by its channel chunks and reduction slices, with
/// tiles numbered as FusionPlan::reduction_splits states. The result is indexed by layer
/// id, and layers the plan leaves out get no boxes. InvalidArgument names the layer and its sub-group for
/// `tile count too large`, a channel or reduction split larger than the channels, and a
/// layer whose box comes out empty.
absl::StatusOr<std::vector<LayerTiles>> ComputeTileBoxes(const graph::LayerGraph& graph,
                                                         const PlanLayout& layout,
                                                         const std::vector<OutputUse>& uses);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_TILE_BOXES_H_
