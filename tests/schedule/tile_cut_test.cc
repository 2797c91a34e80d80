// tile_cut_test.cc: how outputs are cut into tiles (Step A of the parsing method).
#include "schedule/tile_cut.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::schedule {
namespace {

using graph::Box;
using ::testing::HasSubstr;

TEST(CutIntoTilesTest, SplitsBatchFirst) {
  // Four tiles of a batch-4 output take one image each and keep rows and columns whole.
  auto tiles = CutIntoTiles({4, 8, 6, 6}, 4);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  ASSERT_EQ(tiles->size(), 4u);
  EXPECT_EQ((*tiles)[0], (Box{{0, 0, 0, 0}, {1, 8, 6, 6}}));
  EXPECT_EQ((*tiles)[3], (Box{{3, 0, 0, 0}, {4, 8, 6, 6}}));
}

TEST(CutIntoTilesTest, SplitsRemainderByAspectRatio) {
  // Batch 2 and 8 tiles: 2 batch parts, then 4 spatial parts of a 16x4 map as 4 rows x 1
  // column, which leaves 4x4 tiles.
  auto tiles = CutIntoTiles({2, 3, 16, 4}, 8);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  ASSERT_EQ(tiles->size(), 8u);
  EXPECT_EQ((*tiles)[0], (Box{{0, 0, 0, 0}, {1, 3, 4, 4}}));
  EXPECT_EQ((*tiles)[1], (Box{{0, 0, 4, 0}, {1, 3, 8, 4}}));
  EXPECT_EQ((*tiles)[4], (Box{{1, 0, 0, 0}, {2, 3, 4, 4}}));
}

TEST(CutIntoTilesTest, SquareMapGetsSquareTiles) {
  // Four tiles of an 8x8 map are 2 rows x 2 columns, in row-major order.
  auto tiles = CutIntoTiles({1, 1, 8, 8}, 4);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  EXPECT_EQ((*tiles)[1], (Box{{0, 0, 0, 4}, {1, 1, 4, 8}}));
  EXPECT_EQ((*tiles)[2], (Box{{0, 0, 4, 0}, {1, 1, 8, 4}}));
}

TEST(CutIntoTilesTest, TieGoesToRows) {
  // Two tiles of a 2x2 map: 2x1 and 1x2 are equally square, so rows are split.
  auto tiles = CutIntoTiles({1, 4, 2, 2}, 2);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  EXPECT_EQ((*tiles)[0], (Box{{0, 0, 0, 0}, {1, 4, 1, 2}}));
  EXPECT_EQ((*tiles)[1], (Box{{0, 0, 1, 0}, {1, 4, 2, 2}}));
}

TEST(CutIntoTilesTest, LastPartIsClamped) {
  // Seven rows in two parts: ceil(7 / 2) = 4 rows, then the 3 that remain.
  auto tiles = CutIntoTiles({1, 1, 7, 1}, 2);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  EXPECT_EQ((*tiles)[0], (Box{{0, 0, 0, 0}, {1, 1, 4, 1}}));
  EXPECT_EQ((*tiles)[1], (Box{{0, 0, 4, 0}, {1, 1, 7, 1}}));
}

TEST(CutIntoTilesTest, SkipsFactorPairsThatLeaveEmptyTiles) {
  // Four parts of 5 rows would be 2+2+1+0, so a 5x5 map is cut 2x2 instead of 4x1.
  auto tiles = CutIntoTiles({1, 1, 5, 5}, 4);
  ASSERT_TRUE(tiles.ok()) << tiles.status();
  for (const Box& box : *tiles) EXPECT_FALSE(box.IsEmpty()) << box;
  EXPECT_EQ((*tiles)[3], (Box{{0, 0, 3, 3}, {1, 1, 5, 5}}));
}

TEST(CutIntoTilesTest, TooManyTilesIsAnError) {
  // A 2x2 map has only four pixels, so eight tiles leave some tile empty.
  auto tiles = CutIntoTiles({1, 16, 2, 2}, 8);
  ASSERT_FALSE(tiles.ok());
  EXPECT_EQ(tiles.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(tiles.status().message(), HasSubstr("tile count too large: 8 tiles"));
  EXPECT_THAT(tiles.status().message(), HasSubstr("[1,16,2,2]"));
}

TEST(FirstTileOfTest, MatchesFirstCutBox) {
  // The first box alone equals the first box of the full cut, and errors agree.
  for (int tiles : {1, 2, 4, 8, 16}) {
    auto all = CutIntoTiles({2, 3, 16, 4}, tiles);
    auto first = FirstTileOf({2, 3, 16, 4}, tiles);
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(*first, all->front()) << tiles << " tiles";
  }
  EXPECT_FALSE(FirstTileOf({1, 16, 2, 2}, 8).ok());
}

TEST(SplitRangeTest, EqualChunksWithClampedLast) {
  // 10 channels in 4 chunks of 3: [0,3) [3,6) [6,9) [9,10).
  auto ranges = SplitRange(10, 4);
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  ASSERT_EQ(ranges->size(), 4u);
  EXPECT_EQ((*ranges)[3].lo, 9);
  EXPECT_EQ((*ranges)[3].hi, 10);
  EXPECT_FALSE(SplitRange(3, 4).ok());
  EXPECT_FALSE(SplitRange(10, 6).ok()) << "chunks of 2 fill only 5 of 6 parts";
}

TEST(LargestPowerOfTwoTileCountTest, StopsAtPixels) {
  // A 1x3x3 output has nine pixels; 8 tiles would leave one empty, 4 do not.
  EXPECT_EQ(LargestPowerOfTwoTileCount({1, 8, 3, 3}, 64), 4);
  EXPECT_EQ(LargestPowerOfTwoTileCount({2, 8, 4, 4}, 16), 16);
}

}  // namespace
}  // namespace soma::schedule
