// tiling_model.cc: Steps C-D of the SoMa parsing method (positions, residencies,
// transfers and default lifetimes) for one FusionPlan, on the boxes of tile_boxes.h.
#include "schedule/tiling_model.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/box_mapping.h"
#include "schedule/tile_boxes.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

using graph::Box;
using graph::LayerGraph;
using graph::LayerId;
using graph::TensorId;

// Scale and bias values that `channels` output channels read; the buffer stores them at
// the weight element size, as the cost model counts them.
int64_t EpilogueElements(const graph::Layer& layer, int64_t channels) {
  return ((layer.channel_scale.empty() ? 0 : 1) + (layer.channel_bias.empty() ? 0 : 1)) *
         channels;
}

}  // namespace

/// Builds a TilingModel; one instance per Build call.
class TilingModelBuilder {
 public:
  TilingModelBuilder(const LayerGraph& graph, const CostFunctions& costs, TileCostCache* cache,
                     const TilingOptions& options, PlanLayout layout)
      : graph_(graph), costs_(costs), cache_(cache), options_(options) {
    model_.graph_ = &graph;
    model_.layout_ = std::move(layout);
    model_.options_ = options;
    model_.dma_queue_count_ = std::max(1, costs.dma_queue_count);
  }

  absl::StatusOr<TilingModel> Build() {
    // Step 1: who reads each layer's output.
    uses_ = ClassifyOutputUses(graph_, layout());

    // Step 2: tile boxes per SLG (cut, then back-calculation).
    ASSIGN_OR_RETURN(tiles_, ComputeTileBoxes(graph_, layout(), uses_));

    // Step 3: compute tiles, residencies and transfers in position order.
    tile_outputs_.resize(graph_.layers.size());
    full_maps_.assign(graph_.layers.size(), -1);
    current_weight_.assign(graph_.layers.size(), -1);
    shared_loads_.resize(graph_.layers.size());
    for (LayerId layer = 0; layer < static_cast<int>(graph_.layers.size()); ++layer) {
      shared_loads_[layer].assign(graph_.layer(layer).inputs.size(), SharedLoad{});
    }
    stores_of_tensor_.resize(graph_.tensors.size());
    const size_t positions = static_cast<size_t>(layout().position_count);
    model_.compute_.reserve(positions);
    model_.operands_.reserve(2 * positions);
    model_.residencies_.reserve(2 * positions);
    model_.transfers_.reserve(positions);
    model_.load_offsets_.reserve(positions + 1);
    model_.load_ids_.reserve(positions);
    model_.dependency_offsets_.reserve(positions + 1);
    model_.load_offsets_.push_back(0);
    model_.dependency_offsets_.push_back(0);
    for (int subgroup = 0; subgroup < static_cast<int>(layout().subgroups.size()); ++subgroup) {
      const SubgroupLayout& slg = layout().subgroups[subgroup];
      for (int tile = 0; tile < slg.tile_count; ++tile) {
        for (int index = 0; index < slg.layer_count; ++index) {
          RETURN_IF_ERROR(AddCompute(subgroup, index, tile));
        }
      }
    }

    // Step 4: totals.
    for (const ComputeInfo& compute : model_.compute_) {
      model_.compute_energy_pj_ += compute.energy_pj;
      model_.total_compute_cycles_ += compute.cycles;
    }
    for (const TransferInfo& transfer : model_.transfers_) {
      model_.dma_energy_pj_ += transfer.energy_pj;
      model_.dram_bytes_ += transfer.bytes;
      model_.total_dma_cycles_ += transfer.cycles;
    }
    return std::move(model_);
  }

 private:
  const PlanLayout& layout() const { return model_.layout_; }
  const LayerPlacement& placement(LayerId layer) const { return layout().placements[layer]; }
  LayerId LayerAt(const SubgroupLayout& slg, int index) const {
    return layout().plan.order[slg.first_order_index + index];
  }
  int PositionOf(LayerId layer, int tile) const {
    const LayerPlacement& where = placement(layer);
    return layout().subgroups[where.subgroup].PositionOf(where.index_in_subgroup, tile);
  }
  int64_t ElementBytes(TensorId tensor) const {
    return graph_.tensor(tensor).IsConstant() ? costs_.weight_element_bytes
                                              : costs_.activation_element_bytes;
  }

  std::string TileName(LayerId layer, int tile) const {
    return absl::StrCat("layer '", graph_.layer(layer).name, "' tile ", tile);
  }

