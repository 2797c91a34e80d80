// layer_by_layer.cc: the lbl planner (a tiling ladder per layer with boundary checks) and
// the plan-evaluate-allocate loop.
#include "schedule/layer_by_layer.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "alloc/buffer_allocation.h"
#include "graph/box_mapping.h"
#include "schedule/layer_tiling_rules.h"
#include "schedule/program_builder.h"
#include "schedule/tile_cut.h"
#include "schedule/tiling_model.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

using graph::Box;
using graph::LayerGraph;
using graph::LayerId;

/// Most tiles one layer may get. Finer tilings are not tried, because a model with
/// millions of positions would take seconds to build for no realistic gain.
constexpr int64_t kMaxTilesPerLayer = int64_t{1} << 16;
/// Most tilings whose footprint the planner measures before it gives up.
constexpr int kMaxFootprintBuilds = 20000;
/// Planning attempts when allocation fails; each one has 10% less usable capacity.
constexpr int kMaxAllocationAttempts = 8;
constexpr int64_t kRetryCapacityPercent = 90;

int64_t LargestPowerOfTwoAtMost(int64_t limit) {
  int64_t value = 1;
  while (value * 2 <= limit) value *= 2;
  return value;
}

struct LayerTiling {
  int64_t spatial_tiles = 1;
  int64_t channel_splits = 1;
  int64_t reduction_splits = 1;

  int64_t TileCount() const { return spatial_tiles * channel_splits * reduction_splits; }
};

// Aligned bytes of the first (largest) tile of a tiling, single-buffered.
struct TileBytes {
  int64_t weight_bytes = 0;
  int64_t input_bytes = 0;
  int64_t output_bytes = 0;

  int64_t Total() const { return weight_bytes + input_bytes + output_bytes; }
};

std::optional<TileBytes> FirstTileBytes(const LayerGraph& graph, LayerId layer,
                                        const CostFunctions& costs, const LayerTiling& tiling) {
  const graph::Layer& info = graph.layer(layer);
  const graph::Shape& shape = graph.OutputOf(layer).shape;
  auto spatial = FirstTileOf(shape, static_cast<int>(tiling.spatial_tiles));
  auto chunks = SplitRange(shape[graph::kC], static_cast<int>(tiling.channel_splits));
  if (!spatial.ok() || !chunks.ok()) return std::nullopt;
  Box output = *spatial;
  output.lo[graph::kC] = chunks->front().lo;
  output.hi[graph::kC] = chunks->front().hi;

  std::optional<IndexRange> slice;
  if (tiling.reduction_splits > 1) {
    auto slices = SplitRange(graph.tensor(info.inputs[0]).shape[graph::kC],
                             static_cast<int>(tiling.reduction_splits));
    if (!slices.ok()) return std::nullopt;
    slice = slices->front();
  }
  TileBytes bytes;
  bytes.output_bytes = costs.AlignedBytes(output.Volume() * costs.activation_element_bytes);
  for (int input = 0; input < static_cast<int>(info.inputs.size()); ++input) {
    Box box = graph::InputBox(graph, layer, input, output);
    if (slice) {
      box.lo[graph::kC] = slice->lo;
      box.hi[graph::kC] = slice->hi;
    }
    const bool constant = graph.tensor(info.inputs[input]).IsConstant();
    bytes.input_bytes += costs.AlignedBytes(
        box.Volume() * (constant ? costs.weight_element_bytes : costs.activation_element_bytes));
  }
  if (info.weight) {
    int64_t elements = graph::WeightBox(graph, layer, output).Volume();
    if (slice) elements = elements / graph.tensor(info.inputs[0]).shape[graph::kC] * slice->Size();
    const int64_t epilogue = ((info.channel_scale.empty() ? 0 : 1) +
                              (info.channel_bias.empty() ? 0 : 1)) *
                             output.Extent(graph::kC);
    bytes.weight_bytes = costs.AlignedBytes((elements + epilogue) * costs.weight_element_bytes);
  }
  return bytes;
}

