// dse_heatmaps.cc: collects the exploration's cells and renders the speedup and bound maps.
#include "bench/dse_heatmaps.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/bench_suites.h"
#include "bench/heatmap_svg.h"

namespace soma::bench {

namespace {

using schedule::StrategyKind;
using CellKey = std::pair<int64_t, int64_t>;

// The ok results of the exploration, by cell and strategy.
struct Grid {
  std::vector<int64_t> buffer_mib;
  std::vector<int64_t> dram_gbps;
  std::map<std::pair<CellKey, StrategyKind>, const CaseResult*> results;
  std::set<StrategyKind> strategies;

  const CaseResult* Find(const CellKey& cell, StrategyKind strategy) const {
    auto found = results.find({cell, strategy});
    return found == results.end() ? nullptr : found->second;
  }
};

// The grid of the exploration cases of `model`.
Grid CollectGrid(const std::vector<BenchCase>& cases, const std::vector<CaseResult>& results,
                 const std::string& model) {
  Grid grid;
  std::set<int64_t> buffers;
  std::set<int64_t> bandwidths;
  for (size_t index = 0; index < cases.size(); ++index) {
    if (!cases[index].dse.has_value() || cases[index].model != model) continue;
    const DseCell& cell = *cases[index].dse;
    buffers.insert(cell.buffer_mib);
    bandwidths.insert(cell.dram_gbps);
    grid.strategies.insert(cases[index].strategy);
    if (results[index].status == CaseStatus::kOk) {
      grid.results[{{cell.buffer_mib, cell.dram_gbps}, cases[index].strategy}] = &results[index];
    }
  }
  grid.buffer_mib.assign(buffers.begin(), buffers.end());
  grid.dram_gbps.assign(bandwidths.begin(), bandwidths.end());
  return grid;
}

// A map over the grid with `value` computed per cell (unset when the cell lacks data).
template <typename CellValue>
HeatMap GridMap(const Grid& grid, std::string title, CellValue value) {
  HeatMap map;
  map.title = std::move(title);
  map.x_label = "DRAM bandwidth (GB/s)";
  map.y_label = "global buffer (MiB)";
  for (int64_t gbps : grid.dram_gbps) map.x_ticks.push_back(absl::StrCat(gbps));
  for (int64_t mib : grid.buffer_mib) map.y_ticks.push_back(absl::StrCat(mib));
  for (int64_t mib : grid.buffer_mib) {
    std::vector<std::optional<double>> row;
    for (int64_t gbps : grid.dram_gbps) row.push_back(value(CellKey{mib, gbps}));
    map.values.push_back(std::move(row));
  }
  return map;
}

// The network's name in map titles.
std::string TitleOf(const std::string& model) {
  if (model == "resnet50") return "ResNet-50";
  if (model == "gpt2-small-prefill") return "GPT-2 small prefill block";
  return model;
}

// The maps of one network's grid, named dse_MODEL_*.svg.
void AppendModelMaps(const Grid& grid, const std::string& model, std::vector<NamedFile>& maps) {
  const std::string title = absl::StrCat(TitleOf(model), ", batch 1, 16 TOPS: ");
  HeatMap speedup = GridMap(grid, title + "soma speedup over cocco",
                            [&grid](const CellKey& cell) -> std::optional<double> {
                              const CaseResult* soma = grid.Find(cell, StrategyKind::kSoma);
                              const CaseResult* cocco = grid.Find(cell, StrategyKind::kCocco);
                              if (soma == nullptr || cocco == nullptr) return std::nullopt;
                              return static_cast<double>(cocco->latency_cycles) /
                                     static_cast<double>(soma->latency_cycles);
                            });
  speedup.value_suffix = "x";
  maps.push_back({absl::StrCat("dse_", model, "_soma_speedup_over_cocco.svg"),
                  RenderHeatMapSvg(speedup)});

  for (StrategyKind strategy : AllStrategies()) {
    if (grid.strategies.count(strategy) == 0) continue;
    const std::string name = schedule::StrategyKindName(strategy);
    HeatMap bound = GridMap(
        grid, absl::StrCat(title, name, " latency / max(bounds)"),
        [&grid, strategy](const CellKey& cell) -> std::optional<double> {
          const CaseResult* result = grid.Find(cell, strategy);
          if (result == nullptr) return std::nullopt;
          return result->BoundRatio();
        });
    bound.higher_is_better = false;
    bound.decimals = 3;
    maps.push_back({absl::StrCat("dse_", model, "_latency_over_bound_", name, ".svg"),
                    RenderHeatMapSvg(bound)});
  }
}

}  // namespace

std::vector<NamedFile> DseHeatMaps(const std::vector<BenchCase>& cases,
                                  const std::vector<CaseResult>& results) {
  std::vector<NamedFile> maps;
  for (const std::string& model : DseModels()) {
    const Grid grid = CollectGrid(cases, results, model);
    if (!grid.buffer_mib.empty()) AppendModelMaps(grid, model, maps);
  }
  return maps;
}

}  // namespace soma::bench
