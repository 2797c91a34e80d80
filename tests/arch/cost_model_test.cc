// cost_model_test.cc: tile cycles and energy, DMA cycles, byte helpers and lower bounds,
// each checked against numbers worked out by hand in the comments.
#include "arch/cost_model.h"

#include <cstdint>
#include <string>

#include "arch/arch_config.h"
#include "graph/box.h"
#include "gtest/gtest.h"
#include "util/graph_builder.h"
#include "util/test_paths.h"

namespace soma::arch {
namespace {

using graph::Box;
using graph::LayerGraph;
using testing::ConvOptions;
using testing::GraphBuilder;

// A buffer bandwidth so large that the buffer term never decides a tile's cycles, so a test
// measures the compute cycles alone.
constexpr int64_t kUnboundedBufferBytesPerCycle = int64_t{1} << 40;

class CostModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string folder = ::soma::testing::SourceDir() + "/models/hw/";
    absl::StatusOr<ArchConfig> edge = LoadArchConfig(folder + "soma-edge.yaml");
    ASSERT_TRUE(edge.ok()) << edge.status();
    edge_ = *edge;
    absl::StatusOr<ArchConfig> tiny = LoadArchConfig(folder + "tiny.yaml");
    ASSERT_TRUE(tiny.ok()) << tiny.status();
    tiny_ = *tiny;
  }

  // soma-edge with an unbounded buffer bandwidth.
  CostModel EdgeComputeOnly() const {
    ArchConfig config = edge_;
    config.buffer_bandwidth_bytes_per_cycle = kUnboundedBufferBytesPerCycle;
    return CostModel(config);
  }

  // Cost of layer 0's whole output.
  static TileCost WholeLayerCost(const CostModel& model, const LayerGraph& graph) {
    return model.LayerTileCost(graph, 0, Box::Full(graph.OutputOf(0).shape));
  }

  ArchConfig edge_;
  ArchConfig tiny_;
};

// One conv layer on a [1, channels, size, size] input, as layer 0.
LayerGraph SingleConv(int64_t channels, int64_t size, int64_t out_channels,
                      const ConvOptions& options) {
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, channels, size, size});
  builder.Output(builder.Conv("conv", input, out_channels, options));
  return builder.Build();
}

constexpr ConvOptions kPointwise{.kernel = 1, .pad = 0, .relu = false, .bias = false};
constexpr ConvOptions k3x3{.kernel = 3, .pad = 1, .relu = false, .bias = false};

TEST_F(CostModelTest, PointwiseConvTakesBestPartition) {
  // 1x1 conv, 64 -> 64 channels, 8x8 output, on 4x4 PEs of 16 vec x 32 lanes. Partitions:
  // (C,K) 1*1*8*8 = 64; (C,B) 1*2*64 = 128; (B,K) 4*1*64 = 256; (C,W) 1*2*8*2 = 32;
  // (H,K) 4*1*2*8 = 64; (H,W) 4*2*2*2 = 32. The best is 32 cycles.
  const LayerGraph graph = SingleConv(64, 8, 64, kPointwise);
  const TileCost cost = WholeLayerCost(EdgeComputeOnly(), graph);
  EXPECT_EQ(cost.cycles, 32);
  EXPECT_EQ(cost.macs, 64 * 64 * 8 * 8);
  EXPECT_EQ(cost.vector_ops, 0);
}

TEST_F(CostModelTest, PointwiseConvIsBufferBound) {
  // The same conv moves 4096 input + 4096 weight + 4096 output bytes at 256 B/cycle: 48
  // cycles, more than its 32 compute cycles. Energy: 262144 MACs * 0.018 + 8192 read bytes
  // * 1.53 + 4096 written bytes * 1.64 = 4718.592 + 12533.76 + 6717.44 pJ.
  const LayerGraph graph = SingleConv(64, 8, 64, kPointwise);
  const TileCost cost = WholeLayerCost(CostModel(edge_), graph);
  EXPECT_EQ(cost.cycles, 48);
  EXPECT_NEAR(cost.energy_pj, 4718.592 + 12533.76 + 6717.44, 1e-6);
}

