// plane_op_tiling.h: tiling rules of the tensor operations that work on each (N, C) plane of
// a rank-4 tensor on its own.
//
// InstanceNormalization, Pad without pads on N and C, the legacy Crop and one-group
// ConvTranspose compute output plane (n, c) from input image n, with per-channel operands
// cut along C. They are parallel over the first two canonical dims (parallel_dims 2), so the
// scheduler may split their output channels.
#ifndef SOMA_IMPORTER_PLANE_OP_TILING_H_
#define SOMA_IMPORTER_PLANE_OP_TILING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "importer/tensor_op_tiling.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// InstanceNormalization: the per-channel scale and bias are sliced along C with the output.
std::optional<TensorOpTiling> InstanceNormTiling(const onnx::NodeProto& node,
                                                 const std::vector<TensorOpSlot>& slots,
                                                 const std::vector<int64_t>& output_dims);

/// Pad without pads on N and C (attribute, input and axes forms; the constant value is a
/// scalar read whole), and the legacy Crop.
std::optional<TensorOpTiling> PlaneTiling(const onnx::NodeProto& node,
                                          const std::vector<TensorOpSlot>& slots,
                                          const std::vector<int64_t>& output_dims);

/// ConvTranspose with one group: each output image depends on its input image only, and each
/// output channel on its column of the weight [Cin, Cout, kh, kw] and its bias (see
/// graph::TensorOpWindowFor for how the operands are cut).
std::optional<TensorOpTiling> ConvTransposeTiling(const onnx::NodeProto& node,
                                                  const std::vector<TensorOpSlot>& slots,
                                                  const std::vector<int64_t>& output_dims);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_PLANE_OP_TILING_H_
