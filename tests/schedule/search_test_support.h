// search_test_support.h: graphs, hardware and options shared by the search tests.
#ifndef SOMA_TESTS_SCHEDULE_SEARCH_TEST_SUPPORT_H_
#define SOMA_TESTS_SCHEDULE_SEARCH_TEST_SUPPORT_H_

#include <cstdint>

#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "schedule/strategy.h"
#include "util/graph_builder.h"

namespace soma::testing {

/// A tiny-like accelerator: 2x2 PEs of 8x8 MACs at 1 GHz, `buffer_bytes` of buffer with
/// 32-byte alignment, `dma_queues` DMA queues of 4 GB/s each, int8 data.
inline arch::ArchConfig TinyConfig(int64_t buffer_bytes = 256 * 1024, int64_t dma_queues = 2) {
  arch::ArchConfig config;
  config.name = "tiny-test";
  config.clock_hz = 1'000'000'000;
  config.pe_rows = 2;
  config.pe_cols = 2;
  config.vector_width = 8;
  config.lanes = 8;
  config.vector_ops_per_cycle = 64;
  config.buffer_bytes = buffer_bytes;
  config.buffer_alignment_bytes = 32;
  config.buffer_bandwidth_bytes_per_cycle = 64;
  config.dram_bandwidth_bytes_per_second = 4'000'000'000;
  config.dma_queues = dma_queues;
  config.activation_bytes = 1;
  config.weight_bytes = 1;
  config.mac_energy_pj = 0.018;
  config.vector_op_energy_pj = 0.0873;
  config.buffer_read_energy_pj_per_byte = 1.0;
  config.buffer_write_energy_pj_per_byte = 1.1;
  config.dram_energy_pj_per_byte = 84;
  return config;
}

/// x [1,16,32,32] -> c1 -> c2 -> add(c1, c2) -> pool -> c3 -> gap -> fc: a residual block
/// between convolutions, then a classifier.
inline graph::LayerGraph ResidualNet() {
  GraphBuilder builder("residual");
  const graph::TensorId x = builder.Input("x", {1, 16, 32, 32});
  const graph::TensorId c1 = builder.Conv("c1", x, 32);
  const graph::TensorId c2 = builder.Conv("c2", c1, 32);
  const graph::TensorId sum = builder.Add("add", c1, c2, /*relu=*/true);
  const graph::TensorId pool = builder.MaxPool("pool", sum, 2, 2);
  const graph::TensorId c3 = builder.Conv("c3", pool, 64);
  const graph::TensorId gap = builder.GlobalAveragePool("gap", c3);
  builder.Output(builder.FullyConnected("fc", gap, 10));
  return builder.Build();
}

/// x [1,8,24,24] -> stem; two branches (1x1 and 3x3) -> concat -> conv -> output: a graph
/// whose layer order has freedom.
inline graph::LayerGraph BranchyNet() {
  GraphBuilder builder("branchy");
  const graph::TensorId x = builder.Input("x", {1, 8, 24, 24});
  const graph::TensorId stem = builder.Conv("stem", x, 16);
  const graph::TensorId left = builder.Conv("left", stem, 16, {.kernel = 1, .pad = 0});
  const graph::TensorId right = builder.Conv("right", stem, 16);
  const graph::TensorId right2 = builder.Conv("right2", right, 16);
  const graph::TensorId joined = builder.Concat("concat", {left, right2});
  builder.Output(builder.Conv("head", joined, 32));
  return builder.Build();
}

/// Search options small enough for unit tests.
inline schedule::ScheduleOptions SmallSearch(schedule::StrategyKind strategy, uint64_t seed = 7) {
  schedule::ScheduleOptions options;
  options.strategy = strategy;
  options.seed = seed;
  options.stage1_rounds = 300;
  options.stage2_rounds = 2000;
  options.buffer_passes = 1;
  return options;
}

}  // namespace soma::testing

#endif  // SOMA_TESTS_SCHEDULE_SEARCH_TEST_SUPPORT_H_
