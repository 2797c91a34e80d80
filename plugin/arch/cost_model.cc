// cost_model.cc: tile cycles and energy on the MAC array and the vector unit, DMA cycles,
// and the whole-model lower bounds.
#include "arch/cost_model.h"

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "graph/box_mapping.h"
#include "graph/tensor_op_window.h"

namespace soma::arch {

namespace {

using graph::Box;
using graph::Layer;
using graph::LayerGraph;
using graph::LayerId;
using graph::LayerKind;

int64_t CeilDiv(int64_t numerator, int64_t denominator) {
  return (numerator + denominator - 1) / denominator;
}

// The loop dimensions a PE-array partition can split.
enum ArrayDim : int { kDimC = 0, kDimK, kDimH, kDimW, kDimB, kArrayDimCount };

// One spatial partition: `row_dim` split over pe_rows, `col_dim` over pe_cols.
struct ArrayPartition {
  ArrayDim row_dim;
  ArrayDim col_dim;
};

constexpr std::array<ArrayPartition, 6> kArrayPartitions = {{
    {kDimC, kDimK},
    {kDimC, kDimB},
    {kDimB, kDimK},
    {kDimC, kDimW},
    {kDimH, kDimK},
    {kDimH, kDimW},
}};

// The loop nest of one group of a MAC layer inside one tile.
struct MacLoops {
  int64_t input_channels = 1;
  int64_t output_channels = 1;
  int64_t height = 1;
  int64_t width = 1;
  int64_t batch = 1;
  int64_t kernel_taps = 1;
};

int64_t PartitionCycles(const ArchConfig& config, const ArrayPartition& partition,
                        const MacLoops& loops) {
  std::array<int64_t, kArrayDimCount> split;
  split.fill(1);
  split[partition.row_dim] = config.pe_rows;
  split[partition.col_dim] = config.pe_cols;
  return CeilDiv(loops.input_channels, config.vector_width * split[kDimC]) *
         CeilDiv(loops.output_channels, config.lanes * split[kDimK]) *
         CeilDiv(loops.height, split[kDimH]) * CeilDiv(loops.width, split[kDimW]) *
         CeilDiv(loops.batch, split[kDimB]) * loops.kernel_taps;
}

// Output channels of a box that fall into groups of one size: `count` groups with
// `channels` output channels each.
struct GroupRun {
  int64_t channels = 0;
  int64_t count = 0;
};

// Splits output channels [lo, hi) into runs of whole and partial groups of
// `channels_per_group` channels: a partial first group, the whole groups, a partial last.
struct GroupRuns {
  std::array<GroupRun, 3> runs;
  int size = 0;

