// shape_common.h: registration hooks and message helpers shared by the shape, neural and
// control operator files (internal).
//
// The shape family is split by concept over shape_ops.cc (dims and constants),
// shape_movement.cc (transpose, concat, split, slice, tile, pad), shape_indexing.cc
// (gather, scatter, selection) and shape_resize.cc (Resize, Upsample); each part has its
// own registration function, and RegisterShapeOps calls them all. Broadcasting, strides,
// type rounding and input access come from tensor_math.h.
#ifndef SOMA_ONNX_OPS_SHAPE_COMMON_H_
#define SOMA_ONNX_OPS_SHAPE_COMMON_H_

#include <string>

#include "absl/status/status.h"
#include "onnx_ops/op_table.h"

namespace soma::onnx_ops {

void RegisterShapeMovementOps(OpTable& table);
void RegisterShapeIndexingOps(OpTable& table);
void RegisterShapeResizeOps(OpTable& table);
void RegisterNeuralConvOps(OpTable& table);
void RegisterNeuralPoolOps(OpTable& table);

/// InvalidArgument with the node label as prefix.
absl::Status InvalidNodeArgument(const OpCall& call, const std::string& message);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_SHAPE_COMMON_H_
