// placement.h: where every ONNX node ended up (npu, folded, host or error).
#ifndef SOMA_IMPORTER_PLACEMENT_H_
#define SOMA_IMPORTER_PLACEMENT_H_

#include <string>
#include <vector>

namespace soma::importer {

enum class PlacementKind {
  /// The node became layer `layer`.
  kNpu,
  /// The node folded into layer `layer` (BatchNormalization, activations, bias Add), or
  /// became a view or a constant (`layer` is -1), as `detail` says.
  kFolded,
  /// The node runs on the host; `detail` gives the reason.
  kHost,
  /// The node cannot be compiled; `detail` gives the reason.
  kError,
};

const char* PlacementKindName(PlacementKind kind);

struct Placement {
  std::string node_name;
  std::string op_type;
  PlacementKind kind = PlacementKind::kNpu;
  int layer = -1;
  std::string detail;
};

using PlacementTable = std::vector<Placement>;

/// The table as CSV with the header `node,op_type,placement,layer,detail`.
std::string PlacementTableToCsv(const PlacementTable& table,
                                const std::vector<std::string>& layer_names);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_PLACEMENT_H_
