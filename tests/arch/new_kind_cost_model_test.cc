// new_kind_cost_model_test.cc: tile costs of MatMul and tensor operation layers on soma-edge,
// each checked against numbers worked out by hand in the comments.
#include <cstdint>
#include <string>

#include "arch/arch_config.h"
#include "arch/cost_model.h"
#include "graph/box.h"
#include "gtest/gtest.h"
#include "util/graph_builder.h"
#include "util/test_paths.h"

namespace soma::arch {
namespace {

using graph::Box;
using graph::LayerGraph;
using testing::GraphBuilder;
using testing::TensorOpSpec;

class NewKindCostModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ArchConfig> edge =
        LoadArchConfig(::soma::testing::SourceDir() + "/models/hw/soma-edge.yaml");
    ASSERT_TRUE(edge.ok()) << edge.status();
    edge_ = *edge;
  }

  // soma-edge with a buffer bandwidth so large that only compute decides the cycles.
  CostModel ComputeOnly() const {
    ArchConfig config = edge_;
    config.buffer_bandwidth_bytes_per_cycle = int64_t{1} << 40;
    return CostModel(config);
  }

  ArchConfig edge_;
};

TEST_F(NewKindCostModelTest, MatMulMapsKAsReduction) {
  // (1, 1, 64, 256) x (1, 1, 256, 128) on 4x4 PEs of 16 x 32: the best partitions (C,K) and
  // (H,K) take ceil(256/64) * ceil(128/128) * 64 = ceil(256/16) * 1 * ceil(64/4) = 256
  // cycles. MACs: 64 * 128 outputs of 256 terms.
  GraphBuilder builder;
  const graph::TensorId a = builder.Input("a", {1, 1, 64, 256});
  const graph::TensorId b = builder.Input("b", {1, 1, 256, 128});
  builder.Output(builder.MatMul("mm", a, b));
  const LayerGraph graph = builder.Build();
  const TileCost cost = ComputeOnly().LayerTileCost(graph, 0, Box::Full({1, 1, 64, 128}));
  EXPECT_EQ(cost.cycles, 256);
  EXPECT_EQ(cost.macs, 64 * 128 * 256);
  EXPECT_EQ(cost.vector_ops, 0);
}

// One tensor operation on x (1, 8, 16, 16): 2048 elements in, 2048 out.
LayerGraph SingleTensorOp(graph::ExecutionUnit unit, int64_t mac_count) {
  GraphBuilder builder;
  const graph::TensorId x = builder.Input("x", {1, 8, 16, 16});
  TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.output_shape = {1, 8, 16, 16};
  spec.unit = unit;
  spec.mac_count = mac_count;
  builder.Output(builder.TensorOp("op", {x}, spec));
  return builder.Build();
}

TEST_F(NewKindCostModelTest, HostTensorOpCost) {
  // 20000 cycles per call plus 4 per element: 20000 + 4 * 4096 = 36384. Energy: 4096
  // elements at the vector op energy, 2048 bytes read and 2048 written.
  const LayerGraph graph = SingleTensorOp(graph::ExecutionUnit::kHost, 0);
  const TileCost cost = CostModel(edge_).LayerTileCost(graph, 0, Box::Full({1, 8, 16, 16}));
  EXPECT_EQ(cost.cycles, kHostCallCycles + kHostCyclesPerElement * 4096);
  EXPECT_EQ(cost.cycles, 36384);
  EXPECT_EQ(cost.vector_ops, 4096);
  EXPECT_EQ(cost.macs, 0);
  EXPECT_NEAR(cost.energy_pj, 4096 * 0.0873 + 2048 * 1.53 + 2048 * 1.64, 1e-6);
}

TEST_F(NewKindCostModelTest, VectorTensorOpCountsElements) {
  // ceil(4096 / 512) = 8 compute cycles; the 4096 buffer bytes at 256 B/cycle take 16.
  const LayerGraph graph = SingleTensorOp(graph::ExecutionUnit::kVector, 0);
  const Box whole = Box::Full({1, 8, 16, 16});
  EXPECT_EQ(ComputeOnly().LayerTileCost(graph, 0, whole).cycles, 8);
  EXPECT_EQ(CostModel(edge_).LayerTileCost(graph, 0, whole).cycles, 16);
}

TEST_F(NewKindCostModelTest, VectorTensorOpWithMacsUsesMacArray) {
  // 1000000 MACs over 4 * 4 * 16 * 32 = 8192 MACs per cycle: ceil(122.07) = 123 cycles.
  const LayerGraph graph = SingleTensorOp(graph::ExecutionUnit::kVector, 1'000'000);
  const TileCost cost = ComputeOnly().LayerTileCost(graph, 0, Box::Full({1, 8, 16, 16}));
  EXPECT_EQ(cost.cycles, 123);
  EXPECT_EQ(cost.macs, 1'000'000);
}

TEST_F(NewKindCostModelTest, BoundsIncludeTensorOps) {
  // The compute bound is the host op's 36384 cycles. The DRAM bound moves the 2048-byte
  // input and output once at 16 bytes per cycle, in 256 cycles.
  const LayerGraph graph = SingleTensorOp(graph::ExecutionUnit::kHost, 0);
  const Bounds bounds = CostModel(edge_).ComputeBounds(graph);
  EXPECT_EQ(bounds.compute_bound_cycles, 36384);
  EXPECT_EQ(bounds.dram_bound_cycles, 256);
}

}  // namespace
}  // namespace soma::arch
