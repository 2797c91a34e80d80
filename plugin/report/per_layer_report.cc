// per_layer_report.cc: per_layer.csv.
#include "report/per_layer_report.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace soma::report {

namespace {

struct LayerRow {
  int group = -1;
  int subgroup = -1;
  int tiles = 0;
  int64_t compute_cycles = 0;
  double energy_pj = 0;
  int64_t input_dram_bytes = 0;
  int64_t weight_dram_bytes = 0;
  int64_t output_dram_bytes = 0;
  int64_t first_cycle = std::numeric_limits<int64_t>::max();
  int64_t last_cycle = 0;
};

// The unit that computes the layer: the MAC array, the vector unit or the host CPU.
const char* UnitName(const graph::Layer& layer) {
  switch (layer.kind) {
    case graph::LayerKind::kConv:
    case graph::LayerKind::kFullyConnected:
    case graph::LayerKind::kMatMul:
      return "mac_array";
    case graph::LayerKind::kTensorOp: {
      const auto& params = layer.Params<graph::TensorOpParams>();
      if (params.unit == graph::ExecutionUnit::kHost) return "host";
      return params.mac_count > 0 ? "mac_array" : "vector";
    }
    default:
      return "vector";
  }
}

}  // namespace

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string PerLayerCsv(const graph::LayerGraph& graph, const schedule::Program& program) {
  std::vector<LayerRow> rows(graph.layers.size());
  for (size_t index = 0; index < program.compute_ops.size(); ++index) {
    const schedule::ComputeOp& op = program.compute_ops[index];
    LayerRow& row = rows[op.layer];
    row.group = op.group;
    row.subgroup = op.subgroup;
    ++row.tiles;
    row.compute_cycles += op.cycles;
    row.energy_pj += op.energy_pj;
    if (index < program.compute_timing.size()) {
      row.first_cycle = std::min(row.first_cycle, program.compute_timing[index].start_cycle);
      row.last_cycle = std::max(row.last_cycle, program.compute_timing[index].end_cycle);
    }
  }
  for (const schedule::TransferOp& transfer : program.transfers) {
    LayerRow& row = rows[transfer.key.layer];
    row.energy_pj += transfer.energy_pj;
    switch (transfer.key.kind) {
      case schedule::TransferKind::kLoadInput: row.input_dram_bytes += transfer.bytes; break;
      case schedule::TransferKind::kLoadWeight: row.weight_dram_bytes += transfer.bytes; break;
      case schedule::TransferKind::kStoreOutput: row.output_dram_bytes += transfer.bytes; break;
    }
  }
  std::string csv =
      "layer,name,kind,unit,onnx_nodes,group,subgroup,tiles,macs,compute_cycles,energy_pj,"
      "input_dram_bytes,weight_dram_bytes,output_dram_bytes,first_cycle,last_cycle\n";
  for (graph::LayerId id = 0; id < static_cast<graph::LayerId>(graph.layers.size()); ++id) {
    const graph::Layer& layer = graph.layer(id);
    const LayerRow& row = rows[id];
    const int64_t first_cycle = row.tiles > 0 ? row.first_cycle : 0;
    absl::StrAppend(&csv, id, ",", CsvField(layer.name), ",", graph::LayerKindName(layer.kind), ",",
                    UnitName(layer), ",", CsvField(absl::StrJoin(layer.origins, ";")), ",", row.group, ",",
                    row.subgroup, ",", row.tiles, ",", graph::LayerMacCount(graph, id), ",",
                    row.compute_cycles, ",", absl::StrFormat("%.3f", row.energy_pj), ",",
                    row.input_dram_bytes, ",", row.weight_dram_bytes, ",",
                    row.output_dram_bytes, ",", first_cycle, ",", row.last_cycle, "\n");
  }
  return csv;
}

}  // namespace soma::report