TEST_F(CostModelTest, Conv3x3IsComputeBound) {
  // 3x3 conv, 64 -> 64 channels, 16x16 output: (C,W) 1*2*16*4*9 = 1152 = (H,W) 4*2*4*4*9;
  // the other partitions take 2304 or more. Buffer: 16384 + 36864 + 16384 bytes / 256 = 272.
  const LayerGraph graph = SingleConv(64, 16, 64, k3x3);
  const TileCost cost = WholeLayerCost(CostModel(edge_), graph);
  EXPECT_EQ(cost.cycles, 1152);
  EXPECT_EQ(cost.macs, 64 * 64 * 16 * 16 * 9);
}

TEST_F(CostModelTest, PartialBoxCostsLess) {
  // Output rows [0, 8) and channels [0, 32) of the 3x3 conv: (H,W) 4*1*2*4*9 = 288 is best
  // ((C,K) 1*1*128*9 = 1152, (C,W) 1*1*8*4*9 = 288).
  const LayerGraph graph = SingleConv(64, 16, 64, k3x3);
  const TileCost cost = CostModel(edge_).LayerTileCost(graph, 0, Box{{0, 0, 0, 0}, {1, 32, 8, 16}});
  EXPECT_EQ(cost.cycles, 288);
  EXPECT_EQ(cost.macs, 32 * 8 * 16 * 64 * 9);
}

TEST_F(CostModelTest, DepthwiseConvRunsGroupsInSequence) {
  // Depthwise 3x3 on 32 channels, 16x16: each group has C = K = 1, best (H,W) 1*1*4*4*9 =
  // 144 cycles, and the 32 groups run one after another: 4608 cycles for 73728 MACs, which
  // 8192 MACs would do in 9 cycles at full utilisation.
  ConvOptions depthwise = k3x3;
  depthwise.groups = 32;
  const LayerGraph graph = SingleConv(32, 16, 32, depthwise);
  const CostModel model(edge_);
  const TileCost cost = WholeLayerCost(model, graph);
  EXPECT_EQ(cost.cycles, 4608);
  EXPECT_EQ(cost.macs, 32 * 16 * 16 * 9);

  // Channels [8, 24) cover 16 groups: 16 * 144.
  EXPECT_EQ(model.LayerTileCost(graph, 0, Box{{0, 8, 0, 0}, {1, 24, 16, 16}}).cycles, 2304);
}

TEST_F(CostModelTest, GroupedConvCountsPartialGroups) {
  // 3x3 conv, 64 -> 64 channels in 4 groups of 16, 8x8 output: per group (H,W)
  // 1*1*2*2*9 = 36 cycles, so 4 groups take 144. Buffer: 4096 + 9216 + 4096 bytes / 256 = 68.
  ConvOptions grouped = k3x3;
  grouped.groups = 4;
  const LayerGraph graph = SingleConv(64, 8, 64, grouped);
  const CostModel model(edge_);
  EXPECT_EQ(WholeLayerCost(model, graph).cycles, 144);

  // Channels [8, 40) touch group 0 (8 channels), group 1 (16) and group 2 (8): 3 * 36.
  // Bytes: 48 input channels * 64 + 32 * 16 * 9 weights + 32 * 64 output = 9728, 38 cycles.
  const TileCost partial = model.LayerTileCost(graph, 0, Box{{0, 8, 0, 0}, {1, 40, 8, 8}});
  EXPECT_EQ(partial.cycles, 108);
  EXPECT_EQ(partial.macs, 32 * 8 * 8 * 16 * 9);
}

