// command_emission_test.cc: EmitCommandStream on the hand-built two-conv Program: queues,
// waits, addresses, origins, determinism and the emit-time legality errors.
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "codegen/stream_io.h"
#include "codegen/two_conv_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::codegen {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeTwoConvFixture;
using ::testing::StartsWith;
using testing::TwoConvFixture;

stream::CommandStream EmitOrDie(const TwoConvFixture& fixture) {
  absl::StatusOr<stream::CommandStream> emitted =
      EmitCommandStream(fixture.graph, fixture.program, fixture.allocation, fixture.config);
  EXPECT_TRUE(emitted.ok()) << emitted.status();
  return emitted.ok() ? *std::move(emitted) : stream::CommandStream();
}

absl::Status EmitStatus(const TwoConvFixture& fixture) {
  return EmitCommandStream(fixture.graph, fixture.program, fixture.allocation, fixture.config)
      .status();
}

// Renders a queue as "W1>=2 C W1>=3 C ..." (C compute, L load, S store, W wait) for compact
// structural checks.
std::string QueueShape(const stream::Queue& queue) {
  std::string shape;
  for (const stream::Command& command : queue.commands()) {
    if (!shape.empty()) shape += " ";
    if (command.has_wait()) {
      shape += "W" + std::to_string(command.wait().queue()) +
               ">=" + std::to_string(command.wait().count());
    } else if (command.has_compute()) {
      shape += "C";
    } else if (command.has_load()) {
      shape += "L";
    } else if (command.has_store()) {
      shape += "S";
    }
  }
  return shape;
}

TEST(CommandEmissionTest, HeaderAndTablesDescribeTheProgram) {
  // The header names the model, hardware and strategy; the tables hold every tensor and layer.
  const TwoConvFixture fixture = MakeTwoConvFixture();
  const stream::CommandStream stream = EmitOrDie(fixture);
  EXPECT_EQ(stream.header().magic(), kStreamMagic);
  EXPECT_EQ(stream.header().schema_version(), kStreamSchemaVersion);
  EXPECT_EQ(stream.header().hardware_hash(), fixture.config.Hash());
  EXPECT_EQ(stream.header().hardware_name(), "codegen-test");
  EXPECT_EQ(stream.header().model_name(), "two_conv");
  EXPECT_EQ(stream.header().strategy(), "cocco");
  EXPECT_EQ(stream.hardware().buffer_bytes(), 4096);
  EXPECT_EQ(stream.tensors_size(), 5);
  EXPECT_EQ(stream.layers_size(), 2);
  EXPECT_THAT(stream.network_inputs(), ElementsAre(0u));
  EXPECT_THAT(stream.network_outputs(), ElementsAre(4u));
  EXPECT_EQ(stream.estimate().latency_cycles(), 2480);
  EXPECT_EQ(stream.estimate().energy_pj(), 12345.5);
  EXPECT_EQ(stream.estimate().dram_bytes(), 2656);
  EXPECT_EQ(stream.estimate().peak_buffer_bytes(), 3968);
}

TEST(CommandEmissionTest, ElementBytesFollowConstness) {
  // Weights take weight_bytes per element, activations activation_bytes.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  EXPECT_EQ(stream.tensors(0).element_bytes(), 2u);
  EXPECT_EQ(stream.tensors(1).element_bytes(), 1u);
  EXPECT_EQ(stream.tensors(1).role(), stream::Tensor::ROLE_CONSTANT);
  EXPECT_EQ(stream.tensors(2).element_bytes(), 2u);
  EXPECT_EQ(stream.tensors(4).role(), stream::Tensor::ROLE_NETWORK_OUTPUT);
}

TEST(CommandEmissionTest, DramPlacementIsAlignedAndInIdOrder) {
  // Moved tensors and network inputs and outputs get 64-byte aligned offsets in id order;
  // the on-chip intermediate t2 gets none.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  struct Expected {
    bool in_dram;
    uint64_t offset;
    uint64_t bytes;
  };
  const std::vector<Expected> expected = {
      {true, 0, 512}, {true, 512, 288}, {false, 0, 0}, {true, 832, 576}, {true, 1408, 1024}};
  for (int id = 0; id < 5; ++id) {
    SCOPED_TRACE("tensor " + std::to_string(id));
    EXPECT_EQ(stream.tensors(id).in_dram(), expected[id].in_dram);
    EXPECT_EQ(stream.tensors(id).dram_offset(), expected[id].offset);
    EXPECT_EQ(stream.tensors(id).dram_bytes(), expected[id].bytes);
  }
}

