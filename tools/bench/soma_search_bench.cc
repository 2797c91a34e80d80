// soma_search_bench.cc: exploration stub.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "arch/arch_config.h"
#include "arch/cost_model.h"
#include "importer/importer.h"
#include "schedule/cost_functions.h"
#include "schedule/evaluator.h"
#include "schedule/layer_by_layer.h"
#include "schedule/tiling_model.h"

using namespace soma;

int main(int argc, char** argv) {
  importer::ImportOptions options;
  if (argc > 3) options.batch = std::atoi(argv[3]);
  auto imported = importer::ImportModelFile(argv[1], options);
  if (!imported.ok()) { std::cerr << imported.status() << "\n"; return 1; }
  auto config = arch::LoadArchConfig(argv[2]);
  if (!config.ok()) { std::cerr << config.status() << "\n"; return 1; }
  const arch::CostModel cost_model(*config);
  const graph::LayerGraph& graph = imported->graph;
  auto bounds = cost_model.ComputeBounds(graph);
  std::printf("layers %zu compute bound %ld dram bound %ld\n", graph.layers.size(),
              bounds.compute_bound_cycles, bounds.dram_bound_cycles);
  const auto costs = schedule::CostFunctionsFromModel(graph, cost_model);
  auto t0 = std::chrono::steady_clock::now();
  auto plan = schedule::PlanLayerByLayer(graph, costs, config->buffer_bytes);
  auto t1 = std::chrono::steady_clock::now();
  if (!plan.ok()) { std::cerr << plan.status() << "\n"; return 1; }
  schedule::TileCostCache cache;
  auto model = schedule::TilingModel::Build(graph, *plan, costs, &cache);
  auto t2 = std::chrono::steady_clock::now();
  int reps = 200;
  for (int i = 0; i < reps; ++i) {
    auto m = schedule::TilingModel::Build(graph, *plan, costs, &cache);
  }
  auto t3 = std::chrono::steady_clock::now();
  schedule::Evaluator evaluator(*model);
  auto dram = model->DefaultDramPlan();
  auto r = evaluator.Evaluate(dram, config->buffer_bytes);
  for (int i = 0; i < 1000; ++i) evaluator.Evaluate(dram, config->buffer_bytes);
  auto t4 = std::chrono::steady_clock::now();
  auto d = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("lbl plan %.3fs, first build %.4fs, build %.6fs, eval %.6fs\n", d(t0, t1), d(t1, t2),
              d(t2, t3) / reps, d(t3, t4) / 1000);
  std::printf("positions %d transfers %d residencies %zu latency %ld peak %ld energy %g\n",
              model->position_count(), model->transfer_count(), model->residencies().size(),
              r.metrics.latency_cycles, r.metrics.peak_buffer_bytes, r.metrics.energy_pj);
  return 0;
}
