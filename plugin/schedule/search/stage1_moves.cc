// stage1_moves.cc: layer-order, tile-count, SLG, LG and split moves on EditablePlans.
#include "schedule/search/stage1_moves.h"

#include <algorithm>
#include <numeric>

#include "schedule/layer_tiling_rules.h"
#include "schedule/tile_cut.h"

namespace soma::schedule {

namespace {

using graph::LayerId;

/// Attempts to find an eligible target before a move reports that it cannot apply.
constexpr int kMoveAttempts = 30;

// Probabilities in Stage1MoveKind order.
constexpr double kSomaKindWeights[kStage1MoveKindCount] = {0.2, 0.30, 0.15, 0.3, 0.03, 0.02};
constexpr double kCoccoKindWeights[kStage1MoveKindCount] = {0.2, 0.35, 0.0, 0.4, 0.03, 0.02};
// LG move methods: fuse, split, move a border.
constexpr double kGroupFuseProbability = 0.3;
constexpr double kGroupSplitProbability = 0.3;
// Share of LG fuses that also merge the two boundary SLGs (kSoma; kCocco always merges).
constexpr double kMergeSubgroupsOnFuseProbability = 0.5;
constexpr double kSubgroupFuseProbability = 0.6;

int LargestPowerOfTwoAtMost(int64_t limit) {
  int value = 1;
  while (value * int64_t{2} <= limit && value < (1 << 30)) value *= 2;
  return value;
}

}  // namespace

const char* Stage1MoveKindName(Stage1MoveKind kind) {
  switch (kind) {
    case Stage1MoveKind::kLayerOrder:
      return "layer order";
    case Stage1MoveKind::kTileCount:
      return "tile count";
    case Stage1MoveKind::kSubgroup:
      return "sub-group";
    case Stage1MoveKind::kGroup:
      return "group";
    case Stage1MoveKind::kChannelSplit:
      return "channel split";
    case Stage1MoveKind::kReductionSplit:
      return "reduction split";
  }
  return "unknown";
}

Stage1Moves::Stage1Moves(const graph::LayerGraph& graph, FusionSpace space)
    : graph_(graph), space_(space), layer_count_(static_cast<int>(graph.layers.size())) {
  producers_.resize(layer_count_);
  consumers_.resize(layer_count_);
  adjacency_.assign((static_cast<size_t>(layer_count_) * layer_count_ + 63) / 64, 0);
  const auto set_adjacent = [&](LayerId a, LayerId b) {
    for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
      const size_t bit = static_cast<size_t>(x) * layer_count_ + y;
      adjacency_[bit / 64] |= uint64_t{1} << (bit % 64);
    }
  };
  for (LayerId layer = 0; layer < layer_count_; ++layer) {
    producers_[layer] = graph.Producers(layer);
    consumers_[layer] = graph.OutputOf(layer).consumers;
    for (LayerId producer : producers_[layer]) set_adjacent(layer, producer);
    for (graph::TensorId input : graph.layer(layer).inputs) {
      for (LayerId reader : graph.tensor(input).consumers) {
        if (reader != layer) set_adjacent(layer, reader);
      }
    }
  }
  for (LayerId layer = 0; layer < layer_count_; ++layer) {
    const graph::Layer& info = graph.layer(layer);
    const graph::Shape& shape = graph.OutputOf(layer).shape;
    max_spatial_tiles_.push_back(
        RequiresSingleTile(info) ? 1 : LargestPowerOfTwoTileCount(shape, kMaxTilesPerSubgroup));
    max_channel_splits_.push_back(
        SupportsChannelSplits(info) ? LargestPowerOfTwoAtMost(shape[graph::kC]) : 1);
    max_reduction_splits_.push_back(
        SupportsPartialSums(info)
            ? LargestPowerOfTwoAtMost(graph.tensor(info.inputs[0]).shape[graph::kC])
            : 1);
  }
  const double* weights = space == FusionSpace::kSoma ? kSomaKindWeights : kCoccoKindWeights;
  double sum = 0;
  for (int kind = 0; kind < kStage1MoveKindCount; ++kind) {
    sum += weights[kind];
    kind_cumulative_.push_back(sum);
  }
}

