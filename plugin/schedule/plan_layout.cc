// plan_layout.cc: FusionPlan structure checks, group and position layout, connectivity.
#include "schedule/plan_layout.h"

#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schedule/layer_tiling_rules.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

using graph::LayerGraph;
using graph::LayerId;

// Most compute positions a plan may have, so that positions and transfer ids fit in an int.
constexpr int64_t kMaxPositions = int64_t{1} << 28;

absl::Status CheckSizes(const LayerGraph& graph, const FusionPlan& plan,
                        bool allow_layer_subset) {
  const size_t layer_count = allow_layer_subset ? plan.order.size() : graph.layers.size();
  if (plan.order.size() != layer_count) {
    return absl::InvalidArgumentError(absl::StrCat("fusion plan order lists ", plan.order.size(),
                                                   " layers, the graph has ", layer_count));
  }
  if (plan.group_starts.size() != layer_count || plan.subgroup_starts.size() != layer_count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fusion plan cut vectors have ", plan.group_starts.size(), " group bits and ",
        plan.subgroup_starts.size(), " sub-group bits, expected one per layer (", layer_count,
        ")"));
  }
  if (layer_count == 0) return absl::InvalidArgumentError("the graph has no layers to schedule");
  if (!plan.group_starts[0]) {
    return absl::InvalidArgumentError("fusion plan group_starts[0] must be true");
  }
  return absl::OkStatus();
}

absl::Status CheckOrder(const LayerGraph& graph, const FusionPlan& plan,
                        std::vector<int>* order_index_of) {
  const int layer_count = static_cast<int>(graph.layers.size());
  const int order_size = static_cast<int>(plan.order.size());
  order_index_of->assign(layer_count, -1);
  for (int index = 0; index < order_size; ++index) {
    const LayerId layer = plan.order[index];
    if (layer < 0 || layer >= layer_count) {
      return absl::InvalidArgumentError(absl::StrCat("fusion plan order position ", index,
                                                     " names layer id ", layer,
                                                     ", outside [0, ", layer_count, ")"));
    }
    if ((*order_index_of)[layer] >= 0) {
      return absl::InvalidArgumentError(absl::StrCat("fusion plan order lists layer '",
                                                     graph.layer(layer).name, "' twice"));
    }
    (*order_index_of)[layer] = index;
  }
  for (int index = 0; index < order_size; ++index) {
    const LayerId layer = plan.order[index];
    for (LayerId producer : graph.Producers(layer)) {
      if ((*order_index_of)[producer] > index) {
        return absl::InvalidArgumentError(absl::StrCat(
            "fusion plan order is not topological: layer '", graph.layer(layer).name,
            "' at order position ", index, " reads the output of '", graph.layer(producer).name,
            "' at order position ", (*order_index_of)[producer]));
      }
    }
  }
  return absl::OkStatus();
}

// Fills `layout->plan` with the normalised split vectors and checks their sizes.
absl::Status NormaliseSplits(const FusionPlan& plan, int subgroup_count, FusionPlan* normalised) {
  *normalised = plan;
  if (static_cast<int>(plan.tile_counts.size()) != subgroup_count) {
    return absl::InvalidArgumentError(absl::StrCat("fusion plan has ", plan.tile_counts.size(),
                                                   " tile counts for ", subgroup_count,
                                                   " sub-groups"));
  }
  if (normalised->channel_splits.empty()) normalised->channel_splits.assign(subgroup_count, 1);
  if (normalised->reduction_splits.empty()) {
    normalised->reduction_splits.assign(subgroup_count, 1);
  }
  if (static_cast<int>(normalised->channel_splits.size()) != subgroup_count ||
      static_cast<int>(normalised->reduction_splits.size()) != subgroup_count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fusion plan has ", normalised->channel_splits.size(), " channel splits and ",
        normalised->reduction_splits.size(), " reduction splits for ", subgroup_count,
        " sub-groups"));
  }
  return absl::OkStatus();
}