  int AddResidency(ResidencyInfo residency) {
    model_.residencies_.push_back(std::move(residency));
    return static_cast<int>(model_.residencies_.size()) - 1;
  }

  int AddTransfer(TransferInfo transfer) {
    if (options_.with_costs) {
      const DmaCost cost = costs_.dma_cost(transfer.bytes);
      transfer.cycles = cost.cycles;
      transfer.energy_pj = cost.energy_pj;
    }
    model_.transfers_.push_back(std::move(transfer));
    const int id = static_cast<int>(model_.transfers_.size()) - 1;
    model_.dependency_offsets_.push_back(static_cast<int>(model_.dependency_ids_.size()));
    return id;
  }

  int AddOperand(int residency, TensorId tensor, const Box& box) {
    model_.operands_.push_back({residency, tensor, box});
    return static_cast<int>(model_.operands_.size()) - 1;
  }

  // Restricts `box` of an input to the tile's reduction slice.
  Box SliceInput(const LayerTiles& tiles, int slice, Box box) const {
    if (tiles.slices.empty()) return box;
    box.lo[graph::kC] = std::max(box.lo[graph::kC], tiles.slices[slice].lo);
    box.hi[graph::kC] = std::min(box.hi[graph::kC], tiles.slices[slice].hi);
    return box;
  }

  // Restricts a weight box to the tile's reduction slice (dimension 1 of the weight).
  Box SliceWeight(LayerId layer, const LayerTiles& tiles, int slice, Box box) const {
    if (tiles.slices.empty()) return box;
    int64_t scale = 1;
    if (graph_.layer(layer).kind == graph::LayerKind::kFullyConnected) {
      const graph::Shape& input = graph_.tensor(graph_.layer(layer).inputs[0]).shape;
      scale = input[graph::kH] * input[graph::kW];
    }
    box.lo[1] = tiles.slices[slice].lo * scale;
    box.hi[1] = tiles.slices[slice].hi * scale;
    return box;
  }

  // Splits the output channels of `weight_box` (dimension 0) into the chunks of a weight
  // load of `weight_bytes`. Returns offsets into that dimension, one range without chunks.
  std::vector<IndexRange> WeightChunks(const Box& weight_box, int64_t weight_bytes) const {
    const int64_t channels = weight_box.Extent(0);
    int64_t parts = 1;
    if (options_.dma_chunk_bytes > 0 && weight_bytes > options_.dma_chunk_bytes) {
      parts = std::min(channels,
                       (weight_bytes + options_.dma_chunk_bytes - 1) / options_.dma_chunk_bytes);
    }
    // Equal parts of ceil(channels / parts) channels leave none empty.
    const int64_t per_part = (channels + parts - 1) / parts;
    std::vector<IndexRange> ranges;
    for (int64_t lo = 0; lo < channels; lo += per_part) {
      ranges.push_back({lo, std::min(channels, lo + per_part)});
    }
    return ranges;
  }

  // The weight residency and load of the tile; a new one starts each channel chunk (and
  // each tile under a reduction split).
  int WeightResidency(int subgroup, LayerId layer, int tile, int group) {
    const SubgroupLayout& slg = layout().subgroups[subgroup];
    const LayerTiles& tiles = tiles_[layer];
    const int tiles_per_unit =
        slg.reduction_splits > 1 ? 1 : slg.tile_count / slg.channel_splits;
    if (tile % tiles_per_unit != 0) return current_weight_[layer];

    const graph::Layer& layer_info = graph_.layer(layer);
    const int slice = tiles.slices.empty() ? 0 : tile % slg.reduction_splits;
    const int last_tile = tile + tiles_per_unit - 1;
    Box unit_box;
    for (int unit_tile = tile; unit_tile <= last_tile; ++unit_tile) {
      unit_box = unit_box.BoundingUnion(tiles.compute_boxes[unit_tile]);
    }
    const Box weight_box =
        SliceWeight(layer, tiles, slice, graph::WeightBox(graph_, layer, unit_box));
    const int64_t weight_bytes = weight_box.Volume() * costs_.weight_element_bytes;
    const int64_t epilogue_bytes =
        EpilogueElements(layer_info, weight_box.Extent(0)) * costs_.weight_element_bytes;

    ResidencyInfo residency;
    residency.kind = ResidencyKind::kWeight;
    residency.tensor = *layer_info.weight;
    residency.box = weight_box;
    residency.bytes = costs_.AlignedBytes(weight_bytes + epilogue_bytes);
    residency.layer = layer;
    residency.tile = tile;
    const int residency_id = AddResidency(residency);

    // One transfer per chunk of output channels (dimension 0 of the weight box).
    const std::vector<IndexRange> chunks = WeightChunks(weight_box, weight_bytes);
    TransferInfo transfer;
    transfer.key = {TransferKind::kLoadWeight, layer, tile, 0, 0};
    transfer.direction = TransferDirection::kLoad;
    transfer.residency = residency_id;
    transfer.tensor = *layer_info.weight;
    transfer.group = group;
    transfer.chunk_count = static_cast<int>(chunks.size());
    transfer.first_position = PositionOf(layer, tile);
    transfer.last_position = PositionOf(layer, last_tile);
    transfer.default_lifetime = {transfer.first_position - 1, transfer.last_position + 1};
    for (int chunk = 0; chunk < static_cast<int>(chunks.size()); ++chunk) {
      transfer.key.chunk = chunk;
      transfer.box = weight_box;
      transfer.box.lo[0] = weight_box.lo[0] + chunks[chunk].lo;
      transfer.box.hi[0] = weight_box.lo[0] + chunks[chunk].hi;
      transfer.bytes = transfer.box.Volume() * costs_.weight_element_bytes;
      const int transfer_id = AddTransfer(transfer);
      if (chunk == 0) model_.residencies_[residency_id].transfer = transfer_id;
    }
    model_.residencies_[residency_id].transfer_count = transfer.chunk_count;
    current_weight_[layer] = residency_id;
    return residency_id;
  }