Stage1MoveKind Stage1Moves::PickKind(SearchRandom& random) const {
  return static_cast<Stage1MoveKind>(random.PickCumulative(kind_cumulative_));
}

bool Stage1Moves::Apply(Stage1MoveKind kind, SearchRandom& random, EditablePlan* plan) const {
  switch (kind) {
    case Stage1MoveKind::kLayerOrder:
      return MoveLayer(random, plan);
    case Stage1MoveKind::kTileCount:
      return ChangeTileCount(random, plan);
    case Stage1MoveKind::kSubgroup:
      return space_ == FusionSpace::kSoma && ChangeSubgroup(random, plan);
    case Stage1MoveKind::kGroup:
      return ChangeGroup(random, plan);
    case Stage1MoveKind::kChannelSplit:
      return ChangeSplit(/*reduction=*/false, random, plan);
    case Stage1MoveKind::kReductionSplit:
      return ChangeSplit(/*reduction=*/true, random, plan);
  }
  return false;
}

int Stage1Moves::MaxSpatialTiles(const EditablePlan& plan, int subgroup) const {
  const SubgroupSpan& span = plan.subgroups[subgroup];
  int limit = kMaxTilesPerSubgroup / (span.channel_splits * span.reduction_splits);
  for (int index = span.first; index < span.first + span.count; ++index) {
    limit = std::min(limit, max_spatial_tiles_[plan.order[index]]);
  }
  return std::max(1, limit);
}

bool Stage1Moves::MoveLayer(SearchRandom& random, EditablePlan* plan) const {
  const int count = static_cast<int>(plan->order.size());
  if (count < 2) return false;
  std::vector<int> index_of(layer_count_, -1);
  for (int index = 0; index < count; ++index) index_of[plan->order[index]] = index;
  for (int attempt = 0; attempt < kMoveAttempts; ++attempt) {
    // Step 1: a layer whose window between its producers and consumers has room.
    const int from = static_cast<int>(random.Below(count));
    const LayerId layer = plan->order[from];
    int lo = 0;
    int hi = count - 1;
    for (LayerId producer : producers_[layer]) lo = std::max(lo, index_of[producer] + 1);
    for (LayerId consumer : consumers_[layer]) hi = std::min(hi, index_of[consumer] - 1);
    if (hi - lo < 1) continue;
    const int to = static_cast<int>(random.BetweenExcept(lo, hi, from));

    // Step 2: take the layer out of its SLG; an emptied SLG disappears, and an LG whose
    // first SLG disappears starts at the next one.
    const int source = plan->SubgroupAt(from);
    plan->order.erase(plan->order.begin() + from);
    if (--plan->subgroups[source].count == 0) {
      const bool starts_group = plan->subgroups[source].starts_group;
      plan->subgroups.erase(plan->subgroups.begin() + source);
      if (starts_group && source < static_cast<int>(plan->subgroups.size())) {
        plan->subgroups[source].starts_group = true;
      }
    }
    plan->Renumber();

    // Step 3: insert it at `to`; it joins the SLG before or after that place.
    int target = 0;
    if (to == 0) {
      target = 0;
    } else if (to >= count - 1) {
      target = static_cast<int>(plan->subgroups.size()) - 1;
    } else {
      const int before = plan->SubgroupAt(to - 1);
      const int after = plan->SubgroupAt(to);
      target = before == after || random.Chance(0.5) ? before : after;
    }
    plan->order.insert(plan->order.begin() + to, layer);
    SubgroupSpan& span = plan->subgroups[target];
    ++span.count;
    span.ClearSplits();
    plan->Renumber();
    ClampTiles(target, plan);
    RepairConnectivity(plan);
    return true;
  }
  return false;
}

bool Stage1Moves::ChangeTileCount(SearchRandom& random, EditablePlan* plan) const {
  const int subgroup = static_cast<int>(random.Below(plan->subgroups.size()));
  SubgroupSpan& span = plan->subgroups[subgroup];
  const int spatial = span.SpatialTiles();
  const bool can_double = spatial * 2 <= MaxSpatialTiles(*plan, subgroup);
  const bool can_halve = spatial >= 2;
  if (!can_double && !can_halve) return false;
  const bool doubling = can_double && (!can_halve || random.Chance(0.5));
  span.tiles = (doubling ? spatial * 2 : spatial / 2) * span.channel_splits * span.reduction_splits;
  return true;
}