std::string SubgroupName(const LayerGraph& graph, const FusionPlan& plan, int subgroup,
                         const SubgroupLayout& layout) {
  std::vector<std::string> names;
  for (int index = 0; index < layout.layer_count; ++index) {
    names.push_back(absl::StrCat("'", graph.layer(plan.order[layout.first_order_index + index]).name,
                                 "'"));
  }
  return absl::StrCat("sub-group ", subgroup, " (layers ", absl::StrJoin(names, ", "), ")");
}

absl::Status CheckSplits(const LayerGraph& graph, const FusionPlan& plan, int subgroup,
                         SubgroupLayout* layout) {
  const int tiles = plan.tile_counts[subgroup];
  const int channel_splits = plan.channel_splits[subgroup];
  const int reduction_splits = plan.reduction_splits[subgroup];
  const std::string name = SubgroupName(graph, plan, subgroup, *layout);
  if (tiles < 1 || channel_splits < 1 || reduction_splits < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " has tile count ", tiles, ", channel splits ", channel_splits,
        " and reduction splits ", reduction_splits, "; each must be at least 1"));
  }
  if ((channel_splits > 1 || reduction_splits > 1) && layout->layer_count != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " splits channels or the reduction but has ", layout->layer_count,
        " layers; splits are legal only in single-layer sub-groups"));
  }
  const int64_t factor = int64_t{channel_splits} * reduction_splits;
  if (tiles % factor != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " has tile count ", tiles, ", which is not a multiple of channel splits ",
        channel_splits, " times reduction splits ", reduction_splits));
  }
  if (reduction_splits > 1) {
    const graph::Layer& layer = graph.layer(plan.order[layout->first_order_index]);
    if (!SupportsPartialSums(layer)) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " splits the reduction of a ", graph::LayerKindName(layer.kind),
          " layer; partial sums are supported for fully connected layers and one-group convs"));
    }
  }
  if (channel_splits > 1) {
    const graph::Layer& layer = graph.layer(plan.order[layout->first_order_index]);
    if (!SupportsChannelSplits(layer)) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " splits the output channels of a ", graph::LayerKindName(layer.kind),
          " layer; channel splits are supported for convolutions, fully connected layers, "
          "pools, element-wise layers and tensor ops that are independent per channel"));
    }
  }
  if (tiles > 1) {
    for (int index = 0; index < layout->layer_count; ++index) {
      const graph::Layer& layer = graph.layer(plan.order[layout->first_order_index + index]);
      if (!RequiresSingleTile(layer)) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          name, " has tile count ", tiles, ", but tensor op layer '", layer.name, "' (",
          layer.Params<graph::TensorOpParams>().op_type,
          ") reads its inputs whole and runs as one tile; set the sub-group's tile count to 1"));
    }
  }
  layout->tile_count = tiles;
  layout->channel_splits = channel_splits;
  layout->reduction_splits = reduction_splits;
  layout->spatial_tiles = static_cast<int>(tiles / factor);
  return absl::OkStatus();
}

// Union-find over the layers of one SLG.
int FindRoot(std::vector<int>& parent, int index) {
  while (parent[index] != index) {
    parent[index] = parent[parent[index]];
    index = parent[index];
  }
  return index;
}

