// dram_shadow.h: the structural replay's view of DRAM: transfer addressing, which store
// wrote each activation element, and which network output elements were written.
#ifndef SOMA_REPLAY_DRAM_SHADOW_H_
#define SOMA_REPLAY_DRAM_SHADOW_H_

#include <cstdint>
#include <vector>

#include "replay/command_table.h"
#include "replay/finding.h"
#include "replay/happens_before.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

class DramShadow {
 public:
  /// Borrows every argument; they must outlive the shadow.
  DramShadow(const CommandTable& table, const HappensBefore& hb, FindingList* findings);

  /// Checks the DRAM side of work command `work_id`, a load or store of `dma`. Every element
  /// must lie inside the tensor's DRAM range (else a kOutOfBounds finding). The DRAM address
  /// and strides must address exactly the box's elements in the tensor's NCHW layout (else a
  /// kMalformedCommand finding). Returns false when the transfer must not run.
  bool CheckAddressing(int work_id, const stream::Dma& dma);
  /// Checks that every element a load of an activation tensor reads was written by a store
  /// ordered before it (network inputs and constants are always present). Adds at most one
  /// kLoadBeforeStore or kRace finding.
  void Load(int work_id, const stream::Dma& dma);
  /// Records that work command `work_id` stored the box.
  void Store(int work_id, const stream::Dma& dma);
  /// Adds a kOutputNeverWritten finding for every network output with an element that no
  /// store wrote, naming the first such element and the count.
  void CheckOutputsWritten();

 private:
  /// True for tensors whose DRAM contents only stores create.
  bool IsTrackedTensor(int tensor_id) const;
  std::vector<int32_t>& StoresOf(int tensor_id);

  const CommandTable& table_;
  const HappensBefore& hb_;
  FindingList* findings_;
  /// Per tensor: the work id of the last store of every element (-1: none), allocated on the
  /// first store or load of a tracked tensor.
  std::vector<std::vector<int32_t>> stores_;
};

}  // namespace soma::replay

#endif  // SOMA_REPLAY_DRAM_SHADOW_H_
