// soma_search_test.cc: the soma and cocco strategies on small graphs: valid, allocatable,
// deterministic, never slower than their starting points.
#include <string>
#include <vector>

#include "alloc/buffer_allocation.h"
#include "arch/cost_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "program_fingerprint.h"
#include "schedule/strategy.h"
#include "search_test_support.h"
#include "test_graphs.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using soma::testing::ProgramFingerprint;
using soma::testing::SmallSearch;
using soma::testing::TinyConfig;
using ::testing::HasSubstr;

struct SearchCase {
  std::string name;
  LayerGraph graph;
  int64_t buffer_bytes = 0;
  int64_t dma_queues = 1;
};

std::vector<SearchCase> SearchCases() {
  return {{"residual_two_queues", soma::testing::ResidualNet(), 64 * 1024, 2},
          {"residual_one_queue", soma::testing::ResidualNet(), 48 * 1024, 1},
          {"branchy_two_queues", soma::testing::BranchyNet(), 24 * 1024, 2},
          {"three_conv_one_queue", soma::testing::ThreeConvChain(), 1024, 1}};
}

Program RunOrDie(const SearchCase& test_case, const ScheduleOptions& options) {
  const arch::CostModel cost_model(TinyConfig(test_case.buffer_bytes, test_case.dma_queues));
  auto program = RunStrategy(test_case.graph, cost_model, options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return Program{};
  EXPECT_TRUE(program->Verify().ok()) << program->Verify();
  auto allocation = alloc::AllocateBuffer(*program, test_case.buffer_bytes, 32);
  EXPECT_TRUE(allocation.ok()) << allocation.status();
  return *std::move(program);
}

TEST(SomaSearchTest, NeverSlowerThanLblOrCocco) {
  // With the same seed and budgets, soma's Program is at least as fast as lbl's and
  // cocco's on every graph, and every Program verifies and allocates.
  for (const SearchCase& test_case : SearchCases()) {
    SCOPED_TRACE(test_case.name);
    const Program lbl = RunOrDie(test_case, SmallSearch(StrategyKind::kLayerByLayer));
    const Program cocco = RunOrDie(test_case, SmallSearch(StrategyKind::kCocco));
    const Program soma = RunOrDie(test_case, SmallSearch(StrategyKind::kSoma));
    EXPECT_LE(soma.latency_cycles, lbl.latency_cycles);
    EXPECT_LE(soma.latency_cycles, cocco.latency_cycles);
    EXPECT_EQ(soma.schedule.strategy, "soma");
    EXPECT_EQ(cocco.schedule.strategy, "cocco");
  }
}

TEST(SomaSearchTest, SameResultOnOneAndTwoThreads) {
  // The passes draw from streams of (seed, pass) and merge in pass order, so the thread
  // count changes nothing.
  const SearchCase test_case = SearchCases()[0];
  ScheduleOptions options = SmallSearch(StrategyKind::kSoma, 11);
  options.threads = 1;
  const std::string one_thread = ProgramFingerprint(RunOrDie(test_case, options));
  options.threads = 2;
  EXPECT_EQ(ProgramFingerprint(RunOrDie(test_case, options)), one_thread);
  options.threads = 1;
  EXPECT_EQ(ProgramFingerprint(RunOrDie(test_case, options)), one_thread);
}

TEST(SomaSearchTest, CoccoRepeatsWithoutSubgroupCuts) {
  // cocco keeps one tile count per LG (no SLG cut) and repeats itself for one seed.
  for (const SearchCase& test_case : SearchCases()) {
    SCOPED_TRACE(test_case.name);
    const Program cocco = RunOrDie(test_case, SmallSearch(StrategyKind::kCocco, 5));
    for (bool cut : cocco.schedule.fusion.subgroup_starts) EXPECT_FALSE(cut);
    EXPECT_EQ(ProgramFingerprint(RunOrDie(test_case, SmallSearch(StrategyKind::kCocco, 5))),
              ProgramFingerprint(cocco));
  }
}

TEST(SomaSearchTest, SearchStatsDescribeEveryPass) {
  // soma reports pass 0, the reduced-buffer passes, the Cocco pass and the refined Cocco
  // pass, with their round budgets, and names the chosen candidate.
  const SearchCase test_case = SearchCases()[0];
  const Program soma = RunOrDie(test_case, SmallSearch(StrategyKind::kSoma));
  ASSERT_TRUE(soma.search_stats.has_value());
  const SearchStats& stats = *soma.search_stats;
  EXPECT_EQ(stats.strategy, "soma");
  ASSERT_EQ(stats.passes.size(), 4u);
  EXPECT_EQ(stats.passes[0].kind, "full buffer");
  EXPECT_EQ(stats.passes[0].stage1.round_budget, 300);
  EXPECT_EQ(stats.passes[0].stage1_capacity_bytes, test_case.buffer_bytes);
  EXPECT_EQ(stats.passes[1].kind, "reduced buffer");
  EXPECT_LT(stats.passes[1].stage1_capacity_bytes, test_case.buffer_bytes);
  EXPECT_EQ(stats.passes[2].kind, "cocco start");
  EXPECT_EQ(stats.passes[3].kind, "cocco refined");
  EXPECT_EQ(stats.passes[3].stage1.round_budget, 300);
  EXPECT_EQ(stats.passes[3].stage1_capacity_bytes, test_case.buffer_bytes);
  EXPECT_EQ(stats.passes[3].failure, "");
  EXPECT_GT(stats.passes[3].latency_cycles, 0);
  EXPECT_FALSE(stats.chosen.empty());
  EXPECT_GE(stats.total_seconds, 0);
}

TEST(SomaSearchTest, ProgressLinesNameStageAndPass) {
  // Progress goes to the callback with the pass and stage of each line.
  const SearchCase test_case = SearchCases()[0];
  ScheduleOptions options = SmallSearch(StrategyKind::kSoma);
  std::vector<std::string> lines;
  options.progress = [&](const std::string& line) { lines.push_back(line); };
  RunOrDie(test_case, options);
  std::string all;
  for (const std::string& line : lines) all += line + "\n";
  EXPECT_THAT(all, HasSubstr("soma pass 0 (full buffer) stage 1: 300 rounds"));
  EXPECT_THAT(all, HasSubstr("soma: chose "));
}

TEST(SomaSearchTest, ExpiredTimeLimitStillAllocates) {
  // A zero time limit leaves the Cocco search at its start and skips every SoMa pass. The
  // result still verifies, allocates and is no slower than lbl or cocco under that limit.
  const SearchCase test_case = SearchCases()[0];
  ScheduleOptions options = SmallSearch(StrategyKind::kSoma);
  options.time_limit_seconds = 0.0;
  const Program soma = RunOrDie(test_case, options);
  options.strategy = StrategyKind::kCocco;
  const Program cocco = RunOrDie(test_case, options);
  const Program lbl = RunOrDie(test_case, SmallSearch(StrategyKind::kLayerByLayer));
  EXPECT_LE(soma.latency_cycles, lbl.latency_cycles);
  EXPECT_LE(soma.latency_cycles, cocco.latency_cycles);
  ASSERT_TRUE(soma.search_stats.has_value());
  for (const PassStats& pass : soma.search_stats->passes) {
    SCOPED_TRACE(pass.pass);
    EXPECT_THAT(pass.failure, HasSubstr("time limit"));
    EXPECT_EQ(pass.latency_cycles, 0);
  }
}

}  // namespace
}  // namespace soma::schedule
