// reference_executor.h: runs a LayerGraph layer by layer on whole tensors with the
// reference kernels; the oracle for functional replay and the project's own models.
#ifndef SOMA_KERNELS_REFERENCE_EXECUTOR_H_
#define SOMA_KERNELS_REFERENCE_EXECUTOR_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"

namespace soma::kernels {

/// Dense NCHW values of one tensor.
using TensorValues = std::vector<float>;

/// Options of the reference executor.
struct ReferenceOptions {
  /// Worker threads per kernel call; 0 uses std::thread::hardware_concurrency().
  int thread_count = 0;
};

/// Runs the graph. `inputs` maps every graph input's tensor id to its values; the result
/// maps every graph output's tensor id to its values. InvalidArgument names a graph input
/// that is missing or has the wrong element count, and an id that is not a graph input.
absl::StatusOr<std::map<graph::TensorId, TensorValues>> ExecuteReference(
    const graph::LayerGraph& graph, const std::map<graph::TensorId, TensorValues>& inputs);

/// As above, with explicit options.
absl::StatusOr<std::map<graph::TensorId, TensorValues>> ExecuteReference(
    const graph::LayerGraph& graph, const std::map<graph::TensorId, TensorValues>& inputs,
    const ReferenceOptions& options);

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_REFERENCE_EXECUTOR_H_
