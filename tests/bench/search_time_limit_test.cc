// search_time_limit_test.cc: the soma search under a time limit on ResNet-50, a model whose
// unbounded search takes several times the limit: it stops in time and still returns a
// schedule no slower than cocco's and lbl's.
#include <chrono>
#include <string>

#include "arch/arch_config.h"
#include "arch/cost_model.h"
#include "gtest/gtest.h"
#include "importer/importer.h"
#include "model_builder/benchmark_models.h"
#include "model_builder/onnx_model_builder.h"
#include "schedule/strategy.h"
#include "util/test_paths.h"

namespace soma::testing {
namespace {

// Without a limit, soma needs about 6 s for ResNet-50 at batch 1 on one core of a 2-core
// AMD EPYC guest, so this limit cuts the search short.
constexpr double kTimeLimitSeconds = 2.0;
// The search may overrun its limit by one candidate evaluation and one allocation check
// (search_budget.h), well under a second here. The rest of the margin absorbs the load of
// other processes on a shared machine.
constexpr double kMarginSeconds = 3.0;

struct TimedProgram {
  schedule::Program program;
  double seconds = 0;
};

absl::StatusOr<TimedProgram> RunTimed(const graph::LayerGraph& graph,
                                      const arch::CostModel& cost_model,
                                      schedule::StrategyKind strategy) {
  schedule::ScheduleOptions options;
  options.strategy = strategy;
  options.seed = 1;
  options.threads = 1;
  options.time_limit_seconds = kTimeLimitSeconds;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<schedule::Program> program = schedule::RunStrategy(graph, cost_model, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!program.ok()) return program.status();
  return TimedProgram{*std::move(program), seconds};
}

TEST(SearchTimeLimitTest, SomaStopsInTimeAndKeepsCoccoResult) {
  // soma with a 2 s limit returns within the limit plus the margin, and its latency is at
  // most cocco's under the same limit and lbl's.
  model_builder::BenchmarkModelOptions model_options;
  model_options.weights = model_builder::WeightMode::kOmitted;
  absl::StatusOr<model_builder::BuiltModel> built =
      model_builder::BuildBenchmarkModel("resnet50", model_options);
  ASSERT_TRUE(built.ok()) << built.status();
  absl::StatusOr<importer::ImportResult> imported = importer::ImportModelBytes(
      model_builder::SerializeModel(built->model), "resnet50.onnx", {});
  ASSERT_TRUE(imported.ok()) << imported.status();
  absl::StatusOr<arch::ArchConfig> config =
      arch::LoadArchConfig(SourceDir() + "/models/hw/soma-edge.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const arch::CostModel cost_model(*config);

  absl::StatusOr<TimedProgram> soma =
      RunTimed(imported->graph, cost_model, schedule::StrategyKind::kSoma);
  ASSERT_TRUE(soma.ok()) << soma.status();
  absl::StatusOr<TimedProgram> cocco =
      RunTimed(imported->graph, cost_model, schedule::StrategyKind::kCocco);
  ASSERT_TRUE(cocco.ok()) << cocco.status();
  absl::StatusOr<TimedProgram> lbl =
      RunTimed(imported->graph, cost_model, schedule::StrategyKind::kLayerByLayer);
  ASSERT_TRUE(lbl.ok()) << lbl.status();

  EXPECT_LE(soma->seconds, kTimeLimitSeconds + kMarginSeconds);
  EXPECT_LE(soma->program.latency_cycles, cocco->program.latency_cycles);
  EXPECT_LE(soma->program.latency_cycles, lbl->program.latency_cycles);

  // The limit must have cut the search short, or the test proves nothing.
  ASSERT_TRUE(soma->program.search_stats.has_value());
  bool cut_short = false;
  for (const schedule::PassStats& pass : soma->program.search_stats->passes) {
    cut_short = cut_short || pass.stage1.stopped_by_time_limit ||
                pass.stage2.stopped_by_time_limit || pass.stage3.stopped_by_time_limit ||
                pass.failure.find("time limit") != std::string::npos;
  }
  EXPECT_TRUE(cut_short);
}

}  // namespace
}  // namespace soma::testing
