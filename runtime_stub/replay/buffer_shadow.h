// buffer_shadow.h: the structural replay's shadow of the global buffer.
//
// The buffer is cut into slots of SlotBytes() bytes. Every slot keeps the write record that
// last wrote it (which command, which tensor, and where that command placed each element of
// its box), and, per queue, the last work command that read it. A read checks that each slot
// contains the element it expects, written by a command ordered before the read; a write checks
// that every earlier access on another queue is ordered before it. Memory: 4 bytes per slot
// for the writer plus 4 per slot and queue for the readers, in flat arrays.
#ifndef SOMA_REPLAY_BUFFER_SHADOW_H_
#define SOMA_REPLAY_BUFFER_SHADOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "replay/command_table.h"
#include "replay/finding.h"
#include "replay/happens_before.h"
#include "replay/tensor_layout.h"

namespace soma::replay {

/// State of the value in an element slot.
enum class DataState {
  /// A loaded value or a finished compute result.
  kFinal,
  /// A partial sum over an input-channel slice, written by a compute without final_partial;
  /// only a later compute that accumulates may read it.
  kPartialSum,
};

class BufferShadow {
 public:
  /// Borrows every argument; they must outlive the shadow.
  /// Requires: `hb` is complete.
  BufferShadow(const CommandTable& table, const HappensBefore& hb, int64_t buffer_bytes,
               int64_t slot_bytes, FindingList* findings);

  /// Checks that `access` lies inside the buffer (else adds a kOutOfBounds finding naming
  /// `operand_name`) and starts on a slot boundary (else a kMalformedCommand finding).
  bool CheckBounds(int work_id, const BufferAccess& access, const std::string& operand_name);
  /// Checks that every element of `access` contains what work command `work_id` expects, in
  /// state `expected`, written by a command ordered before it. Then records the read. Adds
  /// at most one finding.
  /// Requires: CheckBounds(access) passed.
  void Read(int work_id, const BufferAccess& access, const std::string& operand_name,
            DataState expected = DataState::kFinal);
  /// Checks that no earlier access on another queue races with this write, then records
  /// `access` as the slots' content, in state `written`. Adds at most one finding.
  /// Requires: CheckBounds(access) passed.
  void Write(int work_id, const BufferAccess& access, const std::string& operand_name,
             DataState written = DataState::kFinal);

 private:
  struct WriteRecord {
    int work_id = -1;
    BufferAccess access;
    DataState state = DataState::kFinal;
  };

  int32_t& ReaderOf(int queue, int64_t slot) {
    return readers_[static_cast<size_t>(queue) * slot_count_ + slot];
  }
  /// Adds the finding for a read of `x` at `address` whose slot contains record `record_id`
  /// (-1: never written).
  void ReportBadRead(int work_id, const BufferAccess& access, const std::string& operand_name,
                     const Coordinate& x, int64_t address, int32_t record_id);
  /// "element [x] of tensor "t"".
  std::string DescribeElement(int tensor, const Coordinate& x) const;
  /// "add a Wait for N commands of queue Q before it", the wait that orders `work_id` first.
  std::string SuggestWait(int work_id) const;

  const CommandTable& table_;
  const HappensBefore& hb_;
  FindingList* findings_;
  int64_t slot_bytes_;
  int64_t slot_count_;
  std::vector<WriteRecord> records_;
  /// Record id of every slot's last writer; -1 when never written.
  std::vector<int32_t> writers_;
  /// queue_count x slot_count work ids of every slot's last reader per queue; -1 for none.
  std::vector<int32_t> readers_;
};

}  // namespace soma::replay

#endif  // SOMA_REPLAY_BUFFER_SHADOW_H_
