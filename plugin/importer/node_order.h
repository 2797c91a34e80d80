// node_order.h: a stable topological order of an ONNX graph's nodes.
#ifndef SOMA_IMPORTER_NODE_ORDER_H_
#define SOMA_IMPORTER_NODE_ORDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// Returns node indices in a topological order that keeps file order wherever the data
/// dependencies allow it (Kahn's algorithm, always taking the ready node that comes first in
/// the file), so a sorted graph keeps its order. `labels[i]` names node i in messages.
/// InvalidArgument when two nodes write the same value, or when the nodes form a cycle; the
/// message names a node on the cycle.
absl::StatusOr<std::vector<int>> TopologicalNodeOrder(const onnx::GraphProto& graph,
                                                      const std::vector<std::string>& labels);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_NODE_ORDER_H_