TEST(CommandEmissionTest, QueuesHoldCommandsAndExactWaits) {
  // Each compute op and transfer becomes one command. Waits keep the largest count per queue
  // and drop the ones that an earlier wait of the same queue already implies.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  ASSERT_EQ(stream.queues_size(), 3);
  EXPECT_EQ(stream.queues(0).kind(), stream::Queue::COMPUTE);
  EXPECT_EQ(stream.queues(1).kind(), stream::Queue::DMA);
  EXPECT_EQ(stream.queues(2).kind(), stream::Queue::DMA);
  EXPECT_EQ(QueueShape(stream.queues(0)), "W1>=2 C W1>=3 C W1>=4 C C");
  EXPECT_EQ(QueueShape(stream.queues(1)), "L L L W0>=1 L");
  EXPECT_EQ(QueueShape(stream.queues(2)), "W0>=2 S W0>=4 S");
}

TEST(CommandEmissionTest, HaloLoadAddressesAndStrides) {
  // The halo load of conv1 tile 1 reads rows [2, 8) of x: DRAM address = 16 elements x 2 bytes,
  // buffer address = R3's offset, strides dense over the tensor and over the residency box.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  const stream::Command& command = stream.queues(1).commands(4);
  ASSERT_TRUE(command.has_load());
  const stream::Dma& dma = command.load();
  EXPECT_EQ(dma.tensor(), 0u);
  EXPECT_THAT(dma.box().lo(), ElementsAre(0, 0, 2, 0));
  EXPECT_THAT(dma.box().hi(), ElementsAre(1, 4, 8, 8));
  EXPECT_EQ(dma.dram_address(), 32u);
  EXPECT_THAT(dma.dram_strides(), ElementsAre(256, 64, 8, 1));
  EXPECT_EQ(dma.buffer_address(), 1280u);
  EXPECT_THAT(dma.buffer_strides(), ElementsAre(192, 48, 8, 1));
  EXPECT_EQ(dma.bytes(), 384u);
  EXPECT_EQ(command.cycles(), 384);
}

TEST(CommandEmissionTest, StoreFromFullMapOffsetsInsideResidency) {
  // The second store reads rows [4, 8) of the full-map residency R6, so its buffer address is
  // R6's offset plus 32 elements x 2 bytes, and its DRAM address is t4's offset plus the same.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  const stream::Command& command = stream.queues(2).commands(3);
  ASSERT_TRUE(command.has_store());
  const stream::Dma& dma = command.store();
  EXPECT_EQ(dma.tensor(), 4u);
  EXPECT_EQ(dma.dram_address(), 1408u + 64u);
  EXPECT_THAT(dma.dram_strides(), ElementsAre(512, 64, 8, 1));
  EXPECT_EQ(dma.buffer_address(), 2944u + 64u);
  EXPECT_THAT(dma.buffer_strides(), ElementsAre(512, 64, 8, 1));
  EXPECT_EQ(dma.bytes(), 512u);
}

TEST(CommandEmissionTest, ComputeOperandsNameRegions) {
  // conv2 tile 1 writes its rows into the full map R6 and reads the conv1 tile R5 and weight R2.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  const stream::Command& command = stream.queues(0).commands(6);
  ASSERT_TRUE(command.has_compute());
  const stream::Compute& compute = command.compute();
  EXPECT_EQ(compute.layer(), 1u);
  EXPECT_THAT(compute.output_box().lo(), ElementsAre(0, 0, 4, 0));
  ASSERT_EQ(compute.outputs_size(), 1);
  EXPECT_EQ(compute.outputs(0).tensor(), 4u);
  EXPECT_EQ(compute.outputs(0).region_address(), 2944u);
  EXPECT_THAT(compute.outputs(0).region().lo(), ElementsAre(0, 0, 0, 0));
  EXPECT_THAT(compute.outputs(0).region().hi(), ElementsAre(1, 8, 8, 8));
  EXPECT_THAT(compute.outputs(0).box().lo(), ElementsAre(0, 0, 4, 0));
  ASSERT_EQ(compute.inputs_size(), 1);
  EXPECT_EQ(compute.inputs(0).tensor(), 2u);
  EXPECT_EQ(compute.inputs(0).region_address(), 2304u);
  EXPECT_THAT(compute.inputs(0).box().lo(), ElementsAre(0, 0, 3, 0));
  ASSERT_TRUE(compute.has_weight());
  EXPECT_EQ(compute.weight().tensor(), 3u);
  EXPECT_EQ(compute.weight().region_address(), 704u);
  EXPECT_FALSE(compute.accumulate());
  EXPECT_TRUE(compute.final_partial());
  EXPECT_EQ(command.cycles(), 200);
}

