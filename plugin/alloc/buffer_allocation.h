// buffer_allocation.h: byte offsets in the global buffer for every residency of a Program.
#ifndef SOMA_ALLOC_BUFFER_ALLOCATION_H_
#define SOMA_ALLOC_BUFFER_ALLOCATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "schedule/program.h"

namespace soma::alloc {

struct BufferAllocation {
  /// Byte offset of every residency, indexed like Program::residencies; each offset is a
  /// multiple of the buffer alignment.
  std::vector<int64_t> offsets;
  /// Highest end offset of any residency.
  int64_t used_bytes = 0;

  /// Checks that offsets are aligned, inside `capacity_bytes`, and that no two residencies
  /// whose lifetimes overlap share a byte. Names the two colliding residencies on failure.
  absl::Status Verify(const schedule::Program& program, int64_t capacity_bytes,
                      int64_t alignment_bytes) const;
};

/// Assigns offsets by interval packing over lifetimes. When the residencies fit by capacity
/// but not by address, returns ResourceExhausted naming the residency that found no room,
/// the bytes it needs and the largest free gap, so the scheduler can retry with less usable
/// capacity.
absl::StatusOr<BufferAllocation> AllocateBuffer(const schedule::Program& program,
                                                int64_t capacity_bytes, int64_t alignment_bytes);

}  // namespace soma::alloc

#endif  // SOMA_ALLOC_BUFFER_ALLOCATION_H_
