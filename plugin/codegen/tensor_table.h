// tensor_table.h: LayerGraph tensors as the stream's tensor table and constant blob, and back.
#ifndef SOMA_CODEGEN_TENSOR_TABLE_H_
#define SOMA_CODEGEN_TENSOR_TABLE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Bytes of one element of `tensor` in DRAM and in the buffer: the config's `weight_bytes`
/// for constant tensors, `activation_bytes` otherwise.
int64_t TensorElementBytes(const graph::Tensor& tensor, const arch::ArchConfig& config);

/// Appends one Tensor entry per graph tensor, in id order, to `command_stream`: role, shapes,
/// element bytes and constant contents. Explicit constant values are appended to the constant
/// blob as little-endian float32; a fill constant stays one value however large the tensor.
/// DRAM placement is left unset (codegen assigns it from the transfers).
void EncodeTensorTable(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                       stream::CommandStream* command_stream);

/// Decodes the tensor table: names, shapes, ONNX dims and constants. Graph input and output
/// flags and producer and consumer links are left for the caller. InvalidArgument, naming the
/// tensor, on an id out of order, a shape that is not four positive extents, or constant data
/// outside the blob or of the wrong size.
absl::StatusOr<std::vector<graph::Tensor>> DecodeTensorTable(
    const stream::CommandStream& command_stream);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_TENSOR_TABLE_H_