// Enumerates a layer's tilings in preference order, skipping those whose first tile alone
// cannot fit.
class TilingLadder {
 public:
  TilingLadder(const LayerGraph& graph, LayerId layer, const CostFunctions& costs,
               int64_t capacity_bytes)
      : graph_(graph), layer_(layer), costs_(costs), capacity_bytes_(capacity_bytes) {
    const graph::Layer& info = graph.layer(layer);
    const graph::Shape& shape = graph.OutputOf(layer).shape;
    const int64_t positions = shape[graph::kN] * shape[graph::kH] * shape[graph::kW];
    if (!RequiresSingleTile(info)) {
      max_spatial_ = LargestPowerOfTwoTileCount(
          shape, static_cast<int>(std::min(positions, kMaxTilesPerLayer)));
      smallest_.spatial_tiles = LargestPowerOfTwoTileCount(
          shape, static_cast<int>(std::min<int64_t>(positions, int64_t{1} << 30)));
    }
    if (SupportsChannelSplits(info)) max_channel_ = LargestPowerOfTwoAtMost(shape[graph::kC]);
    if (SupportsPartialSums(info)) {
      max_reduction_ = LargestPowerOfTwoAtMost(graph.tensor(info.inputs[0]).shape[graph::kC]);
    }
    smallest_.channel_splits = max_channel_;
    smallest_.reduction_splits = max_reduction_;
  }

  /// Returns the next tiling whose first tile fits single-buffered, or nullopt at the end.
  std::optional<LayerTiling> Next() {
    while (current_.reduction_splits <= max_reduction_) {
      const std::optional<LayerTiling> candidate = Step();
      if (candidate) return candidate;
    }
    return std::nullopt;
  }

  /// The finest tiling of the ladder, used to report what a layer needs at least.
  const LayerTiling& smallest() const { return smallest_; }

 private:
  // Examines `current_`, advances it, and returns it when it is worth measuring.
  std::optional<LayerTiling> Step() {
    const LayerTiling candidate = current_;
    const std::optional<TileBytes> bytes = FirstTileBytes(graph_, layer_, costs_, candidate);
    const bool weights_fit = !bytes || bytes->weight_bytes <= capacity_bytes_;
    if (!weights_fit || candidate.TileCount() > kMaxTilesPerLayer) {
      AdvanceChannel();
      return std::nullopt;
    }
    AdvanceSpatial();
    if (!bytes || bytes->Total() > capacity_bytes_) return std::nullopt;
    return candidate;
  }

  void AdvanceSpatial() {
    current_.spatial_tiles *= 2;
    if (current_.spatial_tiles > max_spatial_) AdvanceChannel();
  }

  void AdvanceChannel() {
    current_.spatial_tiles = 1;
    current_.channel_splits *= 2;
    if (current_.channel_splits > max_channel_) {
      current_.channel_splits = 1;
      current_.reduction_splits *= 2;
    }
  }

  const LayerGraph& graph_;
  LayerId layer_;
  const CostFunctions& costs_;
  int64_t capacity_bytes_;
  int64_t max_spatial_ = 1;
  int64_t max_channel_ = 1;
  int64_t max_reduction_ = 1;
  LayerTiling current_;
  LayerTiling smallest_;
};

// Buffer bytes of one layer scheduled alone at the default DRAM timing.
struct Footprint {
  LayerTiling tiling;
  int64_t peak_bytes = 0;
  /// Live at the layer's last position.
  int64_t last_position_bytes = 0;
  /// Live at the position before its first tile: its first weights and input tiles.
  int64_t prologue_bytes = 0;
};

FusionPlan PlanOf(const std::vector<LayerId>& layers, const std::vector<LayerTiling>& tilings) {
  FusionPlan plan;
  plan.order = layers;
  plan.group_starts.assign(layers.size(), true);
  plan.subgroup_starts.assign(layers.size(), false);
  for (const LayerTiling& tiling : tilings) {
    plan.tile_counts.push_back(static_cast<int>(tiling.TileCount()));
    plan.channel_splits.push_back(static_cast<int>(tiling.channel_splits));
    plan.reduction_splits.push_back(static_cast<int>(tiling.reduction_splits));
  }
  return plan;
}

// Plans the layers of a graph one after another, backtracking when a layer's prologue
// does not fit after the previous layer's last tile.
class LayerByLayerPlanner {
 public:
  LayerByLayerPlanner(const LayerGraph& graph, const CostFunctions& costs, int64_t capacity_bytes)
      : graph_(graph), costs_(costs), capacity_bytes_(capacity_bytes) {
    const int layer_count = static_cast<int>(graph.layers.size());
    for (LayerId layer = 0; layer < layer_count; ++layer) {
      ladders_.emplace_back(graph, layer, costs, capacity_bytes);
    }
    measured_.resize(layer_count);
    dead_end_.resize(layer_count);
    cursor_.assign(layer_count, 0);
    chosen_.assign(layer_count, -1);
    fits_alone_.assign(layer_count, false);
  }

