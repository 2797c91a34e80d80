// importer.h: ONNX model to LayerGraph, with the placement of every ONNX node.
#ifndef SOMA_IMPORTER_IMPORTER_H_
#define SOMA_IMPORTER_IMPORTER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "importer/placement.h"

namespace soma::importer {

struct ImportOptions {
  /// Values for symbolic dimensions, by dimension name (--soma-dim NAME=VALUE).
  std::map<std::string, int64_t> dims;
  /// Graph inputs that become constants with the values of a TensorProto file, by input
  /// name (--soma-constant-input), for shape operands that a model takes as inputs.
  std::map<std::string, std::string> constant_inputs;
  /// When set, rewrites the first dimension of every graph input (--soma-batch).
  std::optional<int64_t> batch;
  /// Largest model file accepted, in bytes.
  int64_t max_model_bytes = int64_t{2} << 30;
};

struct ImportResult {
  graph::LayerGraph graph;
  /// One entry per ONNX node, in the file's node order.
  PlacementTable placement;
};

/// Reads, canonicalises and shape-checks an ONNX model file.
/// Errors: InvalidArgument (missing, truncated or garbage file; unbound symbolic dimension;
/// bad attribute) and Unimplemented (unsupported op) name the file, and the node name and
/// op type where one is involved. Never throws.
absl::StatusOr<ImportResult> ImportModelFile(const std::string& path, const ImportOptions& options);
/// Same for model bytes already in memory; `source_name` names the model in messages.
absl::StatusOr<ImportResult> ImportModelBytes(const std::string& bytes, const std::string& source_name,
                                              const ImportOptions& options);

/// An import's result together with the placement table, which stays available when the
/// import fails. Nodes that could not be lowered are `error` with the reason. Lowering goes
/// on past a failed node, so one run lists every unsupported node.
struct ImportAttempt {
  absl::StatusOr<ImportResult> result;
  /// One entry per ONNX node in file order; empty when the file itself could not be read
  /// or parsed.
  PlacementTable placement;
};

/// ImportModelFile that keeps the placement table on failure.
ImportAttempt TryImportModelFile(const std::string& path, const ImportOptions& options);
/// ImportModelBytes that keeps the placement table on failure.
ImportAttempt TryImportModelBytes(const std::string& bytes, const std::string& source_name,
                                  const ImportOptions& options);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_IMPORTER_H_
