// editable_plan.cc: conversions between FusionPlan and its span form.
#include "schedule/search/editable_plan.h"

#include <algorithm>

namespace soma::schedule {

EditablePlan EditablePlan::FromPlan(const FusionPlan& plan) {
  EditablePlan editable;
  editable.order = plan.order;
  for (int index = 0; index < static_cast<int>(plan.order.size()); ++index) {
    if (plan.group_starts[index] || plan.subgroup_starts[index]) {
      const int subgroup = static_cast<int>(editable.subgroups.size());
      SubgroupSpan span;
      span.first = index;
      span.count = 0;
      span.starts_group = plan.group_starts[index];
      span.tiles = plan.tile_counts[subgroup];
      span.channel_splits = plan.channel_splits.empty() ? 1 : plan.channel_splits[subgroup];
      span.reduction_splits = plan.reduction_splits.empty() ? 1 : plan.reduction_splits[subgroup];
      editable.subgroups.push_back(span);
    }
    ++editable.subgroups.back().count;
  }
  return editable;
}

FusionPlan EditablePlan::ToPlan() const {
  FusionPlan plan;
  plan.order = order;
  plan.group_starts.assign(order.size(), false);
  plan.subgroup_starts.assign(order.size(), false);
  int index = 0;
  for (const SubgroupSpan& span : subgroups) {
    if (span.starts_group || index == 0) {
      plan.group_starts[index] = true;
    } else {
      plan.subgroup_starts[index] = true;
    }
    index += span.count;
    plan.tile_counts.push_back(span.tiles);
    plan.channel_splits.push_back(span.channel_splits);
    plan.reduction_splits.push_back(span.reduction_splits);
  }
  return plan;
}

void EditablePlan::Renumber() {
  int index = 0;
  for (SubgroupSpan& span : subgroups) {
    span.first = index;
    index += span.count;
  }
  if (!subgroups.empty()) subgroups.front().starts_group = true;
}

int EditablePlan::SubgroupAt(int order_index) const {
  const auto it =
      std::upper_bound(subgroups.begin(), subgroups.end(), order_index,
                       [](int value, const SubgroupSpan& span) { return value < span.first; });
  return static_cast<int>(it - subgroups.begin()) - 1;
}

int EditablePlan::GroupBegin(int subgroup) const {
  while (subgroup > 0 && !subgroups[subgroup].starts_group) --subgroup;
  return subgroup;
}

int EditablePlan::GroupEnd(int subgroup) const {
  ++subgroup;
  while (subgroup < static_cast<int>(subgroups.size()) && !subgroups[subgroup].starts_group) {
    ++subgroup;
  }
  return subgroup;
}

int EditablePlan::GroupCount() const {
  int count = 0;
  for (const SubgroupSpan& span : subgroups) count += span.starts_group ? 1 : 0;
  return count;
}

}  // namespace soma::schedule
