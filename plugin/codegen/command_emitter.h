// command_emitter.h: the Compute and Dma commands of a Program, with buffer addresses from
// the allocation and DRAM addresses from the stream's tensor table.
#ifndef SOMA_CODEGEN_COMMAND_EMITTER_H_
#define SOMA_CODEGEN_COMMAND_EMITTER_H_

#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "alloc/buffer_allocation.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Position of the command being built: its queue and its index among all of the queue's
/// commands (waits included). Errors name the command by it.
struct CommandPlace {
  int queue = 0;
  int command_index = 0;
};

/// Builds one command per compute op or transfer. Every error is Internal and names the
/// command (queue, index, origin node) with the offending numbers.
class CommandEmitter {
 public:
  /// Requires: `tables` contains the tensor table with DRAM placement and the hardware of the
  /// stream being built, and every argument outlives the emitter.
  CommandEmitter(const graph::LayerGraph& graph, const schedule::Program& program,
                 const alloc::BufferAllocation& allocation, const stream::CommandStream& tables);

  /// The Compute command of compute op `compute_index`: one output operand per output
  /// residency, input and weight operands from the op's operands, its cycles and origin.
  absl::StatusOr<stream::Command> EmitCompute(int compute_index, CommandPlace place) const;

  /// The Dma load or store of transfer `transfer_id`. Its DRAM address is the tensor's byte
  /// offset plus the dense NCHW index of box.lo times the element bytes. Its buffer address is
  /// the residency's offset plus the dense index of box.lo inside the residency's box, in bytes
  /// likewise.
  absl::StatusOr<stream::Command> EmitTransfer(int transfer_id, CommandPlace place) const;

 private:
  // A residency resolved to its buffer bytes.
  struct Region {
    int64_t offset_bytes = 0;
    graph::Box box;
    graph::TensorId tensor = -1;
    int64_t element_bytes = 0;
  };

  absl::StatusOr<Region> ResolveResidency(int residency_index,
                                          const std::string& command_name) const;
  absl::StatusOr<stream::Operand> MakeOperand(int residency_index, graph::TensorId tensor,
                                              const graph::Box& box, const std::string& role,
                                              const std::string& command_name) const;
  stream::Origin TransferOrigin(const schedule::TransferOp& transfer) const;
  std::string NodeOf(graph::LayerId layer_id) const;

  const graph::LayerGraph& graph_;
  const schedule::Program& program_;
  const alloc::BufferAllocation& allocation_;
  const stream::CommandStream& tables_;
  /// (layer, tile) -> the first and the last compute op that computes it.
  std::map<std::pair<graph::LayerId, int>, std::pair<int, int>> tile_ops_;
};

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_COMMAND_EMITTER_H_
