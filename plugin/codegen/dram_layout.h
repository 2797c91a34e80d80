// dram_layout.h: DRAM placement of the tensors a command stream moves.
#ifndef SOMA_CODEGEN_DRAM_LAYOUT_H_
#define SOMA_CODEGEN_DRAM_LAYOUT_H_

#include <cstdint>

#include "absl/status/status.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Alignment of every tensor's DRAM offset, in bytes. The stream format fixes it; it is not a
/// hardware config key.
inline constexpr int64_t kDramAlignmentBytes = 64;

/// Places in DRAM every tensor that a transfer of `program` touches, plus every network input
/// and output: offsets in tensor id order, each a multiple of kDramAlignmentBytes, sized
/// element count × the entry's element_bytes.
/// Requires: `command_stream` contains the tensor table of `graph`. Internal error, naming the
/// transfer, when a transfer refers to a tensor id outside the graph.
absl::Status AssignDramPlacement(const graph::LayerGraph& graph, const schedule::Program& program,
                                 stream::CommandStream* command_stream);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_DRAM_LAYOUT_H_
