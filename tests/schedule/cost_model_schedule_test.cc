// cost_model_schedule_test.cc: the scheduler with the real cost model on a soma-edge-like
// accelerator.
#include <string>

#include "alloc/buffer_allocation.h"
#include "arch/cost_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schedule/strategy.h"
#include "util/graph_builder.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using graph::TensorId;
using ::testing::HasSubstr;
using soma::testing::GraphBuilder;

// The soma-edge accelerator: 4x4 PEs of 16x32 MACs at 1 GHz, 8 MiB buffer, 16 GB/s DRAM,
// one DMA queue, int8 data.
arch::ArchConfig EdgeConfig(int64_t buffer_bytes = 8 * 1024 * 1024) {
  arch::ArchConfig config;
  config.name = "soma-edge-test";
  config.clock_hz = 1'000'000'000;
  config.pe_rows = 4;
  config.pe_cols = 4;
  config.vector_width = 16;
  config.lanes = 32;
  config.vector_ops_per_cycle = 512;
  config.buffer_bytes = buffer_bytes;
  config.buffer_alignment_bytes = 64;
  config.buffer_bandwidth_bytes_per_cycle = 256;
  config.dram_bandwidth_bytes_per_second = 16'000'000'000;
  config.dma_queues = 1;
  config.activation_bytes = 1;
  config.weight_bytes = 1;
  config.mac_energy_pj = 0.018;
  config.vector_op_energy_pj = 0.0873;
  config.buffer_read_energy_pj_per_byte = 1.53;
  config.buffer_write_energy_pj_per_byte = 1.64;
  config.dram_energy_pj_per_byte = 84;
  return config;
}

// A small CNN: conv, pool, conv, fully connected.
LayerGraph SmallCnn() {
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 16, 64, 64});
  TensorId c1 = builder.Conv("conv1", x, 64);
  TensorId p1 = builder.MaxPool("pool1", c1, 2, 2);
  TensorId c2 = builder.Conv("conv2", p1, 128);
  TensorId gap = builder.GlobalAveragePool("gap", c2);
  builder.Output(builder.FullyConnected("fc", gap, 10));
  return builder.Build();
}

TEST(CostModelScheduleTest, LayerByLayerOnEdgeAcceleratorIsValid) {
  // lbl with the real cost model: the Program verifies, allocates, prices every tile as
  // the cost model does, and is no faster than the compute bound.
  const LayerGraph graph = SmallCnn();
  const arch::CostModel cost_model(EdgeConfig());
  auto program = RunStrategy(graph, cost_model, ScheduleOptions{});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_TRUE(program->Verify().ok()) << program->Verify();
  auto allocation = alloc::AllocateBuffer(*program, cost_model.config().buffer_bytes, 64);
  ASSERT_TRUE(allocation.ok()) << allocation.status();
  EXPECT_TRUE(allocation->Verify(*program, cost_model.config().buffer_bytes, 64).ok());
  for (const ComputeOp& op : program->compute_ops) {
    EXPECT_EQ(op.cycles, cost_model.LayerTileCost(graph, op.layer, op.output_box).cycles)
        << "layer " << op.layer << " tile " << op.tile;
  }
  for (const TransferOp& transfer : program->transfers) {
    EXPECT_EQ(transfer.cycles, cost_model.DmaCycles(transfer.bytes));
  }
  const arch::Bounds bounds = cost_model.ComputeBounds(graph);
  EXPECT_GE(program->latency_cycles, bounds.compute_bound_cycles);
  for (const Residency& residency : program->residencies) EXPECT_EQ(residency.bytes % 64, 0);
}

TEST(CostModelScheduleTest, SmallBufferTilesTheLargeLayers) {
  // In 256 KiB conv1's 256 KiB output must be tiled; the result still verifies.
  const LayerGraph graph = SmallCnn();
  const arch::CostModel cost_model(EdgeConfig(256 * 1024));
  auto program = RunStrategy(graph, cost_model, ScheduleOptions{});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_GT(program->schedule.fusion.tile_counts[0], 1);
  EXPECT_TRUE(program->Verify().ok()) << program->Verify();
  EXPECT_LE(program->peak_buffer_bytes, 256 * 1024);
}

TEST(CostModelScheduleTest, TwoQueuesKeepLoadsAndStoresApart) {
  // With two DMA queues lbl puts loads on queue 0 and stores on queue 1.
  const LayerGraph graph = SmallCnn();
  arch::ArchConfig config = EdgeConfig(256 * 1024);
  config.dma_queues = 2;
  const arch::CostModel cost_model(config);
  auto program = RunStrategy(graph, cost_model, ScheduleOptions{});
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_TRUE(program->Verify().ok()) << program->Verify();
  ASSERT_EQ(program->dma_queues.size(), 2u);
  for (const TransferOp& transfer : program->transfers) {
    EXPECT_EQ(transfer.queue, transfer.direction == TransferDirection::kStore ? 1 : 0);
  }
}

TEST(CostModelScheduleTest, SearchStrategiesAreValidAndNoSlowerThanLbl) {
  // cocco and soma with the real cost model: valid Programs, no faster than the lower
  // bound, and soma no slower than lbl or cocco.
  const LayerGraph graph = SmallCnn();
  const arch::CostModel cost_model(EdgeConfig());
  const int64_t bound = cost_model.ComputeBounds(graph).LatencyBoundCycles();
  ScheduleOptions options;
  options.stage1_rounds = 200;
  options.stage2_rounds = 2000;
  options.buffer_passes = 1;
  int64_t lbl_latency = 0;
  int64_t cocco_latency = 0;
  for (StrategyKind strategy :
       {StrategyKind::kLayerByLayer, StrategyKind::kCocco, StrategyKind::kSoma}) {
    options.strategy = strategy;
    auto program = RunStrategy(graph, cost_model, options);
    ASSERT_TRUE(program.ok()) << StrategyKindName(strategy) << ": " << program.status();
    EXPECT_TRUE(program->Verify().ok()) << program->Verify();
    EXPECT_GE(program->latency_cycles, bound) << StrategyKindName(strategy);
    if (strategy == StrategyKind::kLayerByLayer) lbl_latency = program->latency_cycles;
    if (strategy == StrategyKind::kCocco) cocco_latency = program->latency_cycles;
    if (strategy == StrategyKind::kSoma) {
      EXPECT_LE(program->latency_cycles, lbl_latency);
      EXPECT_LE(program->latency_cycles, cocco_latency);
    }
  }
}

}  // namespace
}  // namespace soma::schedule