  // The last tile of `layer` from `tile` on that reads the same `box` of input `input`:
  // consecutive tiles that read one box (output-channel splits, tiles of an operation that
  // reads its input whole) share one load.
  int LastTileReadingBox(const SubgroupLayout& slg, LayerId layer, int input, int tile,
                         const Box& box) const {
    const LayerTiles& tiles = tiles_[layer];
    if (!tiles.slices.empty()) return tile;
    int last = tile;
    while (last + 1 < slg.tile_count &&
           graph::InputBox(graph_, layer, input, tiles.compute_boxes[last + 1]) == box) {
      ++last;
    }
    return last;
  }

  // A load of `box` of input operand `input` for the tiles at positions [position,
  // last_position].
  int LoadedInputResidency(LayerId layer, int tile, int input, const Box& box, int position,
                           int last_position, int group) {
    const TensorId tensor = graph_.layer(layer).inputs[input];
    const int64_t bytes = box.Volume() * ElementBytes(tensor);
    ResidencyInfo residency;
    residency.kind = ResidencyKind::kLoadedInput;
    residency.tensor = tensor;
    residency.box = box;
    residency.bytes = costs_.AlignedBytes(bytes);
    residency.layer = layer;
    residency.tile = tile;
    const int residency_id = AddResidency(residency);

    TransferInfo transfer;
    transfer.key = {TransferKind::kLoadInput, layer, tile, input};
    transfer.direction = TransferDirection::kLoad;
    transfer.residency = residency_id;
    transfer.tensor = tensor;
    transfer.box = box;
    transfer.bytes = bytes;
    transfer.group = group;
    transfer.first_position = position;
    transfer.last_position = last_position;
    transfer.default_lifetime = {position - 1, last_position + 1};
    const int transfer_id = AddTransfer(transfer);
    model_.residencies_[residency_id].transfer = transfer_id;

    // Data dependencies on the stores of an earlier LG. With several DMA queues a load
    // waits for a store only through its lifetime, so the default start moves to the end
    // of the latest store it reads.
    for (int store : stores_of_tensor_[tensor]) {
      const TransferInfo& stored = model_.transfers_[store];
      if (!stored.box.Overlaps(box)) continue;
      model_.dependency_ids_.push_back(store);
      if (model_.dma_queue_count_ > 1) {
        Lifetime& lifetime = model_.transfers_[transfer_id].default_lifetime;
        lifetime.start = std::max(lifetime.start, stored.default_lifetime.end);
      }
    }
    model_.dependency_offsets_.back() = static_cast<int>(model_.dependency_ids_.size());
    return residency_id;
  }

  // Lifetime end that the same-SLG consumers of `layer`'s tile `tile` need.
  int LocalReadersEnd(LayerId layer, int tile) const {
    int end = 0;
    for (LayerId consumer : graph_.OutputOf(layer).consumers) {
      if (placement(consumer).subgroup == placement(layer).subgroup) {
        end = std::max(end, PositionOf(consumer, tile) + 1);
      }
    }
    return end;
  }

