// interval_packing.h: placing blocks with lifetimes into a linear address space, and
// checking a placement.
//
// Program-independent, so both the buffer allocator and its tests use it directly.
#ifndef SOMA_ALLOC_INTERVAL_PACKING_H_
#define SOMA_ALLOC_INTERVAL_PACKING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"

namespace soma::alloc {

/// A block of `bytes` bytes live during positions [start, end).
struct PackingItem {
  int64_t bytes = 0;
  int start = 0;
  int end = 0;
};

/// The reason an item found no place.
struct PackingFailure {
  /// Index of the item without a place.
  int item = -1;
  /// The largest aligned free gap below the capacity while the item is live.
  int64_t largest_gap_bytes = 0;
  int64_t largest_gap_offset = 0;
  /// Placed items whose lifetimes overlap the item's, largest first (at most three).
  std::vector<int> blockers;
};

struct PackingResult {
  /// Offset of every item (multiples of the alignment); meaningful when `failure` is
  /// empty.
  std::vector<int64_t> offsets;
  /// Highest end offset of any placed item.
  int64_t used_bytes = 0;
  std::optional<PackingFailure> failure;
};

/// Places the items greedily: each into the smallest aligned free gap (ties: lowest offset)
/// left by the placed items whose lifetimes overlap its own, below `capacity_bytes`. The
/// items go largest first (ties: earlier start, then lower index). When that fails, they go
/// by start, then by bytes times lifetime, and the first order that places every item wins.
/// A failure reports the largest-first order's. Deterministic.
/// Items of zero bytes or empty lifetimes get offset 0 and block nothing.
/// Costs O(n * k log k) for n items with at most k overlapping lifetimes.
/// Requires: alignment_bytes >= 1.
PackingResult PackIntervals(absl::Span<const PackingItem> items, int64_t capacity_bytes,
                            int64_t alignment_bytes);

/// The first rule a placement breaks.
struct PackingViolation {
  enum class Kind { kMisaligned, kOutOfBounds, kOverlap };
  Kind kind = Kind::kOverlap;
  int item = -1;
  /// The other item of an overlap.
  int other = -1;
  /// A position where both items of an overlap are live.
  int position = 0;
};

/// Checks that every offset is aligned, every item lies inside [0, capacity_bytes), and no
/// two items with overlapping lifetimes share a byte, by a sweep over positions (O(n log n)).
/// Requires: offsets.size() == items.size() and alignment_bytes >= 1.
std::optional<PackingViolation> FindPackingViolation(absl::Span<const PackingItem> items,
                                                     absl::Span<const int64_t> offsets,
                                                     int64_t capacity_bytes,
                                                     int64_t alignment_bytes);

}  // namespace soma::alloc

#endif  // SOMA_ALLOC_INTERVAL_PACKING_H_
