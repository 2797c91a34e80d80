// structural_replay_test.cc: the structural level on a hand-built two-conv stream, correct
// and with one injected fault per test.
#include "replay/structural_replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "replay/stream_edits.h"
#include "replay/two_conv_stream.h"

namespace soma::replay {
namespace {

using ::soma::testing::InsertCommand;
using ::soma::testing::kComputeQueue;
using ::soma::testing::kLoadQueue;
using ::soma::testing::kStoreQueue;
using ::soma::testing::MakeTwoConvStream;
using ::soma::testing::MutableCommand;
using ::soma::testing::RemoveCommand;
using ::soma::testing::WaitCommand;
using ::testing::HasSubstr;

constexpr char kConv1FirstTile[] =
    "queue 0 command 1 (compute of layer 0 \"conv1\" box [0:1,0:8,0:4,0:8]; node \"conv1\", "
    "group 0, subgroup 0, tile 0, position 0)";

StructuralReport Replay(const stream::CommandStream& command_stream) {
  absl::StatusOr<StructuralReport> report = ReplayStructural(command_stream);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : StructuralReport{};
}

/// Returns a load of conv2's weights into the input region [0, 288), which conv1 still reads.
stream::Command LoadOverInput(const stream::CommandStream& command_stream) {
  stream::Command command = command_stream.queues(kLoadQueue).commands(2);
  command.mutable_load()->set_buffer_address(0);
  return command;
}

TEST(StructuralReplayTest, CorrectStreamPasses) {
  // The hand-built stream orders every access, so the replay finds nothing.
  const StructuralReport report = Replay(MakeTwoConvStream());
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.load_count, 3);
  EXPECT_EQ(report.store_count, 2);
  EXPECT_EQ(report.compute_count, 4);
  EXPECT_EQ(report.wait_count, 4);
  EXPECT_EQ(report.loaded_bytes, 256 + 288 + 288);
  EXPECT_EQ(report.stored_bytes, 256);
  EXPECT_EQ(report.slot_bytes, 1);
}

TEST(StructuralReplayTest, IntermediateThroughDramPasses) {
  // Storing conv1's output and loading it back after the stores is correct too.
  const StructuralReport report = Replay(MakeTwoConvStream({.intermediate_in_dram = true}));
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.load_count, 4);
  EXPECT_EQ(report.store_count, 4);
}

TEST(StructuralReplayTest, ChannelSplitPartialSumsPass) {
  // conv2 tiles as two partial sums over input-channel halves, stored after the final one.
  const StructuralReport report = Replay(MakeTwoConvStream({.split_conv2_channels = true}));
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.compute_count, 6);
}

TEST(StructuralReplayTest, StoreOfPartialSumIsDetected) {
  // The first store waits only for the first partial sum of conv2's first tile.
  stream::CommandStream command_stream = MakeTwoConvStream({.split_conv2_channels = true});
  MutableCommand(&command_stream, kStoreQueue, 0)->mutable_wait()->set_count(3);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kUnexpectedData);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 2 command 1 (store of \"conv2_out\" box [0:1,0:4,0:4,0:8]"));
  EXPECT_THAT(finding.message,
              HasSubstr("reads element [0, 0, 0, 0] of tensor \"conv2_out\" (the stored box) at "
                        "buffer address 1408, which holds a partial sum written by queue 0 "
                        "command 4 (compute of layer 1 \"conv2\""));
  EXPECT_THAT(finding.message,
              HasSubstr("read it only after the compute with final_partial set"));
}

TEST(StructuralReplayTest, AccumulationOntoFinalValueIsDetected) {
  // A second copy of conv2's first tile accumulates onto the tile's finished output.
  stream::CommandStream command_stream = MakeTwoConvStream();
  stream::Command accumulating = command_stream.queues(kComputeQueue).commands(4);
  accumulating.mutable_compute()->set_accumulate(true);
  InsertCommand(&command_stream, kComputeQueue, 5, accumulating);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  EXPECT_EQ(report.findings.front().kind, FindingKind::kUnexpectedData);
  EXPECT_THAT(report.findings.front().message,
              HasSubstr("queue 0 command 5 (compute of layer 1 \"conv2\" box [0:1,0:4,0:4,0:8]"));
  EXPECT_THAT(report.findings.front().message,
              HasSubstr("accumulates onto element [0, 0, 0, 0] of tensor \"conv2_out\" (the "
                        "partial sum in output 0) at buffer address 1408, which holds a final "
                        "value written by queue 0 command 4"));
}

