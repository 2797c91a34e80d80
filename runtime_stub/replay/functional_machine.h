// functional_machine.h: the fp32 state of DRAM and the buffer, and the execution of one
// command on it.
#ifndef SOMA_REPLAY_FUNCTIONAL_MACHINE_H_
#define SOMA_REPLAY_FUNCTIONAL_MACHINE_H_

#include <cstdint>
#include <map>
#include <vector>

#include "graph/layer_graph.h"
#include "replay/command_table.h"
#include "replay/finding.h"
#include "replay/tensor_layout.h"

namespace soma::replay {

class FunctionalMachine {
 public:
  /// Borrows every argument; they must outlive the machine. Fills DRAM with the constants
  /// and with `inputs` (values of every network input, by tensor id).
  /// Requires: the stream passed CheckExecutable, and `graph` is its decoded layer graph.
  FunctionalMachine(const CommandTable& table, const graph::LayerGraph& graph,
                    const std::map<int, std::vector<float>>& inputs, FindingList* findings);

  /// Runs work command `work_id`. Adds a finding and skips the command when an access lies
  /// outside the buffer or the kernel rejects its operands.
  void Execute(int work_id);

  /// DRAM values of tensor `tensor_id` in NCHW order (zeros where nothing was stored).
  const std::vector<float>& DramValues(int tensor_id);

 private:
  /// Dense fp32 view of an operand's region: a pointer into the buffer when elements are one
  /// slot wide, else a gathered copy.
  struct RegionData {
    float* data = nullptr;
    std::vector<float> copy;
  };

  void Load(int work_id, const stream::Dma& dma);
  void Store(int work_id, const stream::Dma& dma);
  void Compute(int work_id, const stream::Compute& compute);
  bool CheckBounds(int work_id, const BufferAccess& access, const char* operand_name);
  int64_t ElementBytesOf(uint32_t tensor_id) const;
  /// The region of `operand`, with the elements of `box` filled in when copied.
  RegionData ViewRegion(const stream::Operand& operand, const graph::Box& box);
  /// Writes `box` of a copied region back into the buffer; nothing for direct views.
  void WriteBack(const stream::Operand& operand, const graph::Box& box, const RegionData& region);
  float& Slot(int64_t address) { return buffer_[address / slot_bytes_]; }

  const CommandTable& table_;
  const graph::LayerGraph& graph_;
  FindingList* findings_;
  int64_t buffer_bytes_;
  int64_t slot_bytes_;
  std::vector<float> buffer_;
  /// Per tensor, allocated when first loaded, stored or filled.
  std::vector<std::vector<float>> dram_;
};

}  // namespace soma::replay

#endif  // SOMA_REPLAY_FUNCTIONAL_MACHINE_H_
