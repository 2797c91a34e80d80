// bench_suites.cc: the full matrix, the design-space exploration and the quick subset.
#include "bench/bench_suites.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "model_builder/gpt2_block_model.h"

namespace soma::bench {

namespace {

constexpr int64_t kMib = int64_t{1} << 20;
constexpr int64_t kBytesPerGb = 1000000000;
constexpr int64_t kDseBatch = 1;
const char kQuickModel[] = "resnet50";
const DseCell kQuickCell{4, 32};

template <typename T>
bool Keeps(const std::vector<T>& allowed, const T& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// The SoMa artifact's L2 energy per byte for a buffer of `mib` MiB, rounded to 0.01 pJ.
double BufferEnergyPj(double coefficient, int64_t mib) {
  const double energy = coefficient * 8.0 * std::pow(1.1, static_cast<double>(mib) / 2.0) * 0.6;
  return std::round(energy * 100.0) / 100.0;
}

void AppendCell(const std::string& model, const arch::ArchConfig& edge, const DseCell& cell,
                const std::vector<schedule::StrategyKind>& strategies,
                std::vector<BenchCase>& cases) {
  const arch::ArchConfig config = DseConfig(edge, cell);
  for (schedule::StrategyKind strategy : strategies) {
    cases.push_back({model, config, kDseBatch, strategy, cell, NetworkBlockCount(model)});
  }
}

}  // namespace

std::vector<std::string> FullMatrixModels() {
  return {"resnet50",           "resnet101",         "inception-resnet-v1", "randwire-small",
          "gpt2-small-prefill", "gpt2-small-decode", "gpt2-xl-prefill",     "gpt2-xl-decode"};
}

bool FullMatrixRuns(const std::string& model, const std::string& hardware) {
  if (model.rfind("gpt2-small-", 0) == 0) return hardware == "soma-edge";
  if (model.rfind("gpt2-xl-", 0) == 0) return hardware == "soma-cloud";
  return true;
}

int64_t NetworkBlockCount(const std::string& model) {
  absl::StatusOr<model_builder::Gpt2BlockSpec> spec =
      model_builder::Gpt2BlockSpecFor(model, 1, std::nullopt);
  return spec.ok() ? spec->block_count : 1;
}

std::vector<std::string> DseModels() { return {"resnet50", "gpt2-small-prefill"}; }

std::vector<int64_t> FullMatrixBatches() { return {1, 4, 16, 64}; }

std::vector<schedule::StrategyKind> AllStrategies() {
  return {schedule::StrategyKind::kLayerByLayer, schedule::StrategyKind::kCocco,
          schedule::StrategyKind::kSoma};
}

std::vector<BenchCase> FullMatrix(const std::vector<arch::ArchConfig>& hardware,
                                  const MatrixFilter& filter) {
  std::vector<BenchCase> cases;
  for (const std::string& model : FullMatrixModels()) {
    if (!Keeps(filter.models, model)) continue;
    for (const arch::ArchConfig& config : hardware) {
      if (!Keeps(filter.hardware, config.name) || !FullMatrixRuns(model, config.name)) continue;
      for (int64_t batch : FullMatrixBatches()) {
        if (!Keeps(filter.batches, batch)) continue;
        for (schedule::StrategyKind strategy : AllStrategies()) {
          if (!Keeps(filter.strategies, strategy)) continue;
          cases.push_back(
              {model, config, batch, strategy, std::nullopt, NetworkBlockCount(model)});
        }
      }
    }
  }
  return cases;
}

std::vector<int64_t> DseBufferMib() { return {4, 8, 16, 32}; }

std::vector<int64_t> DseDramGbps() { return {2, 4, 8, 16, 32, 64, 128}; }

arch::ArchConfig DseConfig(const arch::ArchConfig& edge, const DseCell& cell) {
  arch::ArchConfig config = edge;
  config.name = absl::StrCat(edge.name, "-", cell.buffer_mib, "MiB-", cell.dram_gbps, "GBps");
  config.buffer_bytes = cell.buffer_mib * kMib;
  config.dram_bandwidth_bytes_per_second = cell.dram_gbps * kBytesPerGb;
  config.buffer_read_energy_pj_per_byte = BufferEnergyPj(0.217125, cell.buffer_mib);
  config.buffer_write_energy_pj_per_byte = BufferEnergyPj(0.234025, cell.buffer_mib);
  return config;
}

std::vector<BenchCase> DseMatrix(const arch::ArchConfig& edge,
                                 const std::vector<schedule::StrategyKind>& strategies) {
  std::vector<BenchCase> cases;
  for (const std::string& model : DseModels()) {
    for (int64_t buffer_mib : DseBufferMib()) {
      for (int64_t dram_gbps : DseDramGbps()) {
        AppendCell(model, edge, {buffer_mib, dram_gbps}, strategies, cases);
      }
    }
  }
  return cases;
}

std::vector<BenchCase> QuickMatrix(const arch::ArchConfig& edge,
                                   const std::vector<schedule::StrategyKind>& strategies) {
  std::vector<BenchCase> cases;
  for (schedule::StrategyKind strategy : strategies) {
    cases.push_back({kQuickModel, edge, kDseBatch, strategy, std::nullopt});
  }
  AppendCell(kQuickModel, edge, kQuickCell, strategies, cases);
  return cases;
}

}  // namespace soma::bench