  void Add(int64_t channels, int64_t count) {
    if (channels > 0 && count > 0) runs[size++] = {channels, count};
  }
};

GroupRuns SplitIntoGroups(int64_t lo, int64_t hi, int64_t channels_per_group) {
  GroupRuns result;
  const int64_t first_group = lo / channels_per_group;
  const int64_t last_group = (hi - 1) / channels_per_group;
  if (first_group == last_group) {
    result.Add(hi - lo, 1);
    return result;
  }
  result.Add((first_group + 1) * channels_per_group - lo, 1);
  result.Add(channels_per_group, last_group - first_group - 1);
  result.Add(hi - last_group * channels_per_group, 1);
  return result;
}

// Minimum cycles over the partitions, with one partition for all groups of the tile.
int64_t MacArrayCycles(const ArchConfig& config, MacLoops loops, const GroupRuns& groups) {
  int64_t best_cycles = std::numeric_limits<int64_t>::max();
  for (const ArrayPartition& partition : kArrayPartitions) {
    int64_t cycles = 0;
    for (int run_index = 0; run_index < groups.size; ++run_index) {
      loops.output_channels = groups.runs[run_index].channels;
      cycles += groups.runs[run_index].count * PartitionCycles(config, partition, loops);
    }
    best_cycles = std::min(best_cycles, cycles);
  }
  return best_cycles;
}

// Scale, bias and folded activations applied to each output element.
int64_t EpilogueSteps(const Layer& layer) {
  return (layer.channel_scale.empty() ? 0 : 1) + (layer.channel_bias.empty() ? 0 : 1) +
         static_cast<int64_t>(layer.activations.size());
}

// Elements of the epilogue vectors (scale, bias) that `output_channels` channels read.
int64_t EpilogueVectorElements(const Layer& layer, int64_t output_channels) {
  return ((layer.channel_scale.empty() ? 0 : 1) + (layer.channel_bias.empty() ? 0 : 1)) *
         output_channels;
}

// Vector-unit operations per output element of a vector layer, epilogue included.
int64_t VectorOpsPerElement(const Layer& layer) {
  switch (layer.kind) {
    case LayerKind::kPool: {
      const auto& pool = layer.Params<graph::PoolParams>();
      return pool.kernel_h * pool.kernel_w + EpilogueSteps(layer);
    }
    case LayerKind::kEltwise:
      return std::max<int64_t>(1, static_cast<int64_t>(layer.inputs.size()) - 1) +
             EpilogueSteps(layer);
    case LayerKind::kConcat:
      return 1 + EpilogueSteps(layer);
    case LayerKind::kSoftmax:
      // Max, exponent, sum and divide per element; the channel reduction is amortised.
      return 4 + EpilogueSteps(layer);
    case LayerKind::kLrn:
      return layer.Params<graph::LrnParams>().size + 3 + EpilogueSteps(layer);
    case LayerKind::kActivation:
      // The layer's own function is its activation list, so it is not counted twice.
      return std::max<int64_t>(1, EpilogueSteps(layer));
    case LayerKind::kConv:
    case LayerKind::kFullyConnected:
    case LayerKind::kMatMul:
    case LayerKind::kTensorOp:
      break;
  }
  return EpilogueSteps(layer);
}

// MAC-array loops of a MatMul box: K is the reduction, the box's columns are the output
// channels, its rows the height and its two batch extents the batch.
MacLoops MatMulLoops(const LayerGraph& graph, const Layer& layer, const Box& output_box) {
  MacLoops loops;
  loops.input_channels = graph.tensor(layer.inputs[0]).shape[graph::kW];
  loops.output_channels = output_box.Extent(graph::kW);
  loops.height = output_box.Extent(graph::kH);
  loops.batch = output_box.Extent(graph::kN) * output_box.Extent(graph::kC);
  return loops;
}

// Compute cycles, MACs and vector ops of one node run of a tensor operation.
struct TensorOpCompute {
  int64_t cycles = 0;
  int64_t macs = 0;
  int64_t vector_ops = 0;
};

// Prices the node run that produces `output_box`; `input_elements` is the element count of
// the input boxes it reads.
TensorOpCompute TensorOpRunCost(const ArchConfig& config, const LayerGraph& graph,
                                LayerId layer_id, const Box& output_box,
                                int64_t input_elements) {
  const Layer& layer = graph.layer(layer_id);
  const auto& params = layer.Params<graph::TensorOpParams>();
  const Box region = graph::TensorOpWindowFor(graph, layer_id, output_box).output_region;
  const int64_t output_elements = region.Volume();
  const int64_t elements = input_elements + output_elements;
  TensorOpCompute compute;
  compute.vector_ops = elements + output_box.Volume() * EpilogueSteps(layer);
  if (params.unit == graph::ExecutionUnit::kHost) {
    compute.cycles = kHostCallCycles + kHostCyclesPerElement * elements;
    return compute;
  }
  if (params.mac_count > 0) {
    // The run computes `output_elements` of the whole output, and its MACs in proportion.
    const int64_t whole_elements = graph.OutputOf(layer_id).ElementCount();
    const __int128 scaled = static_cast<__int128>(params.mac_count) * output_elements;
    compute.macs = static_cast<int64_t>((scaled + whole_elements - 1) / whole_elements);
    compute.cycles = CeilDiv(compute.macs, config.MacCount());
    return compute;
  }
  compute.cycles = CeilDiv(compute.vector_ops, config.vector_ops_per_cycle);
  return compute;
}

}  // namespace

int64_t CostModel::ActivationBytes(const Box& box) const {
  return box.Volume() * config_.activation_bytes;
}

int64_t CostModel::WeightBytes(int64_t element_count) const {
  return element_count * config_.weight_bytes;
}

int64_t CostModel::AlignedBytes(int64_t bytes) const {
  return CeilDiv(bytes, config_.buffer_alignment_bytes) * config_.buffer_alignment_bytes;
}

int64_t CostModel::DmaCycles(int64_t bytes) const {
  if (bytes <= 0) return 0;
  // bytes * clock_hz exceeds 64 bits for transfers above ~9 GB at 1 GHz, so use 128 bits.
  const unsigned __int128 scaled_bytes =
      static_cast<unsigned __int128>(bytes) * static_cast<unsigned __int128>(config_.clock_hz);
  const auto bandwidth = static_cast<unsigned __int128>(config_.dram_bandwidth_bytes_per_second);
  const unsigned __int128 cycles = (scaled_bytes + bandwidth - 1) / bandwidth;
  constexpr auto kMaxCycles = static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(cycles, kMaxCycles));
}