TEST(CommandEmissionTest, OriginsNameNodeTileAndTransfer) {
  // Compute origins carry the op's position; a transfer's origin carries the position of the
  // tile it serves and its transfer key.
  const stream::CommandStream stream = EmitOrDie(MakeTwoConvFixture());
  const stream::Origin& compute = stream.queues(0).commands(5).origin();
  EXPECT_EQ(compute.node(), "conv1");
  EXPECT_EQ(compute.tile(), 1);
  EXPECT_EQ(compute.position(), 2);
  EXPECT_EQ(compute.group(), 0);
  EXPECT_TRUE(compute.transfer().empty());

  const TwoConvFixture fixture = MakeTwoConvFixture();
  const stream::Origin& load = stream.queues(1).commands(4).origin();
  EXPECT_EQ(load.node(), "conv1");
  EXPECT_EQ(load.tile(), 1);
  EXPECT_EQ(load.position(), 2);
  EXPECT_EQ(load.transfer(), fixture.program.transfers[3].key.ToString());
  EXPECT_FALSE(load.transfer().empty());

  const stream::Origin& store = stream.queues(2).commands(3).origin();
  EXPECT_EQ(store.node(), "conv2");
  EXPECT_EQ(store.tile(), 1);
  EXPECT_EQ(store.position(), 3);

  // A wait carries the origin of the command it guards.
  EXPECT_EQ(stream.queues(2).commands(2).origin().node(), "conv2");
  EXPECT_EQ(stream.queues(2).commands(2).cycles(), 0);
}

TEST(CommandEmissionTest, SameInputGivesIdenticalBytes) {
  // Two emissions of the same Program serialise to the same bytes.
  const TwoConvFixture fixture = MakeTwoConvFixture();
  const std::string first = SerializeStream(EmitOrDie(fixture));
  const std::string second = SerializeStream(EmitOrDie(fixture));
  EXPECT_EQ(first, second);
  EXPECT_GT(first.size(), 12u);
}

TEST(CommandEmissionTest, ResidencyPastBufferEndNamesCommand) {
  // An allocation that puts the full map R6 past the 4096-byte buffer end fails at the first
  // command that uses it: conv2 tile 0, the fourth command of the compute queue.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.allocation.offsets[6] = 3392;
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("command q0#3 (COMPUTE, node 'conv2'): residency 6 ("));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("[0:1,0:8,0:8,0:8] of tensor 'conv2_out') occupies buffer bytes [0xD40, "
                        "0x1140), past the buffer end 0x1000 (offset 3392 + 1024 bytes > 4096 "
                        "bytes)"));
}

TEST(CommandEmissionTest, MisalignedResidencyNamesCommand) {
  // A residency offset that is not a multiple of the 64-byte alignment is rejected.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.allocation.offsets[3] = 1290;
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("command q0#5 (COMPUTE, node 'conv1'): residency 3 ("));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("is allocated at offset 1290, not a non-negative multiple of the buffer "
                        "alignment of 64 bytes"));
}

TEST(CommandEmissionTest, TransferBytesMustMatchBox) {
  // A transfer whose byte count disagrees with its box is an internal error naming the DMA.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.program.transfers[1].bytes = 192;
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("command q1#1 (LOAD, node 'conv1', transfer '"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("box [0:1,0:4,0:6,0:8] contains 192 elements of 2 bytes = "
                        "384 bytes, but the transfer moves 192 bytes"));
}

TEST(CommandEmissionTest, TransferBoxOutsideResidencyIsRejected) {
  // A load whose box leaves its residency's box would write outside the region.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.program.transfers[3].box = graph::Box{{0, 0, 1, 0}, {1, 4, 8, 8}};
  fixture.program.transfers[3].bytes = 448;
  const absl::Status status = EmitStatus(fixture);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("command q1#4 (LOAD, node 'conv1', transfer '"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("box [0:1,0:4,1:8,0:8] is not inside residency 3 box "
                        "[0:1,0:4,2:8,0:8]"));
}

TEST(CommandEmissionTest, SameQueueForwardDependencyRejected) {
  // Waiting for a later command of one's own queue would deadlock the queue. The command is
  // named by the index its first wait would take.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.program.compute_waits[1].push_back({schedule::OpRef::Kind::kCompute, 3});
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "command q0#2 (COMPUTE, node 'conv2'): depends on compute op 3, which runs at or "
            "after it in queue 0 (ordinal 3 >= 1), so the queue would deadlock");
}

TEST(CommandEmissionTest, TransferMissingFromQueuesIsRejected) {
  // Every transfer must be served by exactly one DMA queue.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.program.dma_queues[1] = {4};
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("transfer 5 ("));
  EXPECT_THAT(std::string(status.message()), HasSubstr(") is in no DMA queue"));
}

TEST(CommandEmissionTest, MoreDmaQueuesThanHardwareIsRejected) {
  // A Program that uses more DMA queues than the hardware has cannot run.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.config.dma_queues = 1;
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.message(), "command stream has 2 DMA queues, the hardware 'codegen-test' has 1");
}

TEST(CommandEmissionTest, AllocationSizeMustMatchResidencies) {
  // An allocation for a different Program is caught before any command is built.
  TwoConvFixture fixture = MakeTwoConvFixture();
  fixture.allocation.offsets.pop_back();
  const absl::Status status = EmitStatus(fixture);
  EXPECT_EQ(status.message(),
            "the buffer allocation has 6 offsets for the program's 7 residencies");
}

}  // namespace
}  // namespace soma::codegen
