// tile_boxes.cc: output uses, SLG cuts and back-calculation of tile boxes.
#include "schedule/tile_boxes.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/box_mapping.h"

namespace soma::schedule {

namespace {

using graph::Box;
using graph::LayerGraph;
using graph::LayerId;

std::string Where(const LayerGraph& graph, LayerId layer, int subgroup) {
  return absl::StrCat("layer '", graph.layer(layer).name, "' (sub-group ", subgroup, "): ");
}

// Tile t = (chunk * spatial_tiles + spatial) * reduction_splits + slice.
absl::Status CutSingleLayer(const LayerGraph& graph, const PlanLayout& layout, int subgroup,
                            LayerTiles* tiles) {
  const SubgroupLayout& slg = layout.subgroups[subgroup];
  const LayerId layer = layout.plan.order[slg.first_order_index];
  const graph::Shape& shape = graph.OutputOf(layer).shape;
  const std::string where = Where(graph, layer, subgroup);
  auto spatial = CutIntoTiles(shape, slg.spatial_tiles);
  if (!spatial.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, spatial.status().message()));
  }
  auto chunks = SplitRange(shape[graph::kC], slg.channel_splits);
  if (!chunks.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, "channel splits ", slg.channel_splits,
                                                   ": ", chunks.status().message()));
  }
  if (slg.reduction_splits > 1) {
    const int64_t input_channels = graph.tensor(graph.layer(layer).inputs[0]).shape[graph::kC];
    auto slices = SplitRange(input_channels, slg.reduction_splits);
    if (!slices.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "reduction splits ", slg.reduction_splits, ": ", slices.status().message()));
    }
    tiles->slices = *std::move(slices);
  }
  tiles->compute_boxes.resize(slg.tile_count);
  for (int tile = 0; tile < slg.tile_count; ++tile) {
    const int output_tile = tile / slg.reduction_splits;
    Box box = (*spatial)[output_tile % slg.spatial_tiles];
    const IndexRange& chunk = (*chunks)[output_tile / slg.spatial_tiles];
    box.lo[graph::kC] = chunk.lo;
    box.hi[graph::kC] = chunk.hi;
    tiles->compute_boxes[tile] = box;
  }
  tiles->cut_boxes = tiles->compute_boxes;
  return absl::OkStatus();
}

// Pure outputs are cut; the others grow from their consumers, in reverse order.
absl::Status CutAndBackCalculate(const LayerGraph& graph, const PlanLayout& layout,
                                 const std::vector<OutputUse>& uses, int subgroup,
                                 std::vector<LayerTiles>* all_tiles) {
  const SubgroupLayout& slg = layout.subgroups[subgroup];
  const auto layer_at = [&](int index) { return layout.plan.order[slg.first_order_index + index]; };
  for (int index = slg.layer_count - 1; index >= 0; --index) {
    const LayerId layer = layer_at(index);
    LayerTiles& tiles = (*all_tiles)[layer];
    tiles.compute_boxes.assign(slg.tile_count, Box{});
    if (uses[layer].IsPureOutput()) {
      auto cut = CutIntoTiles(graph.OutputOf(layer).shape, slg.tile_count);
      if (!cut.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(graph, layer, subgroup), cut.status().message()));
      }
      tiles.cut_boxes = *std::move(cut);
      tiles.compute_boxes = tiles.cut_boxes;
    }
    for (int consumer_index = index + 1; consumer_index < slg.layer_count; ++consumer_index) {
      const LayerId consumer = layer_at(consumer_index);
      const graph::Layer& consumer_layer = graph.layer(consumer);
      for (int input = 0; input < static_cast<int>(consumer_layer.inputs.size()); ++input) {
        if (consumer_layer.inputs[input] != graph.layer(layer).output) continue;
        for (int tile = 0; tile < slg.tile_count; ++tile) {
          const Box need = graph::InputBox(graph, consumer, input,
                                           (*all_tiles)[consumer].compute_boxes[tile]);
          tiles.compute_boxes[tile] = tiles.compute_boxes[tile].BoundingUnion(need);
        }
      }
    }
    for (int tile = 0; tile < slg.tile_count; ++tile) {
      if (tiles.compute_boxes[tile].IsEmpty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(graph, layer, subgroup), "tile ", tile,
            " computes an empty box because no consumer in the sub-group reads any of it; use "
            "fewer tiles"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<OutputUse> ClassifyOutputUses(const LayerGraph& graph, const PlanLayout& layout) {
  std::vector<OutputUse> uses(graph.layers.size());
  for (LayerId layer = 0; layer < static_cast<LayerId>(graph.layers.size()); ++layer) {
    const LayerPlacement& where = layout.placements[layer];
    const graph::Tensor& output = graph.OutputOf(layer);
    OutputUse& use = uses[layer];
    use.leaves_group = output.is_graph_output;
    for (LayerId consumer : output.consumers) {
      const LayerPlacement& reader = layout.placements[consumer];
      if (reader.group < 0 || reader.group != where.group) {
        use.leaves_group = true;
      } else if (reader.subgroup == where.subgroup) {
        use.same_subgroup = true;
      } else {
        use.later_subgroup = true;
      }
    }
  }
  return uses;
}

absl::StatusOr<std::vector<LayerTiles>> ComputeTileBoxes(const LayerGraph& graph,
                                                         const PlanLayout& layout,
                                                         const std::vector<OutputUse>& uses) {
  std::vector<LayerTiles> tiles(graph.layers.size());
  for (int subgroup = 0; subgroup < static_cast<int>(layout.subgroups.size()); ++subgroup) {
    const SubgroupLayout& slg = layout.subgroups[subgroup];
    const LayerId first = layout.plan.order[slg.first_order_index];
    const absl::Status status =
        slg.layer_count == 1 ? CutSingleLayer(graph, layout, subgroup, &tiles[first])
                             : CutAndBackCalculate(graph, layout, uses, subgroup, &tiles);
    if (!status.ok()) return status;
  }
  return tiles;
}

}  // namespace soma::schedule
