// bench_case_test.cc: RunCase schedules a generated network, replays the schedule, and turns
// scheduling errors into case statuses.
#include "bench/bench_case.h"

#include <string>

#include "arch/arch_config.h"
#include "bench/network_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/test_paths.h"

namespace soma::bench {
namespace {

using ::testing::HasSubstr;

arch::ArchConfig Edge() {
  absl::StatusOr<arch::ArchConfig> config =
      arch::LoadArchConfig(soma::testing::SourceDir() + "/models/hw/soma-edge.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : arch::ArchConfig{};
}

TEST(BenchCaseTest, LayerByLayerScheduleReplays) {
  // lbl on ResNet-50 finds a schedule no faster than the bounds, and its command stream
  // replays structurally and in timing to the same latency.
  NetworkCache networks;
  absl::StatusOr<const graph::LayerGraph*> graph = networks.Get("resnet50", 1);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const BenchCase bench_case{"resnet50", Edge(), 1, schedule::StrategyKind::kLayerByLayer,
                             std::nullopt};
  RunSettings settings;
  settings.replay = true;
  const CaseResult result = RunCase(bench_case, **graph, settings);
  ASSERT_EQ(result.status, CaseStatus::kOk) << result.message;
  EXPECT_EQ(result.layer_count, 72);
  EXPECT_EQ(result.mac_count, 4089184256);
  EXPECT_GT(result.compute_bound_cycles, 0);
  EXPECT_GT(result.dram_bound_cycles, result.compute_bound_cycles);
  EXPECT_GE(result.BoundRatio(), 1.0);
  EXPECT_FALSE(result.BeatsLowerBound());
  EXPECT_LE(result.peak_buffer_bytes, bench_case.hardware.buffer_bytes);
  EXPECT_EQ(result.replay, ReplayStatus::kPassed);
  EXPECT_EQ(result.replay_latency_cycles, result.latency_cycles);
}

TEST(BenchCaseTest, TooSmallBufferIsInfeasible) {
  // A 1 KiB buffer cannot hold the tiles of ResNet-50's stem: the case is infeasible, with
  // the scheduler's message, and has no schedule.
  NetworkCache networks;
  absl::StatusOr<const graph::LayerGraph*> graph = networks.Get("resnet50", 1);
  ASSERT_TRUE(graph.ok()) << graph.status();
  BenchCase bench_case{"resnet50", Edge(), 1, schedule::StrategyKind::kLayerByLayer,
                       std::nullopt};
  bench_case.hardware.buffer_bytes = 1024;
  const CaseResult result = RunCase(bench_case, **graph, {});
  EXPECT_EQ(result.status, CaseStatus::kInfeasible) << result.message;
  EXPECT_FALSE(result.message.empty());
  EXPECT_FALSE(result.HasSchedule());
  EXPECT_EQ(result.BoundRatio(), 0.0);
  EXPECT_EQ(result.replay, ReplayStatus::kNotRun);
}

TEST(BenchCaseTest, NetworkCacheReportsUnknownNetwork) {
  // An unknown network name is an error of every request for it.
  NetworkCache networks;
  EXPECT_THAT(std::string(networks.Get("vgg16", 1).status().message()),
              HasSubstr("unknown benchmark model 'vgg16'"));
  EXPECT_FALSE(networks.Get("vgg16", 1).ok());
}

TEST(BenchCaseTest, LabelsNameTheCase) {
  // Label and ComparisonKey identify the case; the key leaves out the strategy.
  BenchCase bench_case{"randwire-small", Edge(), 16, schedule::StrategyKind::kSoma, std::nullopt};
  EXPECT_EQ(bench_case.Label(), "randwire-small soma-edge b16 soma");
  EXPECT_EQ(bench_case.ComparisonKey(), "randwire-small|soma-edge|16");
  EXPECT_STREQ(CaseStatusName(CaseStatus::kUnavailable), "unavailable");
  EXPECT_STREQ(ReplayStatusName(ReplayStatus::kNotRun), "not run");
}

}  // namespace
}  // namespace soma::bench
