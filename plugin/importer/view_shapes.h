// view_shapes.h: output dims of the ops that only reinterpret their input's shape
// (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout), for activations and constants.
#ifndef SOMA_IMPORTER_VIEW_SHAPES_H_
#define SOMA_IMPORTER_VIEW_SHAPES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/lowering_context.h"

namespace soma::importer {

/// True for the view operators listed above.
bool IsViewOperator(std::string_view op_type);

/// The ONNX dims of the view node's output for input dims `input_dims`. Reads the node's
/// attributes and its constant shape or axes input (Reshape's `shape`; Squeeze and Unsqueeze
/// `axes`, an input from opset 13). Resolves Reshape's 0 (copy, unless allowzero=1) and -1
/// (infer). InvalidArgument names the node and the offending value.
absl::StatusOr<std::vector<int64_t>> ViewOutputDims(const NodeScope& scope,
                                                    const LoweringContext& context,
                                                    const std::vector<int64_t>& input_dims);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_VIEW_SHAPES_H_