double CostModel::DmaEnergyPj(int64_t bytes) const {
  return static_cast<double>(bytes) * config_.dram_energy_pj_per_byte;
}

TileCost CostModel::LayerTileCost(const LayerGraph& graph, LayerId layer_id,
                                  const Box& output_box) const {
  TileCost cost;
  if (output_box.IsEmpty()) return cost;
  const Layer& layer = graph.layer(layer_id);
  const int64_t output_elements = output_box.Volume();
  const int64_t box_channels = output_box.Extent(graph::kC);

  // Step 1: bytes read from the buffer: every input box, then weights and epilogue vectors.
  int64_t read_bytes = 0;
  int64_t input_elements = 0;
  for (int input_index = 0; input_index < static_cast<int>(layer.inputs.size()); ++input_index) {
    const graph::Tensor& input = graph.tensor(layer.inputs[input_index]);
    const int64_t elements = graph::InputBox(graph, layer_id, input_index, output_box).Volume();
    input_elements += elements;
    read_bytes += input.IsConstant() ? WeightBytes(elements) : elements * config_.activation_bytes;
  }
  int64_t weight_elements = EpilogueVectorElements(layer, box_channels);

  // Step 2: compute cycles on the MAC array, the vector unit or the host.
  int64_t compute_cycles = 0;
  if (layer.kind == LayerKind::kConv || layer.kind == LayerKind::kFullyConnected) {
    const graph::Shape& input_shape = graph.tensor(layer.inputs[0]).shape;
    MacLoops loops;
    loops.batch = output_box.Extent(graph::kN);
    GroupRuns groups;
    if (layer.kind == LayerKind::kConv) {
      const auto& conv = layer.Params<graph::ConvParams>();
      loops.input_channels = input_shape[graph::kC] / conv.groups;
      loops.height = output_box.Extent(graph::kH);
      loops.width = output_box.Extent(graph::kW);
      loops.kernel_taps = conv.kernel_h * conv.kernel_w;
      const int64_t channels_per_group = graph.OutputOf(layer_id).shape[graph::kC] / conv.groups;
      groups = SplitIntoGroups(output_box.lo[graph::kC], output_box.hi[graph::kC],
                               channels_per_group);
    } else {
      loops.input_channels = input_shape[graph::kC] * input_shape[graph::kH] * input_shape[graph::kW];
      groups.Add(box_channels, 1);
    }
    compute_cycles = MacArrayCycles(config_, loops, groups);
    cost.macs = output_elements * loops.input_channels * loops.kernel_taps;
    cost.vector_ops = output_elements * EpilogueSteps(layer);
    weight_elements += box_channels * loops.input_channels * loops.kernel_taps;
  } else if (layer.kind == LayerKind::kMatMul) {
    const MacLoops loops = MatMulLoops(graph, layer, output_box);
    GroupRuns columns;
    columns.Add(loops.output_channels, 1);
    compute_cycles = MacArrayCycles(config_, loops, columns);
    cost.macs = output_elements * loops.input_channels;
    cost.vector_ops = output_elements * EpilogueSteps(layer);
  } else if (layer.kind == LayerKind::kTensorOp) {
    const TensorOpCompute compute =
        TensorOpRunCost(config_, graph, layer_id, output_box, input_elements);
    compute_cycles = compute.cycles;
    cost.macs = compute.macs;
    cost.vector_ops = compute.vector_ops;
  } else {
    cost.vector_ops = output_elements * VectorOpsPerElement(layer);
    compute_cycles = CeilDiv(cost.vector_ops, config_.vector_ops_per_cycle);
  }
  read_bytes += WeightBytes(weight_elements);
  const int64_t written_bytes = output_elements * config_.activation_bytes;

  // Step 3: the tile takes the longer of compute and buffer traffic.
  const int64_t buffer_cycles =
      CeilDiv(read_bytes + written_bytes, config_.buffer_bandwidth_bytes_per_cycle);
  cost.cycles = std::max<int64_t>({compute_cycles, buffer_cycles, 1});
  cost.energy_pj = static_cast<double>(cost.macs) * config_.mac_energy_pj +
                   static_cast<double>(cost.vector_ops) * config_.vector_op_energy_pj +
                   static_cast<double>(read_bytes) * config_.buffer_read_energy_pj_per_byte +
                   static_cast<double>(written_bytes) * config_.buffer_write_energy_pj_per_byte;
  return cost;
}

