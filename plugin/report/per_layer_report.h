// per_layer_report.h: per_layer.csv, one row per layer of the schedule.
#ifndef SOMA_REPORT_PER_LAYER_REPORT_H_
#define SOMA_REPORT_PER_LAYER_REPORT_H_

#include <string>

#include "graph/layer_graph.h"
#include "schedule/program.h"

namespace soma::report {

/// Columns: layer, name, kind, unit (mac_array, vector or host), onnx_nodes, group, subgroup,
/// tiles, macs, compute_cycles, energy_pj, input_dram_bytes, weight_dram_bytes,
/// output_dram_bytes, first_cycle, last_cycle. Rows in layer id order.
std::string PerLayerCsv(const graph::LayerGraph& graph, const schedule::Program& program);

/// Quotes a CSV field when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& text);

}  // namespace soma::report

#endif  // SOMA_REPORT_PER_LAYER_REPORT_H_