TEST_F(CostModelTest, GroupedConvUsesOnePartitionPerTile) {
  // On tiny (2x2 PEs of 8 vec x 8 lanes), a 1x1 conv of 16 -> 32 channels in 2 groups
  // (C = 8, K = 16 per group), 1x3 output, box channels [8, 32): group 0 has 8 output
  // channels, group 1 has 16. Per partition, group 0 + group 1: (C,K) 3 + 3, (C,B) 3 + 6,
  // (B,K) 3 + 3, (C,W) 2 + 4, (H,K) 3 + 3, (H,W) 2 + 4. The tile takes 6 cycles; mapping each
  // group on its own best partition would claim 2 + 3 = 5.
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, 16, 1, 3});
  ConvOptions grouped = kPointwise;
  grouped.groups = 2;
  builder.Output(builder.Conv("conv", input, 32, grouped));
  const LayerGraph graph = builder.Build();
  ArchConfig config = tiny_;
  config.buffer_bandwidth_bytes_per_cycle = kUnboundedBufferBytesPerCycle;
  EXPECT_EQ(CostModel(config).LayerTileCost(graph, 0, Box{{0, 8, 0, 0}, {1, 32, 1, 3}}).cycles, 6);
}

TEST_F(CostModelTest, FullyConnectedIsPointwiseConvOverFlattenedInput) {
  // FC of 256*2*2 = 1024 features -> 100, batch 1: (C,K) ceil(1024/64) * ceil(100/128) = 16
  // compute cycles. Buffer: 1024 input + 102400 weight + 100 bias + 100 output bytes = 103624
  // at 256 B/cycle = 405 cycles. The bias is one vector op per output element.
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, 256, 2, 2});
  builder.Output(builder.FullyConnected("fc", input, 100));
  const LayerGraph graph = builder.Build();

  const TileCost compute_only = WholeLayerCost(EdgeComputeOnly(), graph);
  EXPECT_EQ(compute_only.cycles, 16);
  const TileCost cost = WholeLayerCost(CostModel(edge_), graph);
  EXPECT_EQ(cost.cycles, 405);
  EXPECT_EQ(cost.macs, 102400);
  EXPECT_EQ(cost.vector_ops, 100);
  EXPECT_NEAR(cost.energy_pj,
              102400 * 0.018 + 100 * 0.0873 + (1024 + 102400 + 100) * 1.53 + 100 * 1.64, 1e-6);
}

TEST_F(CostModelTest, PoolCostsKernelAreaPerElement) {
  // Max pool 3x3, stride 1, pad 1 on [1, 32, 16, 16]: 8192 outputs * 9 = 73728 ops / 512 =
  // 144 cycles, more than (8192 + 8192) bytes / 256 = 64.
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, 32, 16, 16});
  builder.Output(builder.MaxPool("pool", input, 3, 1, 1));
  const LayerGraph graph = builder.Build();
  const TileCost cost = WholeLayerCost(CostModel(edge_), graph);
  EXPECT_EQ(cost.cycles, 144);
  EXPECT_EQ(cost.macs, 0);
  EXPECT_EQ(cost.vector_ops, 73728);
  EXPECT_NEAR(cost.energy_pj, 73728 * 0.0873 + 8192 * 1.53 + 8192 * 1.64, 1e-6);
}

TEST_F(CostModelTest, StridedPoolIsBufferBound) {
  // Max pool 2x2, stride 2 on [1, 32, 16, 16]: 2048 * 4 ops / 512 = 16 cycles, but
  // (8192 + 2048) bytes / 256 = 40 cycles.
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, 32, 16, 16});
  builder.Output(builder.MaxPool("pool", input, 2, 2));
  const LayerGraph graph = builder.Build();
  const TileCost cost = WholeLayerCost(CostModel(edge_), graph);
  EXPECT_EQ(cost.cycles, 40);
  EXPECT_EQ(cost.vector_ops, 8192);
}

