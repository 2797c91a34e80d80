// timeline_reports.cc: per-group, DMA, buffer-occupancy and trace reports.
#include "report/timeline_reports.h"

#include <algorithm>
#include <array>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "report/per_layer_report.h"

namespace soma::report {

namespace {

using schedule::OpRef;
using schedule::Program;
using schedule::TransferDirection;
using schedule::TransferKind;

int64_t EndOf(const Program& program, const OpRef& ref) {
  return ref.kind == OpRef::Kind::kCompute ? program.compute_timing[ref.index].end_cycle
                                           : program.transfer_timing[ref.index].end_cycle;
}

// Position of the first compute op of `layer` tile `tile`, or -1.
std::vector<std::vector<int>> PositionsByLayerTile(const graph::LayerGraph& graph,
                                                   const Program& program) {
  std::vector<std::vector<int>> positions(graph.layers.size());
  for (const schedule::ComputeOp& op : program.compute_ops) {
    auto& layer_positions = positions[op.layer];
    if (static_cast<int>(layer_positions.size()) <= op.tile) layer_positions.resize(op.tile + 1, -1);
    if (layer_positions[op.tile] < 0) layer_positions[op.tile] = op.position;
  }
  return positions;
}

}  // namespace

std::vector<ComputeStall> ComputeStalls(const Program& program) {
  std::vector<ComputeStall> stalls(program.compute_ops.size());
  for (size_t index = 0; index < program.compute_ops.size(); ++index) {
    const int64_t queue_free = index == 0 ? 0 : program.compute_timing[index - 1].end_cycle;
    const int64_t start = program.compute_timing[index].start_cycle;
    if (start <= queue_free) continue;
    stalls[index].stall_cycles = start - queue_free;
    int64_t latest_end = std::numeric_limits<int64_t>::min();
    for (const OpRef& wait : program.compute_waits[index]) {
      const int64_t end = EndOf(program, wait);
      if (end > latest_end) {
        latest_end = end;
        stalls[index].transfer = wait.kind == OpRef::Kind::kTransfer ? wait.index : -1;
      }
    }
  }
  return stalls;
}

std::string PerGroupCsv(const graph::LayerGraph& graph, const Program& program) {
  std::string csv =
      "group,first_layer,last_layer,layers,subgroups,tile_counts,compute_tiles,compute_cycles,"
      "input_dram_bytes,weight_dram_bytes,output_dram_bytes,start_cycle,end_cycle\n";
  const auto& fusion = program.schedule.fusion;
  // DRAM bytes per group and transfer kind, attributed through the transfer's layer.
  std::vector<int> group_of_layer(graph.layers.size(), -1);
  for (size_t group = 0; group < program.groups.size(); ++group) {
    const schedule::GroupLayout& layout = program.groups[group];
    for (int index = layout.first_order_index; index <= layout.last_order_index; ++index) {
      group_of_layer[fusion.order[index]] = static_cast<int>(group);
    }
  }
  std::vector<std::array<int64_t, 3>> bytes_by_group(program.groups.size(), {0, 0, 0});
  for (const schedule::TransferOp& transfer : program.transfers) {
    const int group = group_of_layer[transfer.key.layer];
    if (group >= 0) bytes_by_group[group][static_cast<int>(transfer.key.kind)] += transfer.bytes;
  }
  for (size_t group = 0; group < program.groups.size(); ++group) {
    const schedule::GroupLayout& layout = program.groups[group];
    std::vector<int> tile_counts(fusion.tile_counts.begin() + layout.first_subgroup,
                                 fusion.tile_counts.begin() + layout.first_subgroup + layout.subgroup_count);
    int64_t compute_cycles = 0;
    int64_t start_cycle = std::numeric_limits<int64_t>::max();
    int64_t end_cycle = 0;
    for (int position = layout.first_position; position < layout.end_position; ++position) {
      compute_cycles += program.compute_ops[position].cycles;
      start_cycle = std::min(start_cycle, program.compute_timing[position].start_cycle);
      end_cycle = std::max(end_cycle, program.compute_timing[position].end_cycle);
    }
    const std::array<int64_t, 3>& bytes = bytes_by_group[group];
    const graph::Layer& first = graph.layer(fusion.order[layout.first_order_index]);
    const graph::Layer& last = graph.layer(fusion.order[layout.last_order_index]);
    absl::StrAppend(&csv, group, ",", CsvField(first.name), ",", CsvField(last.name), ",",
                    layout.last_order_index - layout.first_order_index + 1, ",",
                    layout.subgroup_count, ",", absl::StrJoin(tile_counts, ";"), ",",
                    layout.end_position - layout.first_position, ",", compute_cycles, ",",
                    bytes[static_cast<int>(TransferKind::kLoadInput)], ",",
                    bytes[static_cast<int>(TransferKind::kLoadWeight)], ",",
                    bytes[static_cast<int>(TransferKind::kStoreOutput)], ",",
                    layout.end_position > layout.first_position ? start_cycle : 0, ",", end_cycle,
                    "\n");
  }
  return csv;
}

std::string DmaCsv(const graph::LayerGraph& graph, const Program& program) {
  const std::vector<ComputeStall> stalls = ComputeStalls(program);
  std::vector<int64_t> stall_by_transfer(program.transfers.size(), 0);
  for (const ComputeStall& stall : stalls) {
    if (stall.transfer >= 0) stall_by_transfer[stall.transfer] += stall.stall_cycles;
  }
  const auto positions = PositionsByLayerTile(graph, program);
  std::string csv =
      "transfer,tensor,layer,tile,direction,kind,bytes,queue,start_cycle,end_cycle,"
      "lifetime_start,lifetime_end,prefetch_distance,stall_cycles\n";
  for (const std::vector<int>& queue : program.dma_queues) {
    for (int id : queue) {
      const schedule::TransferOp& transfer = program.transfers[id];
      const schedule::Lifetime& lifetime = program.schedule.dram.lifetimes[id];
      const auto& layer_positions = positions[transfer.key.layer];
      const int tile_position = transfer.key.tile < static_cast<int>(layer_positions.size())
                                    ? layer_positions[transfer.key.tile]
                                    : -1;
      const int prefetch_distance = transfer.direction == TransferDirection::kLoad
                                        ? tile_position - lifetime.start
                                        : lifetime.end - tile_position;
      absl::StrAppend(&csv, id, ",", CsvField(graph.tensor(transfer.tensor).name), ",",
                      CsvField(graph.layer(transfer.key.layer).name), ",", transfer.key.tile, ",",
                      transfer.direction == TransferDirection::kLoad ? "load" : "store", ",",
                      schedule::TransferKindName(transfer.key.kind), ",", transfer.bytes, ",",
                      transfer.queue, ",", program.transfer_timing[id].start_cycle, ",",
                      program.transfer_timing[id].end_cycle, ",", lifetime.start, ",",
                      lifetime.end, ",", prefetch_distance, ",", stall_by_transfer[id], "\n");
    }
  }
  return csv;
}

std::string BufferCsv(const Program& program) {
  const int positions = static_cast<int>(program.compute_ops.size());
  // Difference arrays over positions -1 .. positions, one per residency kind.
  constexpr int kKinds = 4;
  std::vector<std::array<int64_t, kKinds>> delta(positions + 2, {0, 0, 0, 0});
  for (const schedule::Residency& residency : program.residencies) {
    const int kind = static_cast<int>(residency.kind);
    const int start = std::clamp(residency.lifetime.start, -1, positions) + 1;
    const int end = std::clamp(residency.lifetime.end, -1, positions) + 1;
    if (end <= start) continue;
    delta[start][kind] += residency.bytes;
    delta[end][kind] -= residency.bytes;
  }
  std::string csv =
      "position,start_cycle,live_bytes,weight_bytes,loaded_input_bytes,tile_output_bytes,"
      "full_map_bytes\n";
  std::array<int64_t, kKinds> live = {0, 0, 0, 0};
  for (int slot = 0; slot <= positions; ++slot) {
    for (int kind = 0; kind < kKinds; ++kind) live[kind] += delta[slot][kind];
    const int position = slot - 1;
    const int64_t start_cycle = position < 0 ? 0 : program.compute_timing[position].start_cycle;
    using schedule::ResidencyKind;
    absl::StrAppend(&csv, position, ",", start_cycle, ",",
                    live[0] + live[1] + live[2] + live[3], ",",
                    live[static_cast<int>(ResidencyKind::kWeight)], ",",
                    live[static_cast<int>(ResidencyKind::kLoadedInput)], ",",
                    live[static_cast<int>(ResidencyKind::kTileOutput)], ",",
                    live[static_cast<int>(ResidencyKind::kFullMap)], "\n");
  }
  return csv;
}

std::string TraceJson(const graph::LayerGraph& graph, const Program& program,
                      const arch::ArchConfig& config) {
  const double cycles_per_microsecond = static_cast<double>(config.clock_hz) / 1e6;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  auto add_thread_name = [&](int tid, const std::string& name) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", tid},
                      {"args", {{"name", name}}}});
  };
  add_thread_name(0, "compute");
  for (size_t queue = 0; queue < program.dma_queues.size(); ++queue) {
    add_thread_name(static_cast<int>(queue) + 1, absl::StrCat("dma", queue));
  }
  auto slice = [&](const std::string& name, const char* category, int tid, int64_t start,
                   int64_t end, nlohmann::ordered_json args) {
    events.push_back({{"name", name}, {"cat", category}, {"ph", "X"}, {"pid", 0}, {"tid", tid},
                      {"ts", static_cast<double>(start) / cycles_per_microsecond},
                      {"dur", static_cast<double>(end - start) / cycles_per_microsecond},
                      {"args", std::move(args)}});
  };
  for (size_t index = 0; index < program.compute_ops.size(); ++index) {
    const schedule::ComputeOp& op = program.compute_ops[index];
    slice(absl::StrCat(graph.layer(op.layer).name, " t", op.tile), "compute", 0,
          program.compute_timing[index].start_cycle, program.compute_timing[index].end_cycle,
          {{"position", op.position}, {"group", op.group}, {"cycles", op.cycles}});
  }
  for (size_t id = 0; id < program.transfers.size(); ++id) {
    const schedule::TransferOp& transfer = program.transfers[id];
    slice(absl::StrCat(transfer.direction == TransferDirection::kLoad ? "load " : "store ",
                       graph.tensor(transfer.tensor).name, " t", transfer.key.tile),
          "dma", transfer.queue + 1, program.transfer_timing[id].start_cycle,
          program.transfer_timing[id].end_cycle,
          {{"transfer", static_cast<int>(id)}, {"bytes", transfer.bytes},
           {"layer", graph.layer(transfer.key.layer).name}});
  }
  nlohmann::ordered_json trace;
  trace["traceEvents"] = std::move(events);
  trace["displayTimeUnit"] = "ns";
  return trace.dump() + "\n";
}

}  // namespace soma::report
