// stream_legality_test.cc: CheckStreamLegality on an emitted stream and on hand-broken copies.
#include "codegen/stream_legality.h"

#include <string>

#include "codegen/codegen.h"
#include "codegen/two_conv_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::codegen {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

stream::CommandStream EmitFixture() {
  const testing::TwoConvFixture fixture = testing::MakeTwoConvFixture();
  absl::StatusOr<stream::CommandStream> emitted =
      EmitCommandStream(fixture.graph, fixture.program, fixture.allocation, fixture.config);
  EXPECT_TRUE(emitted.ok()) << emitted.status();
  return emitted.ok() ? *std::move(emitted) : stream::CommandStream();
}

TEST(StreamLegalityTest, EmittedStreamIsLegal) {
  // Codegen's own output passes the check.
  EXPECT_TRUE(CheckStreamLegality(EmitFixture()).ok());
}

TEST(StreamLegalityTest, WaitBeyondQueueLengthIsRejected) {
  // A wait for more commands than the queue contains can never be satisfied.
  stream::CommandStream command_stream = EmitFixture();
  command_stream.mutable_queues(0)->mutable_commands(0)->mutable_wait()->set_count(99);
  EXPECT_EQ(CheckStreamLegality(command_stream).message(),
            "command q0#0 (WAIT, node 'conv1'): waits for q1>=99, which can never be satisfied: "
            "queue 1 completes 4 commands");
}

TEST(StreamLegalityTest, CyclicWaitsAreRejected) {
  // conv1 tile 0 waiting for the fourth load, which itself waits for conv1 tile 0, deadlocks.
  stream::CommandStream command_stream = EmitFixture();
  command_stream.mutable_queues(0)->mutable_commands(0)->mutable_wait()->set_count(4);
  EXPECT_EQ(CheckStreamLegality(command_stream).message(),
            "command q0#0 (WAIT, node 'conv1'): waits for q1>=4, which can never be satisfied: "
            "the waits form a cycle (queue 1 stops after 3 commands)");
}

TEST(StreamLegalityTest, DmaPastBufferEndIsRejected) {
  // The strided span of a load must end inside the buffer.
  stream::CommandStream command_stream = EmitFixture();
  command_stream.mutable_queues(1)->mutable_commands(4)->mutable_load()->set_buffer_address(4000);
  const absl::Status status = CheckStreamLegality(command_stream);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("command q1#4 (LOAD, node 'conv1', transfer '"));
  EXPECT_THAT(std::string(status.message()),
              EndsWith("): buffer range [0xFA0, 0x1120) ends past the buffer end 0x1000 (4096 "
                       "bytes)"));
}

TEST(StreamLegalityTest, DramAddressMustMatchBox) {
  // The DRAM address is the tensor's offset plus the dense index of box.lo.
  stream::CommandStream command_stream = EmitFixture();
  command_stream.mutable_queues(1)->mutable_commands(4)->mutable_load()->set_dram_address(0);
  EXPECT_THAT(std::string(CheckStreamLegality(command_stream).message()),
              EndsWith("): DRAM address 0x0, expected 0x20 for box.lo of [0:1,0:4,2:8,0:8] in "
                       "tensor 'x'"));
}

TEST(StreamLegalityTest, DmaBoxOutsideTensorIsRejected) {
  // A box that leaves its tensor is rejected before any address is trusted.
  stream::CommandStream command_stream = EmitFixture();
  command_stream.mutable_queues(2)->mutable_commands(3)->mutable_store()->mutable_box()->set_hi(2,
                                                                                                9);
  EXPECT_THAT(std::string(CheckStreamLegality(command_stream).message()),
              EndsWith("): box [0:1,0:8,4:9,0:8] is empty or outside tensor 'conv2_out' of shape "
                       "[1,8,8,8]"));
}

TEST(StreamLegalityTest, MisalignedOperandRegionIsRejected) {
  // Compute operand regions start on the buffer alignment.
  stream::CommandStream command_stream = EmitFixture();
  command_stream.mutable_queues(0)
      ->mutable_commands(1)
      ->mutable_compute()
      ->mutable_inputs(0)
      ->set_region_address(328);
  EXPECT_EQ(CheckStreamLegality(command_stream).message(),
            "command q0#1 (COMPUTE, node 'conv1'): input 0 of tensor 'x': region address 0x148 is "
            "not a multiple of the buffer alignment of 64 bytes");
}

TEST(StreamLegalityTest, StoreIntoConstantIsRejected) {
  // Weights are read-only in DRAM.
  stream::CommandStream command_stream = EmitFixture();
  stream::Command* command = command_stream.mutable_queues(1)->mutable_commands(0);
  const stream::Dma load = command->load();
  *command->mutable_store() = load;
  EXPECT_THAT(std::string(CheckStreamLegality(command_stream).message()),
              EndsWith("): stores into constant tensor 'conv1_w'"));
}

TEST(StreamLegalityTest, StoreIntoNetworkInputIsRejected) {
  // Network inputs are read-only in DRAM as well.
  stream::CommandStream command_stream = EmitFixture();
  stream::Command* command = command_stream.mutable_queues(1)->mutable_commands(1);
  const stream::Dma load = command->load();
  *command->mutable_store() = load;
  EXPECT_EQ(CheckStreamLegality(command_stream).message(),
            "command q1#1 (STORE, node 'conv1', transfer '" + command->origin().transfer() +
                "'): stores into network input tensor 'x'");
}

}  // namespace
}  // namespace soma::codegen
