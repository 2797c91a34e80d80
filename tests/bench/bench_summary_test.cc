// bench_summary_test.cc: Summarize pairs cases by network, hardware and batch and averages
// the per-case ratios, as the SoMa paper's figures are computed.
#include "bench/bench_summary.h"

#include <vector>

#include "gtest/gtest.h"

namespace soma::bench {
namespace {

using schedule::StrategyKind;

BenchCase Case(const std::string& model, int64_t batch, StrategyKind strategy) {
  BenchCase bench_case;
  bench_case.model = model;
  bench_case.hardware.name = "soma-edge";
  bench_case.batch = batch;
  bench_case.strategy = strategy;
  return bench_case;
}

CaseResult Ok(int64_t latency_cycles, double energy_pj) {
  CaseResult result;
  result.status = CaseStatus::kOk;
  result.latency_cycles = latency_cycles;
  result.energy_pj = energy_pj;
  return result;
}

CaseResult Unavailable() {
  CaseResult result;
  result.status = CaseStatus::kUnavailable;
  return result;
}

TEST(BenchSummaryTest, MeansArePerCaseRatios) {
  // Two resnet50 batches where soma is 2x and 1x faster than cocco give a mean speedup of
  // 1.5, an arithmetic mean of ratios. Energies 50% and 0% lower give a 25% mean reduction.
  const std::vector<BenchCase> cases = {
      Case("resnet50", 1, StrategyKind::kLayerByLayer), Case("resnet50", 1, StrategyKind::kCocco),
      Case("resnet50", 1, StrategyKind::kSoma),         Case("resnet50", 4, StrategyKind::kCocco),
      Case("resnet50", 4, StrategyKind::kSoma),
  };
  const std::vector<CaseResult> results = {Ok(800, 4.0), Ok(400, 2.0), Ok(200, 1.0),
                                           Ok(1000, 10.0), Ok(1000, 10.0)};
  const std::vector<ComparisonSummary> summaries = Summarize(cases, results);
  ASSERT_EQ(summaries.size(), 2u);
  const ComparisonSummary& all = summaries[0];
  EXPECT_EQ(all.scope, "all");
  ASSERT_TRUE(all.soma_speedup_over_cocco.mean.has_value());
  EXPECT_DOUBLE_EQ(*all.soma_speedup_over_cocco.mean, 1.5);
  EXPECT_EQ(all.soma_speedup_over_cocco.case_count, 2);
  ASSERT_TRUE(all.soma_energy_reduction_vs_cocco.mean.has_value());
  EXPECT_DOUBLE_EQ(*all.soma_energy_reduction_vs_cocco.mean, 0.25);
  ASSERT_TRUE(all.soma_speedup_over_lbl.mean.has_value());
  EXPECT_DOUBLE_EQ(*all.soma_speedup_over_lbl.mean, 4.0);
  EXPECT_EQ(all.soma_speedup_over_lbl.case_count, 1);
  EXPECT_DOUBLE_EQ(*all.cocco_speedup_over_lbl.mean, 2.0);
  EXPECT_EQ(summaries[1].scope, "resnet50");
}

TEST(BenchSummaryTest, UnavailableCasesArePending) {
  // Without a cocco result nothing pairs with soma, so those means stay unset.
  const std::vector<BenchCase> cases = {Case("resnet50", 1, StrategyKind::kLayerByLayer),
                                        Case("resnet50", 1, StrategyKind::kCocco),
                                        Case("resnet50", 1, StrategyKind::kSoma)};
  const std::vector<CaseResult> results = {Ok(800, 4.0), Unavailable(), Ok(400, 2.0)};
  const ComparisonSummary all = Summarize(cases, results).front();
  EXPECT_FALSE(all.soma_speedup_over_cocco.mean.has_value());
  EXPECT_EQ(all.soma_speedup_over_cocco.case_count, 0);
  EXPECT_FALSE(all.soma_energy_reduction_vs_cocco.mean.has_value());
  ASSERT_TRUE(all.soma_speedup_over_lbl.mean.has_value());
  EXPECT_DOUBLE_EQ(*all.soma_speedup_over_lbl.mean, 2.0);
}

TEST(BenchSummaryTest, ScopesFollowFirstAppearance) {
  // Network scopes come after "all" in the order the networks first appear, and pair only
  // their own cases.
  const std::vector<BenchCase> cases = {
      Case("randwire-small", 1, StrategyKind::kCocco), Case("randwire-small", 1, StrategyKind::kSoma),
      Case("resnet50", 1, StrategyKind::kCocco),       Case("resnet50", 1, StrategyKind::kSoma)};
  const std::vector<CaseResult> results = {Ok(300, 1.0), Ok(100, 1.0), Ok(100, 1.0), Ok(100, 1.0)};
  const std::vector<ComparisonSummary> summaries = Summarize(cases, results);
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(summaries[1].scope, "randwire-small");
  EXPECT_DOUBLE_EQ(*summaries[1].soma_speedup_over_cocco.mean, 3.0);
  EXPECT_EQ(summaries[2].scope, "resnet50");
  EXPECT_DOUBLE_EQ(*summaries[2].soma_speedup_over_cocco.mean, 1.0);
  EXPECT_DOUBLE_EQ(*summaries[0].soma_speedup_over_cocco.mean, 2.0);
}

}  // namespace
}  // namespace soma::bench