TEST_F(CostModelTest, EltwiseCountsFoldedActivation) {
  // Add of two [1, 64, 8, 8] tensors with a folded Relu: 4096 * (1 + 1) = 8192 ops, 16
  // cycles; buffer 3 * 4096 bytes / 256 = 48 cycles.
  GraphBuilder builder;
  const graph::TensorId a = builder.Input("a", {1, 64, 8, 8});
  const graph::TensorId b = builder.Input("b", {1, 64, 8, 8});
  builder.Output(builder.Add("add", a, b, /*relu=*/true));
  const LayerGraph graph = builder.Build();
  const TileCost cost = WholeLayerCost(CostModel(edge_), graph);
  EXPECT_EQ(cost.vector_ops, 8192);
  EXPECT_EQ(cost.cycles, 48);
}

TEST_F(CostModelTest, SoftmaxAndConcatCosts) {
  // Softmax is 4 ops per element: [1, 1000, 1, 1] -> 4000 ops, ceil(4000 / 512) = 8 cycles.
  // Concat copies once: 2 * [1, 16, 4, 4] -> 512 ops, 1 cycle; buffer 1024 bytes / 256 = 4.
  GraphBuilder builder;
  const graph::TensorId logits = builder.Input("logits", {1, 1000, 1, 1});
  builder.Output(builder.Softmax("softmax", logits));
  const graph::TensorId a = builder.Input("a", {1, 16, 4, 4});
  const graph::TensorId b = builder.Input("b", {1, 16, 4, 4});
  builder.Output(builder.Concat("concat", {a, b}));
  const LayerGraph graph = builder.Build();
  const CostModel model(edge_);

  const TileCost softmax = model.LayerTileCost(graph, 0, Box::Full(graph.OutputOf(0).shape));
  EXPECT_EQ(softmax.vector_ops, 4000);
  EXPECT_EQ(softmax.cycles, 8);
  const TileCost concat = model.LayerTileCost(graph, 1, Box::Full(graph.OutputOf(1).shape));
  EXPECT_EQ(concat.vector_ops, 512);
  EXPECT_EQ(concat.cycles, 4);
}

TEST_F(CostModelTest, EmptyBoxCostsNothing) {
  // A box with no elements takes no cycles.
  const LayerGraph graph = SingleConv(64, 8, 64, kPointwise);
  const TileCost cost = CostModel(edge_).LayerTileCost(graph, 0, Box{{0, 0, 0, 0}, {1, 0, 8, 8}});
  EXPECT_EQ(cost.cycles, 0);
  EXPECT_EQ(cost.macs, 0);
}

TEST_F(CostModelTest, DmaCyclesRoundUp) {
  // tiny moves 4 bytes per cycle on each queue.
  const CostModel model(tiny_);
  EXPECT_EQ(model.DmaCycles(0), 0);
  EXPECT_EQ(model.DmaCycles(1), 1);
  EXPECT_EQ(model.DmaCycles(4), 1);
  EXPECT_EQ(model.DmaCycles(10), 3);
}

TEST_F(CostModelTest, DmaCyclesForFractionalBandwidth) {
  // 16 GB/s at 700 MHz is 22.857 bytes per cycle: 1000 bytes take ceil(43.75) = 44 cycles.
  ArchConfig config = edge_;
  config.clock_hz = 700000000;
  EXPECT_EQ(CostModel(config).DmaCycles(1000), 44);
}

TEST_F(CostModelTest, DmaCyclesAreExactWhereDoublesAreNot) {
  // 11 GB/s at 1.2 GHz: 275 bytes take exactly 275 * 1.2e9 / 11e9 = 30 cycles, while
  // ceil(275 / (11e9 / 1.2e9)) in doubles gives 31.
  ArchConfig config = edge_;
  config.clock_hz = 1200000000;
  config.dram_bandwidth_bytes_per_second = 11000000000;
  EXPECT_EQ(CostModel(config).DmaCycles(275), 30);
  EXPECT_EQ(CostModel(config).DmaCycles(276), 31);
}