// An SLG is weakly connected through tensors that its layers produce and read, and through
// external tensors that two of its layers both read.
absl::Status CheckConnected(const LayerGraph& graph, const FusionPlan& plan, int subgroup,
                            const SubgroupLayout& layout) {
  if (layout.layer_count == 1) return absl::OkStatus();
  std::vector<int> parent(layout.layer_count);
  std::iota(parent.begin(), parent.end(), 0);
  // First reader (index in the SLG) of each tensor seen so far.
  std::vector<std::pair<graph::TensorId, int>> first_reader;
  for (int index = 0; index < layout.layer_count; ++index) {
    const graph::Layer& layer = graph.layer(plan.order[layout.first_order_index + index]);
    for (graph::TensorId input : layer.inputs) {
      int other = -1;
      for (int candidate = 0; candidate < index; ++candidate) {
        if (graph.layer(plan.order[layout.first_order_index + candidate]).output == input) {
          other = candidate;
        }
      }
      for (const auto& [tensor, reader] : first_reader) {
        if (other < 0 && tensor == input) other = reader;
      }
      if (other >= 0) parent[FindRoot(parent, index)] = FindRoot(parent, other);
      first_reader.emplace_back(input, index);
    }
  }
  for (int index = 1; index < layout.layer_count; ++index) {
    if (FindRoot(parent, index) != FindRoot(parent, 0)) {
      const LayerId first = plan.order[layout.first_order_index];
      const LayerId stray = plan.order[layout.first_order_index + index];
      return absl::InvalidArgumentError(absl::StrCat(
          SubgroupName(graph, plan, subgroup, layout), " is not connected: layer '",
          graph.layer(stray).name, "' shares no tensor path with layer '",
          graph.layer(first).name, "'; split it into connected sub-groups"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlanLayout> LayOutPlan(const LayerGraph& graph, const FusionPlan& plan,
                                      bool allow_layer_subset) {
  // Step 1: sizes and the order.
  RETURN_IF_ERROR(CheckSizes(graph, plan, allow_layer_subset));
  std::vector<int> order_index_of;
  RETURN_IF_ERROR(CheckOrder(graph, plan, &order_index_of));
  const int layer_count = static_cast<int>(plan.order.size());

  // Step 2: cut bits into groups and sub-groups.
  PlanLayout layout;
  int subgroup_count = 0;
  for (int index = 0; index < layer_count; ++index) {
    if (plan.group_starts[index] && plan.subgroup_starts[index]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fusion plan order position ", index, " starts both a group and a sub-group; the "
          "sub-group bit must be false where a group begins"));
    }
    if (plan.group_starts[index] || plan.subgroup_starts[index]) ++subgroup_count;
  }
  RETURN_IF_ERROR(NormaliseSplits(plan, subgroup_count, &layout.plan));

  // Step 3: groups and sub-groups in order.
  layout.placements.resize(graph.layers.size());
  for (int index = 0; index < layer_count; ++index) {
    if (plan.group_starts[index]) {
      GroupLayout group;
      group.first_order_index = index;
      group.first_subgroup = static_cast<int>(layout.subgroups.size());
      layout.groups.push_back(group);
    }
    if (plan.group_starts[index] || plan.subgroup_starts[index]) {
      SubgroupLayout subgroup;
      subgroup.group = static_cast<int>(layout.groups.size()) - 1;
      subgroup.first_order_index = index;
      layout.subgroups.push_back(subgroup);
      ++layout.groups.back().subgroup_count;
    }
    SubgroupLayout& subgroup = layout.subgroups.back();
    layout.placements[plan.order[index]] = {index, subgroup.group,
                                            static_cast<int>(layout.subgroups.size()) - 1,
                                            subgroup.layer_count};
    ++subgroup.layer_count;
  }

  // Step 4: factors, connectivity and positions of every sub-group, tile-major inside it.
  int64_t position = 0;
  for (int subgroup = 0; subgroup < subgroup_count; ++subgroup) {
    SubgroupLayout& slg = layout.subgroups[subgroup];
    RETURN_IF_ERROR(CheckSplits(graph, layout.plan, subgroup, &slg));
    RETURN_IF_ERROR(CheckConnected(graph, layout.plan, subgroup, slg));
    slg.first_position = static_cast<int>(position);
    position += int64_t{slg.tile_count} * slg.layer_count;
    if (position > kMaxPositions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fusion plan has more than ", kMaxPositions, " compute tiles; use fewer tiles"));
    }
    slg.end_position = static_cast<int>(position);
  }
  layout.position_count = static_cast<int>(position);
  for (GroupLayout& group : layout.groups) {
    const SubgroupLayout& first = layout.subgroups[group.first_subgroup];
    const SubgroupLayout& last = layout.subgroups[group.first_subgroup + group.subgroup_count - 1];
    group.last_order_index = last.first_order_index + last.layer_count - 1;
    group.first_position = first.first_position;
    group.end_position = last.end_position;
  }
  return layout;
}

}  // namespace soma::schedule