  absl::StatusOr<FusionPlan> Run() {
    const int layer_count = static_cast<int>(graph_.layers.size());
    int layer = 0;
    std::optional<int> failed_boundary;
    while (layer < layer_count) {
      ASSIGN_OR_RETURN(const bool found, ChooseNext(layer));
      if (found) {
        ++layer;
        continue;
      }
      if (!fits_alone_[layer]) return LayerTooLarge(layer);
      // Layer 0 fails only after backtracking from a later boundary (it has no predecessor),
      // for example when it has a single tiling, so the boundary to report is a later one.
      if (layer > 0 && (!failed_boundary || layer > *failed_boundary)) failed_boundary = layer;
      if (layer == 0) return BoundaryTooLarge(*failed_boundary);
      // Whether the later layers fit depends only on the previous layer's tiling, so that
      // tiling is a dead end for good. Tile the previous layer further and retry this one.
      dead_end_[layer - 1][chosen_[layer - 1]] = true;
      cursor_[layer] = 0;
      --layer;
    }
    std::vector<LayerId> order(layer_count);
    std::vector<LayerTiling> tilings(layer_count);
    for (LayerId id = 0; id < layer_count; ++id) {
      order[id] = id;
      tilings[id] = measured_[id][chosen_[id]].tiling;
    }
    return PlanOf(order, tilings);
  }

 private:
  // Picks the next tiling of `layer` that fits alone and after the previous layer.
  absl::StatusOr<bool> ChooseNext(int layer) {
    while (true) {
      ASSIGN_OR_RETURN(const std::optional<int> index, NextMeasured(layer));
      if (!index) return false;
      const Footprint& footprint = measured_[layer][*index];
      if (footprint.peak_bytes > capacity_bytes_) continue;
      if (dead_end_[layer][*index]) continue;
      fits_alone_[layer] = true;
      if (layer > 0) {
        const Footprint& previous = measured_[layer - 1][chosen_[layer - 1]];
        if (previous.last_position_bytes + footprint.prologue_bytes > capacity_bytes_) continue;
      }
      chosen_[layer] = *index;
      return true;
    }
  }

  // The next tiling of `layer` with its footprint, measuring it on first use.
  absl::StatusOr<std::optional<int>> NextMeasured(int layer) {
    if (cursor_[layer] < static_cast<int>(measured_[layer].size())) return cursor_[layer]++;
    const std::optional<LayerTiling> tiling = ladders_[layer].Next();
    if (!tiling) return std::optional<int>();
    if (++footprint_builds_ > kMaxFootprintBuilds) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "lbl planning gave up after measuring ", kMaxFootprintBuilds,
          " tilings without fitting every layer into ", capacity_bytes_, " bytes (at layer '",
          graph_.layer(layer).name, "'); use a hardware configuration with a larger buffer"));
    }
    ASSIGN_OR_RETURN(Footprint footprint, Measure(layer, *tiling));
    measured_[layer].push_back(footprint);
    dead_end_[layer].push_back(false);
    return cursor_[layer]++;
  }

  absl::StatusOr<Footprint> Measure(LayerId layer, const LayerTiling& tiling) const {
    TilingOptions options;
    options.with_costs = false;
    options.allow_layer_subset = true;
    ASSIGN_OR_RETURN(const TilingModel model,
                     TilingModel::Build(graph_, PlanOf({layer}, {tiling}), costs_, nullptr, options));
    const std::vector<int64_t> live = LiveBytesByPosition(model, model.DefaultDramPlan());
    Footprint footprint;
    footprint.tiling = tiling;
    footprint.peak_bytes = *std::max_element(live.begin(), live.end());
    footprint.prologue_bytes = live.front();
    footprint.last_position_bytes = live.back();
    return footprint;
  }

  absl::Status LayerTooLarge(LayerId layer) const {
    const LayerTiling& smallest = ladders_[layer].smallest();
    const std::optional<TileBytes> bytes = FirstTileBytes(graph_, layer, costs_, smallest);
    const TileBytes need = bytes.value_or(TileBytes{});
    std::string note;
    if (need.Total() <= capacity_bytes_) {
      note = absl::StrCat(
          "; at the default DRAM timing a tile also holds the next tile's input and the "
          "previous tile's output, and no tiling up to ",
          kMaxTilesPerLayer, " tiles fits");
    }
    return absl::ResourceExhaustedError(absl::StrCat(
        "layer '", graph_.layer(layer).name, "' needs ", need.Total(),
        " bytes with the smallest tile (weights ", need.weight_bytes, ", input ", need.input_bytes,
        ", output ", need.output_bytes, "), buffer has ", capacity_bytes_, " bytes", note,
        "; use a hardware configuration with a larger buffer"));
  }

  absl::Status BoundaryTooLarge(LayerId layer) const {
    return absl::ResourceExhaustedError(absl::StrCat(
        "layer '", graph_.layer(layer).name, "' does not fit after layer '",
        graph_.layer(layer - 1).name, "': no tilings of the two leave room in ", capacity_bytes_,
        " bytes for the prologue of '", graph_.layer(layer).name,
        "' (its first weights and input tile) during the last tile of '",
        graph_.layer(layer - 1).name, "'; use a hardware configuration with a larger buffer"));
  }

  const LayerGraph& graph_;
  const CostFunctions& costs_;
  int64_t capacity_bytes_;
  std::vector<TilingLadder> ladders_;
  /// Measured tilings of every layer, in ladder order.
  std::vector<std::vector<Footprint>> measured_;
  /// Per measured tiling: true when no tilings of the later layers can follow it.
  std::vector<std::vector<bool>> dead_end_;
  /// Next index into measured_ to consider, per layer.
  std::vector<int> cursor_;
  std::vector<int> chosen_;
  std::vector<bool> fits_alone_;
  int footprint_builds_ = 0;
};

}  // namespace

