// placement.cc: placement kind names and the placement table as CSV.
#include "importer/placement.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace soma::importer {

namespace {

// Quotes a CSV field when it contains a comma, a quote or a line break (RFC 4180).
std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

}  // namespace

const char* PlacementKindName(PlacementKind kind) {
  switch (kind) {
    case PlacementKind::kNpu: return "npu";
    case PlacementKind::kFolded: return "folded";
    case PlacementKind::kHost: return "host";
    case PlacementKind::kError: return "error";
  }
  return "unknown";
}

std::string PlacementTableToCsv(const PlacementTable& table,
                                const std::vector<std::string>& layer_names) {
  std::string csv = "node,op_type,placement,layer,detail\n";
  for (const Placement& placement : table) {
    // The layer column contains the layer's name when `layer_names` covers it, else its id,
    // and stays empty for nodes that belong to no layer.
    std::string layer;
    if (placement.layer >= 0) {
      layer = placement.layer < static_cast<int>(layer_names.size())
                  ? layer_names[placement.layer]
                  : absl::StrCat(placement.layer);
    }
    absl::StrAppend(&csv, CsvField(placement.node_name), ",", CsvField(placement.op_type), ",",
                    PlacementKindName(placement.kind), ",", CsvField(layer), ",",
                    CsvField(placement.detail), "\n");
  }
  return csv;
}

}  // namespace soma::importer
