// layer_by_layer_test.cc: the lbl strategy's tiling choices, channel splits, partial sums,
// infeasible layers and determinism, with unit costs.
#include "schedule/layer_by_layer.h"

#include <string>
#include <vector>

#include "alloc/buffer_allocation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schedule/tiling_model.h"
#include "plan_helpers.h"
#include "program_fingerprint.h"
#include "test_graphs.h"
#include "unit_costs.h"
#include "vgg19_graph.h"
#include "util/graph_builder.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using graph::TensorId;
using ::testing::HasSubstr;
using soma::testing::GraphBuilder;
using soma::testing::MakePlan;
using soma::testing::ProgramFingerprint;
using soma::testing::UnitCostModel;

// Checks what every lbl Program must satisfy: its own invariants and an allocation inside
// the buffer.
void ExpectValidAndAllocatable(const Program& program, int64_t capacity_bytes) {
  EXPECT_TRUE(program.Verify().ok()) << program.Verify();
  EXPECT_LE(program.peak_buffer_bytes, capacity_bytes);
  auto allocation = alloc::AllocateBuffer(program, capacity_bytes, 1);
  ASSERT_TRUE(allocation.ok()) << allocation.status();
  EXPECT_TRUE(allocation->Verify(program, capacity_bytes, 1).ok());
}

// Peak live bytes of `layer` scheduled alone with `tiles` tiles at the default timing.
int64_t SingleLayerPeak(const LayerGraph& graph, graph::LayerId layer, int tiles) {
  TilingOptions options;
  options.allow_layer_subset = true;
  auto model = TilingModel::Build(graph, MakePlan({{{{layer}, tiles}}}),
                                  UnitCostModel{}.Functions(), nullptr, options);
  EXPECT_TRUE(model.ok()) << model.status();
  const std::vector<int64_t> live = LiveBytesByPosition(*model, model->DefaultDramPlan());
  return *std::max_element(live.begin(), live.end());
}

// x [1,8,16,16] -> 3x3 conv with 8 output channels: 2 KiB in, 2 KiB out, 576 + 8 bytes of
// weights and bias.
LayerGraph SingleConv() {
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 8, 16, 16});
  builder.Output(builder.Conv("conv", x, 8));
  return builder.Build();
}

TEST(LayerByLayerTest, WholeLayersWhenBufferIsLarge) {
  // With room for everything every layer runs as one tile.
  const LayerGraph graph = soma::testing::PointwiseChain();
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), 1 << 20);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->schedule.fusion.tile_counts, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(program->schedule.fusion.group_starts, (std::vector<bool>{true, true, true}));
  EXPECT_EQ(program->schedule.strategy, "lbl");
  ExpectValidAndAllocatable(*program, 1 << 20);
}

TEST(LayerByLayerTest, PicksSmallestFittingPowerOfTwo) {
  // A 4000-byte buffer is too small for the whole conv (2 KiB in, 2 KiB out and 584 bytes
  // of weights and bias), so lbl tiles it. Half as many tiles would not fit.
  const LayerGraph graph = SingleConv();
  constexpr int64_t kCapacity = 4000;
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), kCapacity);
  ASSERT_TRUE(program.ok()) << program.status();
  const int tiles = program->schedule.fusion.tile_counts[0];
  EXPECT_GT(tiles, 1);
  EXPECT_LE(SingleLayerPeak(graph, 0, tiles), kCapacity);
  EXPECT_GT(SingleLayerPeak(graph, 0, tiles / 2), kCapacity);
  ExpectValidAndAllocatable(*program, kCapacity);
}

TEST(LayerByLayerTest, SplitsChannelsWhenWeightsExceedBuffer) {
  // 256 KiB of fully connected weights in a 64 KiB buffer: chunks of 16 output channels
  // (16 KiB each, two live at a chunk boundary) fit, chunks of 32 do not.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 64, 4, 4});
  builder.Output(builder.FullyConnected("fc", x, 256));
  const LayerGraph graph = builder.Build();
  constexpr int64_t kCapacity = 64 * 1024;
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), kCapacity);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->schedule.fusion.channel_splits[0], 16);
  EXPECT_EQ(program->schedule.fusion.tile_counts[0], 16);
  EXPECT_EQ(program->schedule.fusion.reduction_splits[0], 1);
  // Each chunk's weights are loaded once, and the 16 chunks share one load of the input:
  // 256 KiB of weights, 1 KiB of input, the output.
  EXPECT_EQ(program->dram_bytes, 256 * 1024 + 1024 + 256);
  ExpectValidAndAllocatable(*program, kCapacity);
}