void Stage1Moves::MergeWithNext(int subgroup, SearchRandom& random, EditablePlan* plan) const {
  SubgroupSpan& first = plan->subgroups[subgroup];
  const SubgroupSpan& second = plan->subgroups[subgroup + 1];
  const double first_share =
      static_cast<double>(first.count) / static_cast<double>(first.count + second.count);
  const int spatial = random.Chance(first_share) ? first.SpatialTiles() : second.SpatialTiles();
  first.count += second.count;
  first.tiles = spatial;
  first.channel_splits = 1;
  first.reduction_splits = 1;
  plan->subgroups.erase(plan->subgroups.begin() + subgroup + 1);
  plan->Renumber();
  ClampTiles(subgroup, plan);
}

void Stage1Moves::ClampTiles(int subgroup, EditablePlan* plan) const {
  SubgroupSpan& span = plan->subgroups[subgroup];
  const int limit = MaxSpatialTiles(*plan, subgroup);
  if (span.SpatialTiles() > limit) span.tiles = limit * span.channel_splits * span.reduction_splits;
}

void Stage1Moves::CutAt(int order_index, bool starts_group, EditablePlan* plan) const {
  const int subgroup = plan->SubgroupAt(order_index);
  SubgroupSpan second = plan->subgroups[subgroup];
  second.count = plan->subgroups[subgroup].first + plan->subgroups[subgroup].count - order_index;
  second.starts_group = starts_group;
  plan->subgroups[subgroup].count -= second.count;
  plan->subgroups.insert(plan->subgroups.begin() + subgroup + 1, second);
  plan->Renumber();
}

bool Stage1Moves::ChangeSubgroup(SearchRandom& random, EditablePlan* plan) const {
  const int subgroups = static_cast<int>(plan->subgroups.size());
  std::vector<int> candidates;
  if (random.Chance(kSubgroupFuseProbability)) {
    for (int subgroup = 0; subgroup + 1 < subgroups; ++subgroup) {
      if (!plan->subgroups[subgroup + 1].starts_group) candidates.push_back(subgroup);
    }
    if (candidates.empty()) return false;
    MergeWithNext(candidates[random.Below(candidates.size())], random, plan);
  } else {
    for (int subgroup = 0; subgroup < subgroups; ++subgroup) {
      if (plan->subgroups[subgroup].count >= 2) candidates.push_back(subgroup);
    }
    if (candidates.empty()) return false;
    const SubgroupSpan& span = plan->subgroups[candidates[random.Below(candidates.size())]];
    CutAt(span.first + static_cast<int>(random.Between(1, span.count - 1)), false, plan);
  }
  RepairConnectivity(plan);
  return true;
}

bool Stage1Moves::ChangeGroup(SearchRandom& random, EditablePlan* plan) const {
  const int count = static_cast<int>(plan->order.size());
  const int subgroups = static_cast<int>(plan->subgroups.size());
  const bool cocco = space_ == FusionSpace::kCocco;
  std::vector<int> borders;
  for (int subgroup = 1; subgroup < subgroups; ++subgroup) {
    if (plan->subgroups[subgroup].starts_group) borders.push_back(subgroup);
  }
  const double method = random.Unit();

  // Fuse two adjacent LGs at a random border.
  if (method < kGroupFuseProbability) {
    if (borders.empty()) return false;
    const int border = borders[random.Below(borders.size())];
    if (cocco || random.Chance(kMergeSubgroupsOnFuseProbability)) {
      MergeWithNext(border - 1, random, plan);
    } else {
      plan->subgroups[border].starts_group = false;
    }
    RepairConnectivity(plan);
    return true;
  }

  // Split an LG at a random layer that does not start one.
  if (method < kGroupFuseProbability + kGroupSplitProbability) {
    for (int attempt = 0; attempt < kMoveAttempts; ++attempt) {
      if (count < 2) return false;
      const int index = static_cast<int>(random.Between(1, count - 1));
      const int subgroup = plan->SubgroupAt(index);
      SubgroupSpan& span = plan->subgroups[subgroup];
      if (span.first == index) {
        if (span.starts_group) continue;
        span.starts_group = true;
      } else {
        CutAt(index, true, plan);
      }
      RepairConnectivity(plan);
      return true;
    }
    return false;
  }

  // Move a border to another layer inside the two LGs it separates.
  if (borders.empty()) return false;
  const int border = borders[random.Below(borders.size())];
  const int first = plan->subgroups[plan->GroupBegin(border - 1)].first;
  const int end_subgroup = plan->GroupEnd(border);
  const int end = plan->subgroups[end_subgroup - 1].first + plan->subgroups[end_subgroup - 1].count;
  const int old_index = plan->subgroups[border].first;
  if (end - first < 3) return false;
  const int index = static_cast<int>(random.BetweenExcept(first + 1, end - 1, old_index));
  if (cocco) {
    MergeWithNext(border - 1, random, plan);
    CutAt(index, true, plan);
  } else {
    plan->subgroups[border].starts_group = false;
    const int subgroup = plan->SubgroupAt(index);
    if (plan->subgroups[subgroup].first == index) {
      plan->subgroups[subgroup].starts_group = true;
    } else {
      CutAt(index, true, plan);
    }
  }
  RepairConnectivity(plan);
  return true;
}