TEST(StructuralReplayTest, ReadBeforeLoadIsDetected) {
  // Without its first wait, conv1 reads the input region before the load fills it.
  stream::CommandStream command_stream = MakeTwoConvStream();
  RemoveCommand(&command_stream, kComputeQueue, 0);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kUnexpectedData);
  ASSERT_TRUE(finding.command.has_value());
  EXPECT_EQ(finding.command->queue, kComputeQueue);
  EXPECT_EQ(finding.command->index, 0);
  EXPECT_EQ(finding.message,
            "queue 0 command 0 (compute of layer 0 \"conv1\" box [0:1,0:8,0:4,0:8]; node "
            "\"conv1\", group 0, subgroup 0, tile 0, position 0) reads element [0, 0, 0, 0] of "
            "tensor \"x\" (input 0) at buffer address 0, which no command ordered before it has "
            "written; load or compute it first, or add a Wait for the command that does");
}

TEST(StructuralReplayTest, RacingOverwriteByDmaIsDetected) {
  // A load that no wait orders after conv1's reads overwrites conv1's input region.
  stream::CommandStream command_stream = MakeTwoConvStream();
  InsertCommand(&command_stream, kLoadQueue, 3, LoadOverInput(command_stream));
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kRace);
  ASSERT_TRUE(finding.command.has_value());
  EXPECT_EQ(finding.command->queue, kLoadQueue);
  EXPECT_EQ(finding.command->index, 3);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 1 command 3 (load of \"conv2_w\" box [0:4,0:8,0:3,0:3]; node "
                        "\"conv2_w\", group 0, subgroup 0, tile 0, position 0, transfer load) "
                        "writes element [0, 0, 0, 0] of tensor \"conv2_w\" (the loaded box) at "
                        "buffer address 0, which queue 0 command 1 (compute of layer 0 \"conv1\" "
                        "box [0:1,0:8,0:4,0:8]"));
  EXPECT_THAT(finding.message,
              HasSubstr("reads, and the read is not ordered before the write (a "
                        "write-after-read race); add a Wait for 1 command of queue 0 before the "
                        "write"));
}

TEST(StructuralReplayTest, OrderedOverwriteOfLiveDataIsDetected) {
  // The overwriting load waits for conv1's first tile and the second tile waits for it, so
  // the accesses are ordered, but the second tile still needs the destroyed input rows.
  stream::CommandStream command_stream = MakeTwoConvStream();
  const stream::Command overwrite = LoadOverInput(command_stream);
  InsertCommand(&command_stream, kLoadQueue, 3, WaitCommand(kComputeQueue, 1));
  InsertCommand(&command_stream, kLoadQueue, 4, overwrite);
  InsertCommand(&command_stream, kComputeQueue, 2, WaitCommand(kLoadQueue, 4));
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kOverwriteOfLiveData);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 1 command 4 (load of \"conv2_w\" box [0:4,0:8,0:3,0:3]"));
  EXPECT_THAT(finding.message,
              HasSubstr("overwrites element [0, 0, 3, 0] of tensor \"x\" at buffer address 24, "
                        "written by queue 1 command 0 (load of \"x\""));
  EXPECT_THAT(finding.message,
              HasSubstr("which queue 0 command 3 (compute of layer 0 \"conv1\" box "
                        "[0:1,0:8,4:8,0:8]"));
  EXPECT_THAT(finding.message, HasSubstr("still reads afterwards (input 0)"));
}

TEST(StructuralReplayTest, BufferOutOfBoundsIsDetected) {
  // conv2's weights (288 bytes) loaded 100 bytes before the end of the 16384-byte buffer.
  stream::CommandStream command_stream = MakeTwoConvStream();
  MutableCommand(&command_stream, kLoadQueue, 2)->mutable_load()->set_buffer_address(16384 - 100);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kOutOfBounds);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 1 command 2 (load of \"conv2_w\" box [0:4,0:8,0:3,0:3]"));
  EXPECT_THAT(finding.message,
              HasSubstr("the load's buffer side touches buffer bytes [16284, 16572), outside "
                        "the 16384-byte buffer"));
}

TEST(StructuralReplayTest, DramOutOfBoundsIsDetected) {
  // The second output store addressed one row past the end of the output's DRAM range.
  stream::CommandStream command_stream = MakeTwoConvStream();
  stream::Dma* store = MutableCommand(&command_stream, kStoreQueue, 3)->mutable_store();
  store->set_dram_address(store->dram_address() + 8);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kOutOfBounds);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 2 command 3 (store of \"conv2_out\" box [0:1,0:4,4:8,0:8]"));
  EXPECT_THAT(finding.message,
              HasSubstr("touches DRAM bytes [872, 1096), outside tensor \"conv2_out\"'s DRAM "
                        "range [832, 1088)"));
}