Bounds CostModel::ComputeBounds(const LayerGraph& graph) const {
  Bounds bounds;
  const auto layer_count = static_cast<LayerId>(graph.layers.size());

  // Compute bound: each layer on its best mapping, over the part of its output that a
  // consumer reads or that is a network output. A schedule may skip the rest (a 3x3
  // stride-3 pool of 14 rows reads only 12), so counting whole outputs would overstate it.
  std::vector<Box> needed(graph.layers.size());
  for (LayerId layer_id = layer_count - 1; layer_id >= 0; --layer_id) {
    const graph::Tensor& output = graph.OutputOf(layer_id);
    if (output.is_graph_output) needed[layer_id] = Box::Full(output.shape);
    for (LayerId consumer : output.consumers) {
      const Layer& consumer_layer = graph.layer(consumer);
      if (needed[consumer].IsEmpty()) continue;
      for (int operand = 0; operand < static_cast<int>(consumer_layer.inputs.size()); ++operand) {
        if (consumer_layer.inputs[operand] != graph.layer(layer_id).output) continue;
        needed[layer_id] = needed[layer_id].BoundingUnion(
            graph::InputBox(graph, consumer, operand, needed[consumer]));
      }
    }
    if (!needed[layer_id].IsEmpty()) {
      bounds.compute_bound_cycles += LayerTileCost(graph, layer_id, needed[layer_id]).cycles;
    }
  }

  // DRAM bound: every constant tensor once, however many layers read it, plus the network
  // inputs that a layer reads and the network outputs. The epilogue vectors (scale, bias) are not counted: they travel in
  // the command stream's layer table with the compute descriptors, and no DMA moves them.
  std::vector<bool> counted(graph.tensors.size(), false);
  int64_t dram_bytes = 0;
  const auto count_tensor = [&](graph::TensorId tensor_id) {
    if (counted[tensor_id]) return;
    counted[tensor_id] = true;
    const graph::Tensor& tensor = graph.tensor(tensor_id);
    dram_bytes += tensor.IsConstant() ? WeightBytes(tensor.ElementCount())
                                      : tensor.ElementCount() * config_.activation_bytes;
  };
  for (LayerId layer_id = 0; layer_id < layer_count; ++layer_id) {
    const Layer& layer = graph.layer(layer_id);
    if (layer.weight) count_tensor(*layer.weight);
    for (graph::TensorId input : layer.inputs) {
      if (graph.tensor(input).IsConstant()) count_tensor(input);
    }
  }
  for (graph::TensorId input : graph.inputs) {
    // An input that only shape computations read (folded at import) is never loaded.
    const graph::Tensor& tensor = graph.tensor(input);
    if (!tensor.consumers.empty() || tensor.is_graph_output) count_tensor(input);
  }
  for (graph::TensorId output : graph.outputs) count_tensor(output);
  bounds.dram_bound_cycles = CeilDiv(DmaCycles(dram_bytes), config_.dma_queues);

  bounds.peak_compute_cycles = CeilDiv(graph.MacCount(), config_.MacCount());
  return bounds;
}

TileCost PartialSumTileCost(const TileCost& whole, int64_t slice_channels,
                                  int64_t total_channels) {
  if (slice_channels >= total_channels || total_channels <= 0) return whole;
  TileCost part;
  const auto scale_up = [&](int64_t value) {
    // 128-bit arithmetic keeps value * slice exact for any 64-bit value.
    const __int128 scaled = static_cast<__int128>(value) * slice_channels;
    return static_cast<int64_t>((scaled + total_channels - 1) / total_channels);
  };
  part.cycles = std::max<int64_t>(1, scale_up(whole.cycles));
  part.macs = scale_up(whole.macs);
  part.vector_ops = scale_up(whole.vector_ops);
  part.energy_pj = whole.energy_pj * static_cast<double>(slice_channels) /
                   static_cast<double>(total_channels);
  return part;
}

}  // namespace soma::arch
