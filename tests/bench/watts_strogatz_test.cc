// watts_strogatz_test.cc: WattsStrogatzDag keeps the lattice's edge count, orients edges
// from lower to higher index, and depends only on the seed.
#include "model_builder/watts_strogatz.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::model_builder {
namespace {

using ::testing::ElementsAre;

TEST(WattsStrogatzTest, ZeroProbabilityGivesRingLattice) {
  // With P = 0 every node links to its two neighbours on each side of the ring.
  std::mt19937_64 engine(1);
  const RandomDag dag = WattsStrogatzDag(8, 4, 0.0, engine);
  EXPECT_THAT(dag.successors[0], ElementsAre(1, 2, 6, 7));
  EXPECT_THAT(dag.predecessors[7], ElementsAre(0, 1, 5, 6));
  EXPECT_THAT(dag.InputNodes(), ElementsAre(0));
  EXPECT_THAT(dag.OutputNodes(), ElementsAre(7));
  EXPECT_EQ(dag.EdgeCount(), 16);
}

TEST(WattsStrogatzTest, RewiringKeepsEdgeCountAndOrientation) {
  // Rewiring moves edges without adding or dropping any, and every edge runs upwards.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 engine(seed);
    const RandomDag dag = WattsStrogatzDag(32, 4, 0.75, engine);
    EXPECT_EQ(dag.EdgeCount(), 64) << "seed " << seed;
    for (int node = 0; node < dag.node_count(); ++node) {
      for (int next : dag.successors[node]) EXPECT_GT(next, node) << "seed " << seed;
      for (int previous : dag.predecessors[node]) EXPECT_LT(previous, node) << "seed " << seed;
    }
    EXPECT_EQ(dag.InputNodes().front(), 0);
    EXPECT_EQ(dag.OutputNodes().back(), 31);
  }
}

TEST(WattsStrogatzTest, SeedDeterminesGraph) {
  // The same seed draws the same graph; another seed a different one.
  std::mt19937_64 first(7);
  std::mt19937_64 second(7);
  std::mt19937_64 third(8);
  const RandomDag a = WattsStrogatzDag(32, 4, 0.75, first);
  const RandomDag b = WattsStrogatzDag(32, 4, 0.75, second);
  const RandomDag c = WattsStrogatzDag(32, 4, 0.75, third);
  EXPECT_EQ(a.successors, b.successors);
  EXPECT_NE(a.successors, c.successors);
}

}  // namespace
}  // namespace soma::model_builder