TEST(StructuralReplayTest, WrongDramAddressIsDetected) {
  // A load whose DRAM address points one element past the box's first element.
  stream::CommandStream command_stream = MakeTwoConvStream();
  stream::Dma* load = MutableCommand(&command_stream, kLoadQueue, 0)->mutable_load();
  load->set_dram_address(load->dram_address() + 1);
  load->mutable_box()->set_hi(3, 7);
  load->set_bytes(4 * 8 * 7);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  EXPECT_EQ(report.findings.front().kind, FindingKind::kMalformedCommand);
  EXPECT_THAT(report.findings.front().message,
              HasSubstr("DRAM address 1 does not hold element [0, 0, 0, 0] of tensor \"x\", "
                        "expected 0 (dram_offset 0 + flat index 0 x 1 bytes)"));
}

TEST(StructuralReplayTest, UnsatisfiableWaitIsDetected) {
  // Queue 1 contains three loads, so waiting for seven can never finish.
  stream::CommandStream command_stream = MakeTwoConvStream();
  MutableCommand(&command_stream, kComputeQueue, 3)->mutable_wait()->set_count(7);
  const StructuralReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kUnsatisfiableWait);
  EXPECT_EQ(report.findings.front().message,
            "queue 0 command 3 (wait for 7 commands of queue 1) waits for 7 commands of queue 1, "
            "but queue 1 has only 3 commands (waits excluded); the wait can never be satisfied");
}

TEST(StructuralReplayTest, DeadlockNamesTheCycle) {
  // Queue 1 waits for conv1 before loading, while conv1 waits for queue 1's loads.
  stream::CommandStream command_stream = MakeTwoConvStream();
  InsertCommand(&command_stream, kLoadQueue, 0, WaitCommand(kComputeQueue, 1));
  const StructuralReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kDeadlock);
  EXPECT_EQ(report.findings.front().message,
            "deadlock: queue 0 command 0 (wait for 2 commands of queue 1) waits for 2 commands "
            "of queue 1, which has completed 0; queue 1 command 0 (wait for 1 command of queue "
            "0) waits for 1 command of queue 0, which has completed 0; no queue in this cycle "
            "can proceed");
}

TEST(StructuralReplayTest, SelfWaitIsADeadlock) {
  // A queue that waits for its own next command can never proceed.
  stream::CommandStream command_stream = MakeTwoConvStream();
  InsertCommand(&command_stream, kStoreQueue, 0, WaitCommand(kStoreQueue, 1));
  const StructuralReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kDeadlock);
  EXPECT_THAT(report.findings.front().message,
              HasSubstr("queue 2 command 0 (wait for 1 command of queue 2) waits for 1 command "
                        "of queue 2, which has completed 0"));
}

TEST(StructuralReplayTest, OutputNeverWrittenIsDetected) {
  // Without the second store, rows 4-8 of the network output never reach DRAM.
  stream::CommandStream command_stream = MakeTwoConvStream();
  RemoveCommand(&command_stream, kStoreQueue, 3);
  RemoveCommand(&command_stream, kStoreQueue, 2);
  const StructuralReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kOutputNeverWritten);
  EXPECT_FALSE(report.findings.front().command.has_value());
  EXPECT_EQ(report.findings.front().message,
            "network output \"conv2_out\", produced by layer \"conv2\": no store writes element "
            "[0, 0, 4, 0] (128 of 256 elements are never written); the stream must store every "
            "output element");
}

TEST(StructuralReplayTest, ReloadRacingItsStoreIsDetected) {
  // Without its wait for the stores, the reload of conv1's output races with them.
  stream::CommandStream command_stream = MakeTwoConvStream({.intermediate_in_dram = true});
  RemoveCommand(&command_stream, kLoadQueue, 3);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kRace);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 1 command 3 (load of \"conv1_out\" box [0:1,0:8,0:8,0:8]"));
  EXPECT_THAT(finding.message,
              HasSubstr("loads element [0, 0, 0, 0] of tensor \"conv1_out\" from DRAM, stored by "
                        "queue 2 command 1 (store of \"conv1_out\" box [0:1,0:8,0:4,0:8]"));
  EXPECT_THAT(finding.message,
              HasSubstr("which is not ordered before the load; add a Wait for 1 command of "
                        "queue 2 before the load"));
}

TEST(StructuralReplayTest, LoadBeforeAnyStoreIsDetected) {
  // The reload moved to the front of queue 1 runs before conv1 has produced anything.
  stream::CommandStream command_stream = MakeTwoConvStream({.intermediate_in_dram = true});
  const stream::Command reload = command_stream.queues(kLoadQueue).commands(4);
  RemoveCommand(&command_stream, kLoadQueue, 4);
  RemoveCommand(&command_stream, kLoadQueue, 3);
  InsertCommand(&command_stream, kLoadQueue, 0, reload);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kLoadBeforeStore);
  EXPECT_THAT(finding.message,
              HasSubstr("queue 1 command 0 (load of \"conv1_out\" box [0:1,0:8,0:8,0:8]"));
  EXPECT_THAT(finding.message,
              HasSubstr("loads element [0, 0, 0, 0] of tensor \"conv1_out\" from DRAM, which no "
                        "store ordered before it has written"));
}

