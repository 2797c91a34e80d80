// codegen.h: Program + buffer allocation to the protobuf command stream.
#ifndef SOMA_CODEGEN_CODEGEN_H_
#define SOMA_CODEGEN_CODEGEN_H_

#include "absl/status/statusor.h"
#include "alloc/buffer_allocation.h"
#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Emits the command stream: header, hardware, tensor table, constant blob, layer table, one
/// compute queue and one queue per DMA queue, with a Wait command before every command whose
/// dependencies live on another queue, and the origin of every command.
absl::StatusOr<stream::CommandStream> EmitCommandStream(const graph::LayerGraph& graph,
                                                        const schedule::Program& program,
                                                        const alloc::BufferAllocation& allocation,
                                                        const arch::ArchConfig& config);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_CODEGEN_H_