  // Lifetime end that the later-SLG consumers of `layer`'s full map need.
  int FullMapEnd(LayerId layer) const {
    int end = 0;
    for (LayerId consumer : graph_.OutputOf(layer).consumers) {
      if (placement(consumer).group == placement(layer).group &&
          placement(consumer).group >= 0 &&
          placement(consumer).subgroup != placement(layer).subgroup) {
        const SubgroupLayout& slg = layout().subgroups[placement(consumer).subgroup];
        end = std::max(end, PositionOf(consumer, slg.tile_count - 1) + 1);
      }
    }
    return end;
  }

  absl::Status AddCompute(int subgroup, int index, int tile);

  const LayerGraph& graph_;
  const CostFunctions& costs_;
  TileCostCache* cache_;
  TilingOptions options_;
  TilingModel model_;
  std::vector<OutputUse> uses_;
  std::vector<LayerTiles> tiles_;
  /// Tile output residency of every (layer, tile); filled as tiles are added.
  std::vector<std::vector<int>> tile_outputs_;
  std::vector<int> full_maps_;
  /// Store transfer ids of every tensor, in creation order.
  std::vector<std::vector<int>> stores_of_tensor_;
  /// Weight residency of the chunk each layer is computing.
  std::vector<int> current_weight_;
  /// A loaded input residency and the last tile that reads it.
  struct SharedLoad {
    int residency = -1;
    int last_tile = -1;
  };
  /// Per layer and input: the load the tiles being added share.
  std::vector<std::vector<SharedLoad>> shared_loads_;
  /// Loads of the compute tile being added (scratch).
  std::vector<int> loads_;
};