TEST_F(CostModelTest, DmaCyclesOfLargeTransfersDoNotOverflow) {
  // 1e12 bytes * 1e9 Hz exceeds 64 bits; the result, 1e12 / 16, does not.
  EXPECT_EQ(CostModel(edge_).DmaCycles(1000000000000), 62500000000);
}

TEST_F(CostModelTest, DmaEnergyAndByteHelpers) {
  // 84 pJ per DRAM byte; alignment to 64 bytes; element sizes from the config.
  ArchConfig config = edge_;
  config.activation_bytes = 2;
  config.weight_bytes = 4;
  const CostModel model(config);
  EXPECT_DOUBLE_EQ(model.DmaEnergyPj(1000), 84000.0);
  EXPECT_EQ(model.AlignedBytes(0), 0);
  EXPECT_EQ(model.AlignedBytes(1), 64);
  EXPECT_EQ(model.AlignedBytes(64), 64);
  EXPECT_EQ(model.AlignedBytes(65), 128);
  EXPECT_EQ(model.ActivationBytes(Box{{0, 0, 0, 0}, {1, 3, 4, 5}}), 120);
  EXPECT_EQ(model.WeightBytes(10), 40);
}

// Input [1, 64, 16, 16] -> 3x3 conv 64 -> 64 (bias, Relu) -> 2x2 max pool, stride 2.
LayerGraph ConvPoolGraph() {
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, 64, 16, 16});
  const graph::TensorId conv = builder.Conv("conv", input, 64, ConvOptions{.kernel = 3, .pad = 1});
  builder.Output(builder.MaxPool("pool", conv, 2, 2));
  return builder.Build();
}

TEST_F(CostModelTest, BoundsOnEdge) {
  // Compute: conv 1152 cycles (buffer 69696 bytes / 256 = 273 is less) + pool max(4096 * 4 /
  // 512 = 32, 20480 / 256 = 80) = 1232. DRAM: weights 36864 + input 16384 + output 4096 =
  // 57344 bytes / 16 = 3584 cycles (the bias travels in the layer table, not by DMA).
  // Peak: 9437184 MACs / 8192 = 1152.
  const Bounds bounds = CostModel(edge_).ComputeBounds(ConvPoolGraph());
  EXPECT_EQ(bounds.compute_bound_cycles, 1232);
  EXPECT_EQ(bounds.dram_bound_cycles, 3584);
  EXPECT_EQ(bounds.peak_compute_cycles, 1152);
  EXPECT_EQ(bounds.LatencyBoundCycles(), 3584);
}

TEST_F(CostModelTest, BoundsOnTinySplitDramOverQueues) {
  // Compute: conv, every partition 9437184 / 256 = 36864 cycles, + pool max(16384 / 64 =
  // 256, 20480 / 64 = 320) = 37184. DRAM: 57344 bytes / 4 = 14336 cycles over 2 queues =
  // 7168. Peak: 9437184 / 256 = 36864.
  const Bounds bounds = CostModel(tiny_).ComputeBounds(ConvPoolGraph());
  EXPECT_EQ(bounds.compute_bound_cycles, 37184);
  EXPECT_EQ(bounds.dram_bound_cycles, 7168);
  EXPECT_EQ(bounds.peak_compute_cycles, 36864);
  EXPECT_EQ(bounds.LatencyBoundCycles(), 37184);
}

TEST_F(CostModelTest, DramBoundRoundsUpOverQueues) {
  // A 1x1 conv 12 -> 1 on [1, 12, 1, 1] without bias: 12 weight + 12 input + 1 output = 25
  // bytes take 7 cycles at 4 B/cycle, and 2 queues need ceil(7 / 2) = 4.
  GraphBuilder builder;
  const graph::TensorId input = builder.Input("x", {1, 12, 1, 1});
  builder.Output(builder.Conv("conv", input, 1, kPointwise));
  EXPECT_EQ(CostModel(tiny_).ComputeBounds(builder.Build()).dram_bound_cycles, 4);
}

}  // namespace
}  // namespace soma::arch
