// interval_packing_test.cc: greedy-by-size packing of blocks with lifetimes, and the
// sweep that checks a placement.
#include "alloc/interval_packing.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace soma::alloc {
namespace {

// Random blocks from raw engine draws, so every standard library gives the same blocks.
std::vector<PackingItem> RandomItems(uint64_t seed, int count, int positions, int64_t max_bytes) {
  std::mt19937_64 engine(seed);
  std::vector<PackingItem> items(count);
  for (PackingItem& item : items) {
    const int start = static_cast<int>(engine() % positions) - 1;
    const int length = 1 + static_cast<int>(engine() % 8);
    item.start = start;
    item.end = start + length;
    item.bytes = 1 + static_cast<int64_t>(engine() % max_bytes);
  }
  return items;
}

// Pairwise check, independent of the sweep under test.
bool OverlapsAnyPair(const std::vector<PackingItem>& items, const std::vector<int64_t>& offsets) {
  for (size_t a = 0; a < items.size(); ++a) {
    for (size_t b = a + 1; b < items.size(); ++b) {
      const bool live_together = items[a].start < items[b].end && items[b].start < items[a].end;
      const bool share_bytes = offsets[a] < offsets[b] + items[b].bytes &&
                               offsets[b] < offsets[a] + items[a].bytes;
      if (live_together && share_bytes) return true;
    }
  }
  return false;
}

// Largest sum of bytes live at one position.
int64_t PeakLiveBytes(const std::vector<PackingItem>& items) {
  int64_t peak = 0;
  for (int position = -1; position < 80; ++position) {
    int64_t live = 0;
    for (const PackingItem& item : items) {
      if (item.start <= position && position < item.end) live += item.bytes;
    }
    peak = std::max(peak, live);
  }
  return peak;
}

TEST(IntervalPackingTest, RandomLifetimesNeverOverlap) {
  // For many seeded random sets, every placement is aligned, inside the buffer and free of
  // overlaps, by both the pairwise check and the sweep.
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const std::vector<PackingItem> items = RandomItems(seed, 120, 60, 5000);
    const int64_t capacity = 3 * PeakLiveBytes(items);
    const PackingResult result = PackIntervals(items, capacity, 64);
    ASSERT_FALSE(result.failure) << "seed " << seed;
    EXPECT_FALSE(OverlapsAnyPair(items, result.offsets)) << "seed " << seed;
    EXPECT_FALSE(FindPackingViolation(items, result.offsets, capacity, 64)) << "seed " << seed;
    for (size_t item = 0; item < items.size(); ++item) {
      EXPECT_EQ(result.offsets[item] % 64, 0);
      EXPECT_LE(result.offsets[item] + items[item].bytes, result.used_bytes);
    }
    EXPECT_LE(result.used_bytes, capacity);
  }
}

TEST(IntervalPackingTest, ReusesSpaceAcrossLifetimes) {
  // Two blocks that are never live together share the same bytes.
  const std::vector<PackingItem> items = {{100, 0, 1}, {100, 1, 2}};
  const PackingResult result = PackIntervals(items, 100, 1);
  ASSERT_FALSE(result.failure);
  EXPECT_EQ(result.offsets, (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(result.used_bytes, 100);
}

TEST(IntervalPackingTest, BestFitPicksSmallestGap) {
  // The 10-byte block is live while [0, 40) and [70, 90) are taken, which leaves gaps of
  // 30 bytes at 40 and 10 bytes at 90; it goes into the smaller one.
  const std::vector<PackingItem> items = {
      {40, 0, 3},  // largest first: offset 0
      {30, 0, 1},  // offset 40, live only at position 0
      {20, 0, 3},  // offset 70
      {10, 1, 3},
  };
  const PackingResult result = PackIntervals(items, 100, 1);
  ASSERT_FALSE(result.failure);
  EXPECT_EQ(result.offsets, (std::vector<int64_t>{0, 40, 70, 90}));
}

TEST(IntervalPackingTest, RetriesInStartOrder) {
  // Largest first puts the two 5-byte blocks at offset 0 and the 2-byte block live at
  // position 1 then finds only 1-byte gaps in the 9-byte buffer. In start order every
  // block fits.
  const std::vector<PackingItem> items = {
      {2, 1, 3}, {5, 4, 6}, {5, 2, 4}, {1, 0, 3}, {2, 1, 2}};
  const PackingResult result = PackIntervals(items, 9, 1);
  ASSERT_FALSE(result.failure);
  EXPECT_EQ(result.offsets, (std::vector<int64_t>{1, 0, 3, 0, 3}));
  EXPECT_FALSE(FindPackingViolation(items, result.offsets, 9, 1).has_value());
}

TEST(IntervalPackingTest, FailureReportsLargestGapAndBlockers) {
  // Two 60-byte blocks live together cannot share a 100-byte buffer; the second finds a
  // 40-byte gap at offset 60.
  const std::vector<PackingItem> items = {{60, 0, 2}, {60, 1, 3}};
  const PackingResult result = PackIntervals(items, 100, 1);
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->item, 1);
  EXPECT_EQ(result.failure->largest_gap_bytes, 40);
  EXPECT_EQ(result.failure->largest_gap_offset, 60);
  EXPECT_EQ(result.failure->blockers, (std::vector<int>{0}));
}

TEST(IntervalPackingTest, ViolationsAreFound) {
  // The sweep finds an overlap of two live blocks, a misaligned offset and a block past
  // the end of the buffer.
  const std::vector<PackingItem> items = {{64, 0, 4}, {64, 2, 5}, {64, 5, 6}};
  auto overlap = FindPackingViolation(items, std::vector<int64_t>{0, 32, 0}, 256, 32);
  ASSERT_TRUE(overlap);
  EXPECT_EQ(overlap->kind, PackingViolation::Kind::kOverlap);
  EXPECT_EQ(overlap->item, 1);
  EXPECT_EQ(overlap->other, 0);
  EXPECT_EQ(overlap->position, 2);

  auto misaligned = FindPackingViolation(items, std::vector<int64_t>{0, 64, 16}, 256, 32);
  ASSERT_TRUE(misaligned);
  EXPECT_EQ(misaligned->kind, PackingViolation::Kind::kMisaligned);
  EXPECT_EQ(misaligned->item, 2);

  auto out_of_bounds = FindPackingViolation(items, std::vector<int64_t>{0, 64, 224}, 256, 32);
  ASSERT_TRUE(out_of_bounds);
  EXPECT_EQ(out_of_bounds->kind, PackingViolation::Kind::kOutOfBounds);

  EXPECT_FALSE(FindPackingViolation(items, std::vector<int64_t>{0, 64, 0}, 256, 32));
}

}  // namespace
}  // namespace soma::alloc