absl::Status TilingModelBuilder::AddCompute(int subgroup, int index, int tile) {
  const SubgroupLayout& slg = layout().subgroups[subgroup];
  const LayerId layer = LayerAt(slg, index);
  const graph::Layer& layer_info = graph_.layer(layer);
  const LayerTiles& tiles = tiles_[layer];
  const int position = slg.PositionOf(index, tile);
  const int group = slg.group;
  const int slice = tiles.slices.empty() ? 0 : tile % slg.reduction_splits;
  const int reduction_splits = tiles.slices.empty() ? 1 : slg.reduction_splits;

  ComputeInfo compute;
  std::vector<int>& loads = loads_;
  loads.clear();
  compute.layer = layer;
  compute.tile = tile;
  compute.group = group;
  compute.subgroup = subgroup;
  compute.output_box = tiles.compute_boxes[tile];
  compute.accumulate = slice > 0;
  compute.final_partial = slice == reduction_splits - 1;
  compute.first_operand = static_cast<int>(model_.operands_.size());
  compute.input_count = static_cast<int>(layer_info.inputs.size());

  // Step 1: the weight operand's residency (its load comes first in transfer order).
  int weight_residency = -1;
  if (layer_info.weight) weight_residency = WeightResidency(subgroup, layer, tile, group);

  // Step 2: input operands, from DRAM, the same SLG's tile outputs or a full map.
  for (int input = 0; input < compute.input_count; ++input) {
    const TensorId tensor = layer_info.inputs[input];
    const Box box =
        SliceInput(tiles, slice, graph::InputBox(graph_, layer, input, compute.output_box));
    if (box.IsEmpty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          TileName(layer, tile), " reads an empty box of input ", input, " ('",
          graph_.tensor(tensor).name, "'); split this layer's channels less"));
    }
    const std::optional<LayerId> producer = graph_.tensor(tensor).producer;
    int residency = -1;
    if (!producer || graph_.tensor(tensor).IsConstant() || placement(*producer).group != group) {
      SharedLoad& shared = shared_loads_[layer][input];
      if (shared.residency < 0 || tile > shared.last_tile) {
        const int last_tile = LastTileReadingBox(slg, layer, input, tile, box);
        shared.residency = LoadedInputResidency(layer, tile, input, box, position,
                                                slg.PositionOf(index, last_tile), group);
        shared.last_tile = last_tile;
      }
      residency = shared.residency;
      loads.push_back(model_.residencies_[residency].transfer);
    } else if (placement(*producer).subgroup == subgroup) {
      residency = tile_outputs_[*producer][tile];
    } else {
      residency = full_maps_[*producer];
    }
    RET_CHECK(residency >= 0, "no residency holds input ", input, " of ", TileName(layer, tile));
    AddOperand(residency, tensor, box);
  }
  if (layer_info.weight) {
    compute.has_weight = true;
    const Box weight_box =
        SliceWeight(layer, tiles, slice, graph::WeightBox(graph_, layer, compute.output_box));
    AddOperand(weight_residency, *layer_info.weight, weight_box);
    // Weight loads (every chunk) come first in the list, as they come first in transfer
    // order.
    const ResidencyInfo& weights = model_.residencies_[weight_residency];
    for (int chunk = weights.transfer_count - 1; chunk >= 0; --chunk) {
      loads.insert(loads.begin(), weights.transfer + chunk);
    }
  }

  // Step 3: output residencies. Partial sums of one output box share its residencies.
  const OutputUse& use = uses_[layer];
  const TensorId output = layer_info.output;
  if (tile_outputs_[layer].empty()) tile_outputs_[layer].assign(slg.tile_count, -1);
  if (use.NeedsTileOutput()) {
    int residency = slice > 0 ? tile_outputs_[layer][tile - 1] : -1;
    if (residency < 0) {
      ResidencyInfo info;
      info.kind = ResidencyKind::kTileOutput;
      info.tensor = output;
      info.box = compute.output_box;
      info.bytes = costs_.AlignedBytes(compute.output_box.Volume() * ElementBytes(output));
      info.layer = layer;
      info.tile = tile;
      const int last_writer = position + (reduction_splits - 1 - slice);
      info.fixed_lifetime = {position, std::max(last_writer + 1, LocalReadersEnd(layer, tile))};
      residency = AddResidency(info);
    }
    tile_outputs_[layer][tile] = residency;
    compute.output_residencies[0] = residency;
  }
  if (use.later_subgroup) {
    if (full_maps_[layer] < 0) {
      ResidencyInfo info;
      info.kind = ResidencyKind::kFullMap;
      info.tensor = output;
      info.box = Box::Full(graph_.tensor(output).shape);
      info.bytes = costs_.AlignedBytes(info.box.Volume() * ElementBytes(output));
      info.layer = layer;
      info.tile = 0;
      info.fixed_lifetime = {position, FullMapEnd(layer)};
      full_maps_[layer] = AddResidency(info);
    }
    compute.output_residencies[use.NeedsTileOutput() ? 1 : 0] = full_maps_[layer];
  }

  // Step 4: the tile's cost.
  if (options_.with_costs) {
    const arch::TileCost whole = cache_ != nullptr
                                     ? cache_->Get(costs_, layer, compute.output_box)
                                     : costs_.tile_cost(layer, compute.output_box);
    arch::TileCost cost = whole;
    if (!tiles.slices.empty()) {
      const int64_t input_channels = graph_.tensor(layer_info.inputs[0]).shape[graph::kC];
      cost = PartialSumTileCost(whole, tiles.slices[slice].Size(), input_channels);
    }
    compute.cycles = cost.cycles;
    compute.energy_pj = cost.energy_pj;
  }
  model_.compute_.push_back(compute);
  RET_CHECK(static_cast<int>(model_.compute_.size()) - 1 == position, "position mismatch at ",
            TileName(layer, tile));
  model_.load_ids_.insert(model_.load_ids_.end(), loads.begin(), loads.end());
  model_.load_offsets_.push_back(static_cast<int>(model_.load_ids_.size()));

  // Step 5: the store of a completed tile that leaves the LG.
  if (use.leaves_group && compute.final_partial) {
    const int residency = compute.output_residencies[0];
    const Box& stored_box = tiles.cut_boxes[tile];
    TransferInfo transfer;
    transfer.key = {TransferKind::kStoreOutput, layer, tile, 0};
    transfer.direction = TransferDirection::kStore;
    transfer.residency = residency;
    transfer.tensor = output;
    transfer.box = stored_box;
    transfer.bytes = stored_box.Volume() * ElementBytes(output);
    transfer.group = group;
    transfer.first_position = model_.residencies_[residency].fixed_lifetime.start;
    transfer.last_position = position;
    // Stored during the next tile, but by the end of the LG at the latest.
    const int group_end = layout().groups[group].end_position;
    transfer.default_lifetime = {position, std::min(position + 2, group_end)};
    const int transfer_id = AddTransfer(transfer);
    model_.residencies_[residency].transfer = transfer_id;
    stores_of_tensor_[output].push_back(transfer_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<TilingModel> TilingModel::Build(const LayerGraph& graph, const FusionPlan& plan,
                                               const CostFunctions& costs, TileCostCache* cache,
                                               const TilingOptions& options) {
  ASSIGN_OR_RETURN(PlanLayout layout, LayOutPlan(graph, plan, options.allow_layer_subset));
  TilingModelBuilder builder(graph, costs, cache, options, std::move(layout));
  return builder.Build();
}

}  // namespace soma::schedule
