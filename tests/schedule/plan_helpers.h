// plan_helpers.h: FusionPlans for schedule tests, written as lists of layer groups.
#ifndef SOMA_TESTS_SCHEDULE_PLAN_HELPERS_H_
#define SOMA_TESTS_SCHEDULE_PLAN_HELPERS_H_

#include <vector>

#include "schedule/notation.h"

namespace soma::testing {

/// One SLG: its layers in order and its tile count.
struct SubgroupSpec {
  std::vector<graph::LayerId> layers;
  int tiles = 1;
  int channel_splits = 1;
  int reduction_splits = 1;
};

/// Builds a plan from LGs given as lists of SLGs, e.g. {{{{0, 1}, 2}}, {{{2}, 1}}} for
/// [ {0 1}x2 ] [ {2}x1 ].
inline schedule::FusionPlan MakePlan(const std::vector<std::vector<SubgroupSpec>>& groups) {
  schedule::FusionPlan plan;
  for (const auto& group : groups) {
    bool group_start = true;
    for (const SubgroupSpec& subgroup : group) {
      bool subgroup_start = true;
      for (graph::LayerId layer : subgroup.layers) {
        plan.order.push_back(layer);
        plan.group_starts.push_back(group_start);
        plan.subgroup_starts.push_back(subgroup_start && !group_start);
        group_start = false;
        subgroup_start = false;
      }
      plan.tile_counts.push_back(subgroup.tiles);
      plan.channel_splits.push_back(subgroup.channel_splits);
      plan.reduction_splits.push_back(subgroup.reduction_splits);
    }
  }
  return plan;
}

}  // namespace soma::testing

#endif  // SOMA_TESTS_SCHEDULE_PLAN_HELPERS_H_