TEST(LayerByLayerTest, SplitsReductionWhenOneChannelDoesNotFit) {
  // One output channel of this layer reads 16 KiB of weights and 16 KiB of input, more
  // than the 16 KiB buffer, so lbl computes partial sums over input-channel slices.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 256, 8, 8});
  builder.Output(builder.FullyConnected("fc", x, 4));
  const LayerGraph graph = builder.Build();
  constexpr int64_t kCapacity = 16 * 1024;
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), kCapacity);
  ASSERT_TRUE(program.ok()) << program.status();
  const FusionPlan& plan = program->schedule.fusion;
  EXPECT_GT(plan.reduction_splits[0], 1);
  ExpectValidAndAllocatable(*program, kCapacity);

  // Every output tile is one run of partial sums: the first overwrites, the last applies
  // the epilogue and is stored.
  const int slices = plan.reduction_splits[0];
  int stores = 0;
  for (const TransferOp& transfer : program->transfers) {
    if (transfer.direction == TransferDirection::kStore) ++stores;
  }
  EXPECT_EQ(stores, plan.tile_counts[0] / slices);
  for (const ComputeOp& op : program->compute_ops) {
    EXPECT_EQ(op.accumulate, op.tile % slices != 0) << "tile " << op.tile;
    EXPECT_EQ(op.final_partial, op.tile % slices == slices - 1) << "tile " << op.tile;
    EXPECT_EQ(op.inputs[0].box.Extent(graph::kC), 256 / slices);
  }
}

TEST(LayerByLayerTest, InfeasibleLayerReportsItsSmallestTile) {
  // The smallest tile of this layer (one output channel, one input channel) needs a
  // weight and a bias value, one input and one output element: 4 bytes in a 3-byte buffer.
  GraphBuilder builder;
  TensorId x = builder.Input("x", {1, 4, 1, 1});
  builder.Output(builder.FullyConnected("fc", x, 4));
  const LayerGraph graph = builder.Build();
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), 3);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(program.status().message(),
              HasSubstr("layer 'fc' needs 4 bytes with the smallest tile (weights 2, input 1, "
                        "output 1), buffer has 3 bytes"));
}

TEST(LayerByLayerTest, VggFc6SplitsChannels) {
  // fc6's 100 MB of weights stream through an 8 MiB buffer in output-channel chunks, each
  // loaded once, and so do the other layers' weights.
  const LayerGraph graph = soma::testing::VggNineteen();
  ASSERT_TRUE(graph.Verify().ok()) << graph.Verify();
  constexpr int64_t kCapacity = 8 * 1024 * 1024;
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), kCapacity);
  ASSERT_TRUE(program.ok()) << program.status();
  const FusionPlan& plan = program->schedule.fusion;
  constexpr int kFc6 = 21;
  ASSERT_EQ(graph.layer(kFc6).name, "fc6");
  EXPECT_GT(plan.channel_splits[kFc6], 1);
  EXPECT_EQ(plan.reduction_splits[kFc6], 1);
  int64_t weight_bytes = 0;
  for (const TransferOp& transfer : program->transfers) {
    if (transfer.key.kind == TransferKind::kLoadWeight) weight_bytes += transfer.bytes;
  }
  int64_t parameters = 0;
  for (const graph::Layer& layer : graph.layers) {
    if (layer.weight) parameters += graph.tensor(*layer.weight).ElementCount();
  }
  EXPECT_EQ(parameters, 143652544) << "VGG-19 has 143.7 million weights besides its biases";
  EXPECT_EQ(weight_bytes, parameters);
  ExpectValidAndAllocatable(*program, kCapacity);
}

TEST(LayerByLayerTest, TwoRunsGiveIdenticalPrograms) {
  // lbl is deterministic: the same graph and buffer give the same Program. The buffer is
  // small enough that layer boundaries force finer tilings.
  const LayerGraph graph = soma::testing::ThreeConvChain();
  auto first = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), 600);
  auto second = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), 600);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(ProgramFingerprint(*first), ProgramFingerprint(*second));
  ExpectValidAndAllocatable(*first, 600);
}

TEST(LayerByLayerTest, ReportsProgress) {
  // Progress lines name the strategy and its result.
  const LayerGraph graph = soma::testing::PointwiseChain();
  std::vector<std::string> lines;
  auto program = ScheduleLayerByLayer(graph, UnitCostModel{}.Functions(), 1 << 20,
                                      [&](const std::string& line) { lines.push_back(line); });
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.back(), HasSubstr("lbl: latency"));
}

}  // namespace
}  // namespace soma::schedule
