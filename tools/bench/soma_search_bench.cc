// soma_search_bench.cc: runs the lbl, cocco and soma strategies on one model and prints
// their latency against the lower bound, energy, DRAM traffic, peak buffer and search time.
//
// Usage: soma-search-bench --model=FILE.onnx --hw=HW.yaml [--batch=N] [--threads=N]
//                          [--seed=N] [--time-limit=SECONDS] [--dma-chunk-bytes=N]
//                          [--passes=N] [--strategies=lbl,cocco,soma]
//                          [--schedule-out=FILE.json] [--progress]
// --schedule-out writes the soma schedule as a schedule file (schedule/schedule_file.h).
// When the importer cannot rebind the batch of the model (a Reshape with a constant
// target, for instance), the batch-1 graph is widened instead: the first dimension of
// every activation tensor is multiplied by the batch.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "arch/arch_config.h"
#include "arch/cost_model.h"
#include "importer/importer.h"
#include "schedule/program.h"
#include "schedule/schedule_file.h"
#include "schedule/strategy.h"

namespace {

using soma::schedule::StrategyKind;

struct BenchOptions {
  std::string model_path;
  std::string hardware_path;
  int64_t batch = 1;
  int threads = 2;
  uint64_t seed = 1;
  std::optional<double> time_limit_seconds;
  std::optional<int64_t> dma_chunk_bytes;
  std::optional<int> buffer_passes;
  std::vector<StrategyKind> strategies = {StrategyKind::kLayerByLayer, StrategyKind::kCocco,
                                          StrategyKind::kSoma};
  std::string schedule_out;
  bool progress = false;
};

bool ParseFlag(const std::string& argument, const std::string& name, std::string* value) {
  const std::string prefix = "--" + name + "=";
  if (!absl::StartsWith(argument, prefix)) return false;
  *value = argument.substr(prefix.size());
  return true;
}

constexpr char kUsage[] =
    "usage: soma-search-bench --model=FILE.onnx --hw=HW.yaml [--batch=N] [--threads=N] "
    "[--seed=N] [--time-limit=SECONDS] [--dma-chunk-bytes=N] [--passes=N] "
    "[--strategies=lbl,cocco,soma] [--schedule-out=FILE.json] [--progress]\n";

std::optional<BenchOptions> ParseArguments(int argc, char** argv) {
  BenchOptions options;
  for (int index = 1; index < argc; ++index) {
    const std::string argument = argv[index];
    std::string value;
    bool ok = true;
    if (ParseFlag(argument, "model", &value)) {
      options.model_path = value;
    } else if (ParseFlag(argument, "hw", &value)) {
      options.hardware_path = value;
    } else if (ParseFlag(argument, "batch", &value)) {
      ok = absl::SimpleAtoi(value, &options.batch) && options.batch >= 1;
    } else if (ParseFlag(argument, "threads", &value)) {
      ok = absl::SimpleAtoi(value, &options.threads) && options.threads >= 1;
    } else if (ParseFlag(argument, "seed", &value)) {
      ok = absl::SimpleAtoi(value, &options.seed);
    } else if (ParseFlag(argument, "time-limit", &value)) {
      double seconds = 0;
      ok = absl::SimpleAtod(value, &seconds) && seconds > 0;
      options.time_limit_seconds = seconds;
    } else if (ParseFlag(argument, "dma-chunk-bytes", &value)) {
      int64_t bytes = 0;
      ok = absl::SimpleAtoi(value, &bytes) && bytes >= 0;
      options.dma_chunk_bytes = bytes;
    } else if (ParseFlag(argument, "passes", &value)) {
      int passes = 0;
      ok = absl::SimpleAtoi(value, &passes) && passes >= 0;
      options.buffer_passes = passes;
    } else if (ParseFlag(argument, "strategies", &value)) {
      options.strategies.clear();
      for (const absl::string_view name : absl::StrSplit(value, ',')) {
        std::optional<StrategyKind> kind;
        for (StrategyKind candidate :
             {StrategyKind::kLayerByLayer, StrategyKind::kCocco, StrategyKind::kSoma}) {
          if (name == soma::schedule::StrategyKindName(candidate)) kind = candidate;
        }
        ok = ok && kind.has_value();
        if (kind) options.strategies.push_back(*kind);
      }
    } else if (ParseFlag(argument, "schedule-out", &value)) {
      options.schedule_out = value;
    } else if (argument == "--progress") {
      options.progress = true;
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "soma-search-bench: unknown or invalid argument '" << argument << "'\n";
      return std::nullopt;
    }
  }
  if (options.model_path.empty() || options.hardware_path.empty()) {
    std::cerr << kUsage;
    return std::nullopt;
  }
  return options;
}

// Multiplies the first dimension of every activation tensor by `batch`.
void WidenBatch(soma::graph::LayerGraph* graph, int64_t batch) {
  for (soma::graph::Tensor& tensor : graph->tensors) {
    if (tensor.IsConstant()) continue;
    tensor.shape[soma::graph::kN] *= batch;
    if (!tensor.onnx_dims.empty()) tensor.onnx_dims[0] *= batch;
  }
}

struct StageSeconds {
  double stage1 = 0;
  double stage2 = 0;
  double stage3 = 0;
  double total = 0;
};

StageSeconds SecondsOf(const soma::schedule::Program& program, double wall_seconds) {
  StageSeconds seconds;
  seconds.total = wall_seconds;
  if (!program.search_stats) return seconds;
  for (const soma::schedule::PassStats& pass : program.search_stats->passes) {
    seconds.stage1 += pass.stage1.seconds;
    seconds.stage2 += pass.stage2.seconds;
    seconds.stage3 += pass.stage3.seconds;
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  for (int index = 1; index < argc; ++index) {
    if (std::string(argv[index]) == "--help") {
      std::cout << kUsage;
      return 0;
    }
  }
  const std::optional<BenchOptions> options = ParseArguments(argc, argv);
  if (!options) return 2;

  // Step 1: model and hardware.
  soma::importer::ImportOptions import_options;
  if (options->batch > 1) import_options.batch = options->batch;
  auto imported = soma::importer::ImportModelFile(options->model_path, import_options);
  bool widened = false;
  if (!imported.ok() && options->batch > 1) {
    std::cerr << "note: " << imported.status().message() << "; widening the batch-1 graph\n";
    imported = soma::importer::ImportModelFile(options->model_path, {});
    if (imported.ok()) WidenBatch(&imported->graph, options->batch);
    widened = true;
  }
  if (!imported.ok()) {
    std::cerr << imported.status() << "\n";
    return 2;
  }
  const soma::graph::LayerGraph& graph = imported->graph;
  if (absl::Status status = graph.Verify(); !status.ok()) {
    std::cerr << status << "\n";
    return 2;
  }
  auto config = soma::arch::LoadArchConfig(options->hardware_path);
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 2;
  }
  const soma::arch::CostModel cost_model(*config);
  const soma::arch::Bounds bounds = cost_model.ComputeBounds(graph);
  const int64_t bound = bounds.LatencyBoundCycles();
  std::printf("model %s, %zu layers, batch %lld%s, hardware %s\n", options->model_path.c_str(),
              graph.layers.size(), static_cast<long long>(options->batch),
              widened ? " (widened)" : "", config->name.c_str());
  std::printf("compute bound %lld cycles, DRAM bound %lld cycles; threads %d, seed %llu%s\n",
              static_cast<long long>(bounds.compute_bound_cycles),
              static_cast<long long>(bounds.dram_bound_cycles), options->threads,
              static_cast<unsigned long long>(options->seed),
              options->time_limit_seconds ? ", time limit set" : "");

  // Step 2: the three strategies.
  std::printf("%-6s %12s %12s %8s %14s %12s %12s %8s %8s %8s %8s\n", "strat", "latency", "bound",
              "lat/bnd", "energy_pj", "dram_bytes", "peak_bytes", "s1_s", "s2_s", "s3_s", "wall_s");
  for (const StrategyKind kind : options->strategies) {
    soma::schedule::ScheduleOptions schedule_options;
    schedule_options.strategy = kind;
    schedule_options.seed = options->seed;
    schedule_options.threads = options->threads;
    schedule_options.time_limit_seconds = options->time_limit_seconds;
    schedule_options.dma_chunk_bytes = options->dma_chunk_bytes;
    if (options->buffer_passes) schedule_options.buffer_passes = *options->buffer_passes;
    if (options->progress) {
      schedule_options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    }
    const auto start = std::chrono::steady_clock::now();
    auto program = soma::schedule::RunStrategy(graph, cost_model, schedule_options);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!program.ok()) {
      std::printf("%-6s failed: %s\n", soma::schedule::StrategyKindName(kind),
                  std::string(program.status().message()).c_str());
      continue;
    }
    if (absl::Status status = program->Verify(); !status.ok()) {
      std::printf("%-6s invalid program: %s\n", soma::schedule::StrategyKindName(kind),
                  std::string(status.message()).c_str());
      continue;
    }
    const StageSeconds seconds = SecondsOf(*program, wall);
    std::printf("%-6s %12lld %12lld %8.4f %14.5g %12lld %12lld %8.2f %8.2f %8.2f %8.2f\n",
                soma::schedule::StrategyKindName(kind),
                static_cast<long long>(program->latency_cycles), static_cast<long long>(bound),
                static_cast<double>(program->latency_cycles) / static_cast<double>(bound),
                program->energy_pj, static_cast<long long>(program->dram_bytes),
                static_cast<long long>(program->peak_buffer_bytes), seconds.stage1, seconds.stage2,
                seconds.stage3, seconds.total);
    if (kind == StrategyKind::kSoma && !options->schedule_out.empty()) {
      std::ofstream file(options->schedule_out);
      file << soma::schedule::WriteScheduleJson(graph, *program);
      if (!file) std::cerr << "cannot write " << options->schedule_out << "\n";
    }
    if (program->search_stats && !program->search_stats->chosen.empty()) {
      std::printf("       chosen: %s\n", program->search_stats->chosen.c_str());
    }
  }
  return 0;
}