bool Stage1Moves::ChangeSplit(bool reduction, SearchRandom& random, EditablePlan* plan) const {
  const std::vector<int>& limits = reduction ? max_reduction_splits_ : max_channel_splits_;
  std::vector<int> candidates;
  for (int subgroup = 0; subgroup < static_cast<int>(plan->subgroups.size()); ++subgroup) {
    const SubgroupSpan& span = plan->subgroups[subgroup];
    if (span.count == 1 && limits[plan->order[span.first]] >= 2) candidates.push_back(subgroup);
  }
  if (candidates.empty()) return false;
  SubgroupSpan& span = plan->subgroups[candidates[random.Below(candidates.size())]];
  const int limit = limits[plan->order[span.first]];
  int& split = reduction ? span.reduction_splits : span.channel_splits;
  const int spatial = span.SpatialTiles();
  const bool can_double = split * 2 <= limit && span.tiles * 2 <= kMaxTilesPerSubgroup;
  const bool can_halve = split >= 2;
  if (!can_double && !can_halve) return false;
  const bool doubling = can_double && (!can_halve || random.Chance(0.5));
  split = doubling ? split * 2 : split / 2;
  span.tiles = spatial * span.channel_splits * span.reduction_splits;
  return true;
}

bool Stage1Moves::IsConnected(const EditablePlan& plan, const SubgroupSpan& span) const {
  if (span.count <= 1) return true;
  std::vector<int> parent(span.count);
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](int index) {
    while (parent[index] != index) index = parent[index] = parent[parent[index]];
    return index;
  };
  int components = span.count;
  for (int a = 1; a < span.count; ++a) {
    for (int b = 0; b < a; ++b) {
      if (!Adjacent(plan.order[span.first + a], plan.order[span.first + b])) continue;
      const int root_a = find(a);
      const int root_b = find(b);
      if (root_a != root_b) {
        parent[root_a] = root_b;
        --components;
      }
    }
  }
  return components == 1;
}

void Stage1Moves::RepairConnectivity(EditablePlan* plan) const {
  const bool cocco = space_ == FusionSpace::kCocco;
  std::vector<SubgroupSpan> repaired;
  repaired.reserve(plan->subgroups.size());
  for (const SubgroupSpan& span : plan->subgroups) {
    if (IsConnected(*plan, span)) {
      repaired.push_back(span);
      continue;
    }
    // Greedy runs: a layer that shares no tensor with the run so far starts a new one.
    SubgroupSpan run = span;
    run.count = 1;
    for (int offset = 1; offset < span.count; ++offset) {
      const LayerId layer = plan->order[span.first + offset];
      bool joins = false;
      for (int member = span.first + offset - run.count; !joins && member < span.first + offset;
           ++member) {
        joins = Adjacent(layer, plan->order[member]);
      }
      if (joins) {
        ++run.count;
        continue;
      }
      repaired.push_back(run);
      run.count = 1;
      run.starts_group = cocco;
    }
    repaired.push_back(run);
  }
  plan->subgroups = std::move(repaired);
  plan->Renumber();
}

}  // namespace soma::schedule
