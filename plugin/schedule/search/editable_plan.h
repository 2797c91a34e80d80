// editable_plan.h: a FusionPlan as a list of SLG spans, the form Stage-1 moves edit.
#ifndef SOMA_SCHEDULE_SEARCH_EDITABLE_PLAN_H_
#define SOMA_SCHEDULE_SEARCH_EDITABLE_PLAN_H_

#include <cstdint>
#include <vector>

#include "graph/layer.h"
#include "schedule/notation.h"

namespace soma::schedule {

/// One SLG: a run of `count` layers of the order. `first` is kept up to date by
/// EditablePlan::Renumber.
struct SubgroupSpan {
  int first = 0;
  int count = 1;
  /// Whether the SLG begins an LG.
  bool starts_group = false;
  /// Tile count: channel_splits * spatial tiles * reduction_splits.
  int tiles = 1;
  int channel_splits = 1;
  int reduction_splits = 1;

  int SpatialTiles() const { return tiles / (channel_splits * reduction_splits); }
  /// Keeps the spatial tiles and drops the splits (for an SLG that gains layers).
  void ClearSplits() {
    tiles = SpatialTiles();
    channel_splits = 1;
    reduction_splits = 1;
  }
};

struct EditablePlan {
  std::vector<graph::LayerId> order;
  std::vector<SubgroupSpan> subgroups;

  /// Converts a FusionPlan; empty split vectors mean 1.
  /// Requires: `plan` passes LayOutPlan.
  static EditablePlan FromPlan(const FusionPlan& plan);
  FusionPlan ToPlan() const;

  /// Recomputes every span's `first` from the counts.
  void Renumber();
  /// Index of the SLG holding order position `order_index`.
  int SubgroupAt(int order_index) const;
  /// Index of the first SLG of the LG holding SLG `subgroup`, and one past its last.
  int GroupBegin(int subgroup) const;
  int GroupEnd(int subgroup) const;
  int GroupCount() const;
};

/// Compute tiles of `plan`: the sum over SLGs of tile count times layers.
inline int64_t PositionCountOf(const EditablePlan& plan) {
  int64_t positions = 0;
  for (const SubgroupSpan& span : plan.subgroups) positions += int64_t{span.tiles} * span.count;
  return positions;
}

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_EDITABLE_PLAN_H_
