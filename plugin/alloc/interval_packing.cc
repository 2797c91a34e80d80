// interval_packing.cc: greedy-by-size best-fit packing and the sweep that checks it.
#include "alloc/interval_packing.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <queue>
#include <utility>

namespace soma::alloc {

namespace {

// How many blocking items a failure lists.
constexpr int kListedBlockers = 3;

int64_t AlignUp(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

bool IsTrivial(const PackingItem& item) { return item.bytes <= 0 || item.start >= item.end; }

bool LifetimesOverlap(const PackingItem& a, const PackingItem& b) {
  return a.start < b.end && b.start < a.end;
}

// A placed item's address range.
struct Range {
  int64_t offset;
  int64_t end;
  int item;
};

}  // namespace

namespace {

// Places the items in `order`, each into the smallest aligned gap that fits it.
PackingResult PackInOrder(absl::Span<const PackingItem> items, const std::vector<int>& order,
                          int64_t capacity_bytes, int64_t alignment_bytes) {
  PackingResult result;
  result.offsets.assign(items.size(), 0);

  std::vector<int> placed;
  std::vector<Range> live;
  for (int item : order) {
    if (IsTrivial(items[item])) continue;
    // Step 1: the placed items live at the same time, by offset.
    live.clear();
    for (int other : placed) {
      if (LifetimesOverlap(items[item], items[other])) {
        live.push_back({result.offsets[other], result.offsets[other] + items[other].bytes, other});
      }
    }
    std::sort(live.begin(), live.end(), [](const Range& a, const Range& b) {
      return a.offset != b.offset ? a.offset < b.offset : a.item < b.item;
    });

    // Step 2: the smallest aligned gap that fits the item, and the largest gap overall.
    std::optional<int64_t> best_offset;
    int64_t best_gap = 0;
    int64_t largest_gap = 0;
    int64_t largest_gap_offset = 0;
    int64_t cursor = 0;
    const auto consider_gap = [&](int64_t gap_end) {
      const int64_t start = AlignUp(cursor, alignment_bytes);
      const int64_t gap = std::min(gap_end, capacity_bytes) - start;
      if (gap > largest_gap) {
        largest_gap = gap;
        largest_gap_offset = start;
      }
      if (gap >= items[item].bytes && (!best_offset || gap < best_gap)) {
        best_offset = start;
        best_gap = gap;
      }
    };
    for (const Range& range : live) {
      if (range.offset > cursor) consider_gap(range.offset);
      cursor = std::max(cursor, range.end);
    }
    consider_gap(capacity_bytes);

    if (!best_offset) {
      PackingFailure failure;
      failure.item = item;
      failure.largest_gap_bytes = std::max<int64_t>(0, largest_gap);
      failure.largest_gap_offset = largest_gap_offset;
      std::stable_sort(live.begin(), live.end(), [&](const Range& a, const Range& b) {
        return items[a.item].bytes > items[b.item].bytes;
      });
      for (int index = 0; index < std::min<int>(kListedBlockers, live.size()); ++index) {
        failure.blockers.push_back(live[index].item);
      }
      result.failure = std::move(failure);
      return result;
    }
    result.offsets[item] = *best_offset;
    result.used_bytes = std::max(result.used_bytes, *best_offset + items[item].bytes);
    placed.push_back(item);
  }
  return result;
}

}  // namespace

PackingResult PackIntervals(absl::Span<const PackingItem> items, int64_t capacity_bytes,
                            int64_t alignment_bytes) {
  std::vector<int> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  // Order 1: by size, largest first.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (items[a].bytes != items[b].bytes) return items[a].bytes > items[b].bytes;
    return items[a].start < items[b].start;
  });
  PackingResult by_size = PackInOrder(items, order, capacity_bytes, alignment_bytes);
  if (!by_size.failure) return by_size;
  // Order 2: by start, the order in which the buffer fills.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (items[a].start != items[b].start) return items[a].start < items[b].start;
    return items[a].bytes > items[b].bytes;
  });
  PackingResult by_start = PackInOrder(items, order, capacity_bytes, alignment_bytes);
  if (!by_start.failure) return by_start;
  // Order 3: by area (bytes times lifetime), largest first.
  const auto area = [&](int item) {
    return items[item].bytes * std::max(0, items[item].end - items[item].start);
  };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (area(a) != area(b)) return area(a) > area(b);
    return items[a].start < items[b].start;
  });
  PackingResult by_area = PackInOrder(items, order, capacity_bytes, alignment_bytes);
  if (!by_area.failure) return by_area;
  return by_size;
}

std::optional<PackingViolation> FindPackingViolation(absl::Span<const PackingItem> items,
                                                     absl::Span<const int64_t> offsets,
                                                     int64_t capacity_bytes,
                                                     int64_t alignment_bytes) {
  // Step 1: alignment and bounds, item by item.
  for (int item = 0; item < static_cast<int>(items.size()); ++item) {
    if (offsets[item] % alignment_bytes != 0) {
      return PackingViolation{PackingViolation::Kind::kMisaligned, item, -1, items[item].start};
    }
    if (!IsTrivial(items[item]) &&
        (offsets[item] < 0 || offsets[item] + items[item].bytes > capacity_bytes)) {
      return PackingViolation{PackingViolation::Kind::kOutOfBounds, item, -1, items[item].start};
    }
  }

  // Step 2: sweep by start. The live set, keyed by offset, stays pairwise disjoint, so a
  // new item needs checking only against its neighbours by offset.
  std::vector<int> by_start;
  for (int item = 0; item < static_cast<int>(items.size()); ++item) {
    if (!IsTrivial(items[item])) by_start.push_back(item);
  }
  std::stable_sort(by_start.begin(), by_start.end(),
                   [&](int a, int b) { return items[a].start < items[b].start; });
  std::map<int64_t, int> live;
  using EndEntry = std::pair<int, int>;  // (end position, item)
  std::priority_queue<EndEntry, std::vector<EndEntry>, std::greater<EndEntry>> ends;
  for (int item : by_start) {
    const int position = items[item].start;
    while (!ends.empty() && ends.top().first <= position) {
      live.erase(offsets[ends.top().second]);
      ends.pop();
    }
    const int64_t offset = offsets[item];
    auto next = live.lower_bound(offset);
    if (next != live.end() && next->first < offset + items[item].bytes) {
      return PackingViolation{PackingViolation::Kind::kOverlap, item, next->second, position};
    }
    if (next != live.begin()) {
      const int previous = std::prev(next)->second;
      if (offsets[previous] + items[previous].bytes > offset) {
        return PackingViolation{PackingViolation::Kind::kOverlap, item, previous, position};
      }
    }
    live.emplace(offset, item);
    ends.emplace(items[item].end, item);
  }
  return std::nullopt;
}

}  // namespace soma::alloc
