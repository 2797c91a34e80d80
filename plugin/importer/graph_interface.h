// graph_interface.h: the graph's inputs (with symbolic dimensions bound) and outputs.
#ifndef SOMA_IMPORTER_GRAPH_INTERFACE_H_
#define SOMA_IMPORTER_GRAPH_INTERFACE_H_

#include "absl/status/status.h"
#include "importer/importer.h"
#include "importer/lowering_context.h"

namespace soma::importer {

/// Adds every real graph input (initializers listed as inputs, as IR 3 files do, are
/// constants, not inputs) with its dims: `options.batch` replaces dimension 0, and
/// `options.dims` binds symbolic dimensions by name. InvalidArgument names the input, the
/// dimension index and name, and the `--soma-dim NAME=VALUE` flag that binds it.
absl::Status AddGraphInputs(const ImportOptions& options, LoweringContext& context);

/// Marks the graph outputs: each tensor takes its output's name and ONNX dims. Unimplemented
/// when an output is a constant or two outputs are the same tensor; InvalidArgument when a
/// declared static shape disagrees with the computed one.
absl::Status MarkGraphOutputs(const ImportOptions& options, LoweringContext& context);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_GRAPH_INTERFACE_H_
