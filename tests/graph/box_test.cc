// box_test.cc: box arithmetic.
#include "graph/box.h"

#include "gtest/gtest.h"

namespace soma::graph {
namespace {

TEST(BoxTest, VolumeAndIntersection) {
  // Intersections of overlapping boxes keep the common part; disjoint ones are empty.
  Box a{{0, 0, 0, 0}, {1, 4, 8, 8}};
  Box b{{0, 2, 4, 0}, {1, 6, 12, 8}};
  EXPECT_EQ(a.Volume(), 256);
  Box both = a.Intersect(b);
  EXPECT_EQ(both, (Box{{0, 2, 4, 0}, {1, 4, 8, 8}}));
  EXPECT_TRUE(a.Overlaps(b));
  Box far{{0, 0, 8, 0}, {1, 4, 9, 8}};
  EXPECT_FALSE(a.Overlaps(far));
  EXPECT_EQ(a.Intersect(far).Volume(), 0);
}

TEST(BoxTest, BoundingUnionAndContains) {
  // The bounding union contains both operands.
  Box a{{0, 0, 0, 0}, {1, 2, 2, 2}};
  Box b{{0, 1, 3, 3}, {1, 3, 5, 5}};
  Box hull = a.BoundingUnion(b);
  EXPECT_TRUE(hull.Contains(a));
  EXPECT_TRUE(hull.Contains(b));
  EXPECT_EQ(hull, (Box{{0, 0, 0, 0}, {1, 3, 5, 5}}));
  EXPECT_EQ(hull.ToString(), "[0:1,0:3,0:5,0:5]");
}

}  // namespace
}  // namespace soma::graph
