// timeline_reports.h: reports over the timed Program: per_group.csv, dma.csv, buffer.csv
// and trace.json (Chrome trace format, opens in Perfetto).
#ifndef SOMA_REPORT_TIMELINE_REPORTS_H_
#define SOMA_REPORT_TIMELINE_REPORTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"

namespace soma::report {

/// Cycles compute op `index` waited beyond the end of the previous compute op, and the
/// transfer that finished last among its waits (the one that caused the stall), if any.
struct ComputeStall {
  int64_t stall_cycles = 0;
  int transfer = -1;
};
std::vector<ComputeStall> ComputeStalls(const schedule::Program& program);

/// Columns: group, first_layer, last_layer, layers, subgroups, tile_counts, compute_tiles,
/// compute_cycles, input_dram_bytes, weight_dram_bytes, output_dram_bytes, start_cycle,
/// end_cycle.
std::string PerGroupCsv(const graph::LayerGraph& graph, const schedule::Program& program);

/// One row per transfer in queue order. Columns: transfer, tensor, layer, tile, direction,
/// kind, bytes, queue, start_cycle, end_cycle, lifetime_start, lifetime_end,
/// prefetch_distance (tiles between a load's lifetime start and its first use, or between
/// a store's producing tile and its lifetime end), stall_cycles (compute stall it caused).
std::string DmaCsv(const graph::LayerGraph& graph, const schedule::Program& program);

/// Buffer occupancy at every compute position. Columns: position, start_cycle, live_bytes,
/// weight_bytes, loaded_input_bytes, tile_output_bytes, full_map_bytes.
std::string BufferCsv(const schedule::Program& program);

/// Chrome trace JSON: one track per queue, one slice per operation, timestamps in
/// microseconds of the configured clock.
std::string TraceJson(const graph::LayerGraph& graph, const schedule::Program& program,
                      const arch::ArchConfig& config);

}  // namespace soma::report

#endif  // SOMA_REPORT_TIMELINE_REPORTS_H_