absl::StatusOr<FusionPlan> PlanLayerByLayer(const LayerGraph& graph, const CostFunctions& costs,
                                            int64_t capacity_bytes, const ProgressFn& progress) {
  ASSIGN_OR_RETURN(FusionPlan plan, LayerByLayerPlanner(graph, costs, capacity_bytes).Run());
  if (progress) {
    int64_t tiles = 0;
    for (int count : plan.tile_counts) tiles += count;
    progress(absl::StrCat("lbl: planned ", plan.order.size(), " layers in ", tiles,
                          " tiles within ", capacity_bytes, " bytes"));
  }
  return plan;
}

absl::StatusOr<Program> ScheduleLayerByLayer(const LayerGraph& graph, const CostFunctions& costs,
                                             int64_t capacity_bytes, const ProgressFn& progress) {
  int64_t usable_bytes = capacity_bytes;
  int64_t last_tried_bytes = capacity_bytes;
  absl::Status allocation_error;
  for (int attempt = 0; attempt < kMaxAllocationAttempts; ++attempt) {
    last_tried_bytes = usable_bytes;
    // Step 1: plan and evaluate at the usable capacity.
    absl::StatusOr<FusionPlan> plan = PlanLayerByLayer(graph, costs, usable_bytes, progress);
    if (!plan.ok()) {
      if (attempt == 0) return plan.status();
      return absl::ResourceExhaustedError(absl::StrCat(
          allocation_error.message(), "; with ", usable_bytes,
          " bytes of usable capacity planning fails: ", plan.status().message()));
    }
    TileCostCache cache;
    ASSIGN_OR_RETURN(const TilingModel model, TilingModel::Build(graph, *plan, costs, &cache));
    ASSIGN_OR_RETURN(Program program,
                     BuildProgram(model, model.DefaultDramPlan(), usable_bytes, "lbl"));

    // Step 2: the Program must also be address-allocatable in the whole buffer.
    absl::StatusOr<alloc::BufferAllocation> allocation =
        alloc::AllocateBuffer(program, capacity_bytes, costs.alignment_bytes);
    if (allocation.ok()) {
      if (progress) {
        progress(absl::StrCat("lbl: latency ", program.latency_cycles, " cycles, peak buffer ",
                              program.peak_buffer_bytes, " bytes, DRAM ", program.dram_bytes,
                              " bytes"));
      }
      return program;
    }
    if (!absl::IsResourceExhausted(allocation.status())) return allocation.status();
    allocation_error = allocation.status();
    usable_bytes = usable_bytes * kRetryCapacityPercent / 100;
    if (progress) {
      progress(absl::StrCat("lbl: ", allocation_error.message(), "; retrying with ",
                            usable_bytes, " bytes of usable capacity"));
    }
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "lbl found no address-allocatable schedule after ", kMaxAllocationAttempts,
      " attempts (usable capacity down to ", last_tried_bytes, " bytes); last allocator error: ",
      allocation_error.message()));
}

}  // namespace soma::schedule
