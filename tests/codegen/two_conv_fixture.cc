// two_conv_fixture.cc: the hand-built two-layer conv chain of the codegen tests.
#include "codegen/two_conv_fixture.h"

#include "util/graph_builder.h"

namespace soma::codegen::testing {
namespace {

using graph::Box;
using schedule::OpRef;
using schedule::ResidencyKind;
using schedule::TransferDirection;
using schedule::TransferKind;

OpRef Compute(int index) { return {OpRef::Kind::kCompute, index}; }
OpRef Transfer(int index) { return {OpRef::Kind::kTransfer, index}; }

Box Rows(int64_t channels, int64_t lo, int64_t hi) {
  return Box{{0, 0, lo, 0}, {1, channels, hi, 8}};
}

schedule::Residency MakeResidency(ResidencyKind kind, graph::TensorId tensor, const Box& box,
                                  int64_t bytes, schedule::Lifetime lifetime) {
  schedule::Residency residency;
  residency.kind = kind;
  residency.tensor = tensor;
  residency.box = box;
  residency.bytes = bytes;
  residency.lifetime = lifetime;
  return residency;
}

schedule::ComputeOp MakeCompute(int position, graph::LayerId layer, int tile, const Box& output_box,
                                int output_residency, schedule::Operand input,
                                schedule::Operand weight, int64_t cycles) {
  schedule::ComputeOp op;
  op.position = position;
  op.layer = layer;
  op.tile = tile;
  op.output_box = output_box;
  op.output_residencies = {output_residency};
  op.inputs = {input};
  op.weight = weight;
  op.cycles = cycles;
  return op;
}

schedule::TransferOp MakeTransfer(TransferKind kind, graph::LayerId layer, int tile, int residency,
                                  graph::TensorId tensor, const Box& box, int64_t bytes,
                                  int queue) {
  schedule::TransferOp transfer;
  transfer.key = schedule::TransferKey{kind, layer, tile, 0};
  transfer.direction =
      kind == TransferKind::kStoreOutput ? TransferDirection::kStore : TransferDirection::kLoad;
  transfer.residency = residency;
  transfer.tensor = tensor;
  transfer.box = box;
  transfer.bytes = bytes;
  transfer.queue = queue;
  transfer.cycles = bytes;  // one byte per cycle
  return transfer;
}

}  // namespace

arch::ArchConfig MakeTestConfig() {
  arch::ArchConfig config;
  config.name = "codegen-test";
  config.clock_hz = 1000000000;
  config.pe_rows = 1;
  config.pe_cols = 1;
  config.vector_width = 4;
  config.lanes = 4;
  config.vector_ops_per_cycle = 16;
  config.buffer_bytes = 4096;
  config.buffer_alignment_bytes = 64;
  config.buffer_bandwidth_bytes_per_cycle = 64;
  config.dram_bandwidth_bytes_per_second = 1000000000;
  config.dma_queues = 2;
  config.activation_bytes = 2;
  config.weight_bytes = 1;
  config.mac_energy_pj = 0.5;
  config.vector_op_energy_pj = 0.25;
  config.buffer_read_energy_pj_per_byte = 1;
  config.buffer_write_energy_pj_per_byte = 2;
  config.dram_energy_pj_per_byte = 84;
  return config;
}

TwoConvFixture MakeTwoConvFixture() {
  TwoConvFixture fixture;
  fixture.config = MakeTestConfig();

  soma::testing::GraphBuilder builder("two_conv", /*seed=*/7);
  const graph::TensorId input = builder.Input("x", {1, 4, 8, 8});
  const graph::TensorId conv1 = builder.Conv("conv1", input, 8);
  const graph::TensorId conv2 = builder.Conv("conv2", conv1, 8);
  builder.Output(conv2);
  fixture.graph = builder.Build();

  schedule::Program& program = fixture.program;
  program.schedule.strategy = "cocco";
  program.residencies = {
      MakeResidency(ResidencyKind::kWeight, 1, Box{{0, 0, 0, 0}, {8, 4, 3, 3}}, 320, {-1, 3}),
      MakeResidency(ResidencyKind::kLoadedInput, 0, Rows(4, 0, 6), 384, {-1, 1}),
      MakeResidency(ResidencyKind::kWeight, 3, Box{{0, 0, 0, 0}, {8, 8, 3, 3}}, 576, {-1, 4}),
      MakeResidency(ResidencyKind::kLoadedInput, 0, Rows(4, 2, 8), 384, {1, 3}),
      MakeResidency(ResidencyKind::kTileOutput, 2, Rows(8, 0, 5), 640, {0, 2}),
      MakeResidency(ResidencyKind::kTileOutput, 2, Rows(8, 3, 8), 640, {2, 4}),
      MakeResidency(ResidencyKind::kFullMap, 4, Rows(8, 0, 8), 1024, {1, 5}),
  };
  for (schedule::Residency& residency : program.residencies) {
    residency.origin = residency.tensor <= 2 ? "conv1" : "conv2";
  }
  program.compute_ops = {
      MakeCompute(0, 0, 0, Rows(8, 0, 5), 4, {1, 0, Rows(4, 0, 6)},
                  {0, 1, Box{{0, 0, 0, 0}, {8, 4, 3, 3}}}, 100),
      MakeCompute(1, 1, 0, Rows(8, 0, 4), 6, {4, 2, Rows(8, 0, 5)},
                  {2, 3, Box{{0, 0, 0, 0}, {8, 8, 3, 3}}}, 200),
      MakeCompute(2, 0, 1, Rows(8, 3, 8), 5, {3, 0, Rows(4, 2, 8)},
                  {0, 1, Box{{0, 0, 0, 0}, {8, 4, 3, 3}}}, 100),
      MakeCompute(3, 1, 1, Rows(8, 4, 8), 6, {5, 2, Rows(8, 3, 8)},
                  {2, 3, Box{{0, 0, 0, 0}, {8, 8, 3, 3}}}, 200),
  };
  program.transfers = {
      MakeTransfer(TransferKind::kLoadWeight, 0, 0, 0, 1, Box{{0, 0, 0, 0}, {8, 4, 3, 3}}, 288, 0),
      MakeTransfer(TransferKind::kLoadInput, 0, 0, 1, 0, Rows(4, 0, 6), 384, 0),
      MakeTransfer(TransferKind::kLoadWeight, 1, 0, 2, 3, Box{{0, 0, 0, 0}, {8, 8, 3, 3}}, 576, 0),
      MakeTransfer(TransferKind::kLoadInput, 0, 1, 3, 0, Rows(4, 2, 8), 384, 0),
      MakeTransfer(TransferKind::kStoreOutput, 1, 0, 6, 4, Rows(8, 0, 4), 512, 1),
      MakeTransfer(TransferKind::kStoreOutput, 1, 1, 6, 4, Rows(8, 4, 8), 512, 1),
  };
  program.dma_queues = {{0, 1, 2, 3}, {4, 5}};
  program.compute_waits = {
      {Transfer(0), Transfer(1)},
      {Transfer(2), Compute(0)},
      {Transfer(3), Transfer(0)},
      {Transfer(2), Compute(2)},
  };
  program.transfer_waits = {
      {}, {}, {}, {Compute(0)}, {Compute(1)}, {Compute(3), Compute(1), Transfer(4)},
  };
  program.latency_cycles = 2480;
  program.energy_pj = 12345.5;
  program.dram_bytes = 2656;
  program.peak_buffer_bytes = 3968;

  fixture.allocation.offsets = {0, 320, 704, 1280, 1664, 2304, 2944};
  fixture.allocation.used_bytes = 3968;
  return fixture;
}

}  // namespace soma::codegen::testing