TEST(StructuralReplayTest, ReadOfWrongTensorIsDetected) {
  // conv1's second tile reads its input from the weight region instead of the input region.
  stream::CommandStream command_stream = MakeTwoConvStream();
  MutableCommand(&command_stream, kComputeQueue, 2)
      ->mutable_compute()
      ->mutable_inputs(0)
      ->set_region_address(256);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kUnexpectedData);
  EXPECT_THAT(finding.message,
              HasSubstr("reads element [0, 0, 3, 0] of tensor \"x\" (input 0) at buffer address "
                        "280, but the address holds element [0, 2, 2, 0] of tensor \"conv1_w\", "
                        "written by queue 1 command 1 (load of \"conv1_w\""));
}

TEST(StructuralReplayTest, MissingHaloIsMalformed) {
  // conv1's first tile declares input rows 0-4, but a 3x3 kernel needs row 4 too.
  stream::CommandStream command_stream = MakeTwoConvStream();
  MutableCommand(&command_stream, kComputeQueue, 1)
      ->mutable_compute()
      ->mutable_inputs(0)
      ->mutable_box()
      ->set_hi(2, 4);
  const StructuralReport report = Replay(command_stream);
  ASSERT_FALSE(report.findings.empty());
  EXPECT_EQ(report.findings.front().kind, FindingKind::kMalformedCommand);
  EXPECT_EQ(report.findings.front().message,
            std::string(kConv1FirstTile) +
                ": input 0 box [0:1,0:4,0:4,0:8] does not cover [0:1,0:4,0:5,0:8], which layer "
                "\"conv1\" reads for output box [0:1,0:8,0:4,0:8]");
}

TEST(StructuralReplayTest, MalformedCommandsAreReportedWithoutCrashing) {
  // Ids out of range, boxes of the wrong rank and a wrong byte count are findings, not crashes.
  stream::CommandStream command_stream = MakeTwoConvStream();
  MutableCommand(&command_stream, kComputeQueue, 1)->mutable_compute()->set_layer(9);
  MutableCommand(&command_stream, kComputeQueue, 2)->mutable_compute()->mutable_output_box()->add_lo(0);
  MutableCommand(&command_stream, kLoadQueue, 0)->mutable_load()->set_tensor(77);
  MutableCommand(&command_stream, kLoadQueue, 1)->mutable_load()->set_bytes(5);
  MutableCommand(&command_stream, kStoreQueue, 0)->mutable_wait()->set_queue(8);
  MutableCommand(&command_stream, kStoreQueue, 1)->clear_store();
  const StructuralReport report = Replay(command_stream);
  ASSERT_EQ(report.findings.size(), 6u);
  for (const Finding& finding : report.findings) {
    EXPECT_EQ(finding.kind, FindingKind::kMalformedCommand) << finding.message;
  }
  EXPECT_THAT(report.findings[0].message,
              HasSubstr("refers to layer 9, but the stream has 2 layers"));
  EXPECT_THAT(report.findings[1].message,
              HasSubstr("the output box has 5 lo and 4 hi values, expected 4 each"));
  EXPECT_THAT(report.findings[2].message,
              HasSubstr("the transfer refers to tensor 77, but the stream has 5 tensors"));
  EXPECT_THAT(report.findings[3].message,
              HasSubstr("moves 5 bytes, expected 288 (288 elements of 1 bytes)"));
  EXPECT_THAT(report.findings[4].message,
              HasSubstr("waits for queue 8, but the stream has 3 queues"));
  EXPECT_THAT(report.findings[5].message,
              HasSubstr("queue 2 command 1 (command without a kind; node \"conv2_out\""));
  EXPECT_THAT(report.findings[5].message,
              HasSubstr("has no kind (load, store, compute or wait)"));
}

TEST(StructuralReplayTest, BrokenTableIsInvalidArgument) {
  // A tensor of rank 3 makes the stream unreadable rather than a finding.
  stream::CommandStream command_stream = MakeTwoConvStream();
  command_stream.mutable_tensors(2)->mutable_shape()->RemoveLast();
  const absl::StatusOr<StructuralReport> report = ReplayStructural(command_stream);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(),
              HasSubstr("tensor 2 \"conv1_out\" has 3 shape extents, expected 4 (N, C, H, W)"));
}

TEST(StructuralReplayTest, CloudSizedBufferReplays) {
  // A 32 MiB buffer of 1-byte slots fits the compact shadow arrays.
  stream::CommandStream command_stream = MakeTwoConvStream();
  command_stream.mutable_hardware()->set_buffer_bytes(32 << 20);
  const StructuralReport report = Replay(command_stream);
  EXPECT_TRUE(report.ok()) << report.Summary();
}

}  // namespace
}  // namespace soma::replay
