// dram_layout.cc: DRAM placement of the tensors a command stream moves.
#include "codegen/dram_layout.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "soma/status_macros.h"

namespace soma::codegen {

absl::Status AssignDramPlacement(const graph::LayerGraph& graph, const schedule::Program& program,
                                 stream::CommandStream* command_stream) {
  const int tensor_count = static_cast<int>(graph.tensors.size());
  RET_CHECK(command_stream->tensors_size() == tensor_count,
            "the tensor table must be encoded before DRAM placement");

  std::vector<bool> in_dram(tensor_count, false);
  for (size_t transfer_id = 0; transfer_id < program.transfers.size(); ++transfer_id) {
    const schedule::TransferOp& transfer = program.transfers[transfer_id];
    if (transfer.tensor < 0 || transfer.tensor >= tensor_count) {
      return absl::InternalError(absl::StrCat(
          "transfer ", transfer_id, " (", transfer.key.ToString(), ") moves tensor id ",
          transfer.tensor, ", outside the graph's ", tensor_count, " tensors"));
    }
    in_dram[transfer.tensor] = true;
  }
  for (graph::TensorId id : graph.inputs) in_dram[id] = true;
  for (graph::TensorId id : graph.outputs) in_dram[id] = true;

  uint64_t next_offset = 0;
  for (graph::TensorId id = 0; id < tensor_count; ++id) {
    if (!in_dram[id]) continue;
    stream::Tensor* entry = command_stream->mutable_tensors(id);
    const uint64_t bytes =
        static_cast<uint64_t>(graph.tensors[id].ElementCount()) * entry->element_bytes();
    entry->set_in_dram(true);
    entry->set_dram_offset(next_offset);
    entry->set_dram_bytes(bytes);
    const uint64_t end = next_offset + bytes;
    next_offset = (end + kDramAlignmentBytes - 1) / kDramAlignmentBytes * kDramAlignmentBytes;
  }
  return absl::OkStatus();
}

}  // namespace soma::codegen
