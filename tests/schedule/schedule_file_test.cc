// schedule_file_test.cc: schedule files round-trip exactly, and an invalid one is rejected
// with the rule it breaks and the layer or transfer involved.
#include "schedule/schedule_file.h"

#include <functional>
#include <string>

#include "arch/cost_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "program_fingerprint.h"
#include "schedule/strategy.h"
#include "search_test_support.h"
#include "test_graphs.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using Json = nlohmann::ordered_json;
using soma::testing::ProgramFingerprint;
using soma::testing::SmallSearch;
using soma::testing::TinyConfig;
using ::testing::HasSubstr;

absl::StatusOr<Program> RoundTrip(const LayerGraph& graph, const arch::CostModel& cost_model,
                                  const std::string& text) {
  absl::StatusOr<ScheduleFile> file = ReadScheduleJson(text);
  if (!file.ok()) return file.status();
  return BuildProgramFromSchedule(graph, cost_model, *file);
}

TEST(ScheduleFileTest, SomaScheduleRoundTripsExactly) {
  // Write, read and compile a soma schedule (two DMA queues, chunked weight loads): the
  // Program and the file text come back identical.
  const LayerGraph graph = soma::testing::ResidualNet();
  const arch::CostModel cost_model(TinyConfig(64 * 1024, 2));
  ScheduleOptions options = SmallSearch(StrategyKind::kSoma);
  options.dma_chunk_bytes = 2048;
  auto program = RunStrategy(graph, cost_model, options);
  ASSERT_TRUE(program.ok()) << program.status();
  const std::string text = WriteScheduleJson(graph, *program);
  EXPECT_THAT(text, HasSubstr("\"chunk\":1"));
  auto rebuilt = RoundTrip(graph, cost_model, text);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(ProgramFingerprint(*rebuilt), ProgramFingerprint(*program));
  EXPECT_EQ(WriteScheduleJson(graph, *rebuilt), text);
  EXPECT_FALSE(rebuilt->search_stats.has_value());
}

TEST(ScheduleFileTest, LblScheduleRoundTrips) {
  // The lbl schedule of a chain on one queue round-trips as well.
  const LayerGraph graph = soma::testing::ThreeConvChain();
  const arch::CostModel cost_model(TinyConfig(1024, 1));
  auto program = RunStrategy(graph, cost_model, SmallSearch(StrategyKind::kLayerByLayer));
  ASSERT_TRUE(program.ok()) << program.status();
  auto rebuilt = RoundTrip(graph, cost_model, WriteScheduleJson(graph, *program));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(ProgramFingerprint(*rebuilt), ProgramFingerprint(*program));
}

// An lbl schedule of x -> a -> b -> c (3x3 convs, [1,4,8,8]) on one queue, every layer in
// one tile, as JSON to edit: groups [a] [b] [c], transfers in DMA order.
class InvalidScheduleTest : public ::testing::Test {
 protected:
  InvalidScheduleTest()
      : graph_(soma::testing::ThreeConvChain()), cost_model_(TinyConfig(64 * 1024, 1)) {
    auto program = RunStrategy(graph_, cost_model_, SmallSearch(StrategyKind::kLayerByLayer));
    EXPECT_TRUE(program.ok()) << program.status();
    json_ = Json::parse(WriteScheduleJson(graph_, *program));
  }

  // The error of compiling the schedule after `edit`.
  std::string ErrorAfter(const std::function<void(Json&)>& edit) {
    Json edited = json_;
    edit(edited);
    auto program = RoundTrip(graph_, cost_model_, edited.dump());
    EXPECT_FALSE(program.ok());
    if (program.ok()) return "";
    EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument) << program.status();
    return std::string(program.status().message());
  }

  // Index in dma_order of the entry of `kind` for `layer`.
  int EntryOf(const std::string& kind, const std::string& layer) const {
    for (size_t index = 0; index < json_["dma_order"].size(); ++index) {
      const Json& entry = json_["dma_order"][index];
      if (entry["kind"] == kind && entry["layer"] == layer) return static_cast<int>(index);
    }
    ADD_FAILURE() << "no " << kind << " of " << layer;
    return 0;
  }

  LayerGraph graph_;
  arch::CostModel cost_model_;
  Json json_;
};

TEST_F(InvalidScheduleTest, UnchangedFileCompiles) {
  // The fixture's file itself is valid, so each error below comes from its edit.
  auto program = RoundTrip(graph_, cost_model_, json_.dump());
  EXPECT_TRUE(program.ok()) << program.status();
}

TEST_F(InvalidScheduleTest, UnknownLayerName) {
  // A layer name the model does not have is named with its place in the file.
  EXPECT_EQ(ErrorAfter([](Json& json) { json["groups"][1][0]["layers"][0] = "conv9"; }),
            "schedule file: groups[1][0] names layer \"conv9\", which the model does not have");
}

TEST_F(InvalidScheduleTest, LayerLeftOut) {
  // Dropping the last LG leaves its layer unscheduled.
  EXPECT_EQ(ErrorAfter([](Json& json) { json["groups"].erase(2); }),
            "schedule file: 'groups' omit layer \"c\"; every layer must be in one sub-group");
}

TEST_F(InvalidScheduleTest, OrderNotTopological) {
  // Swapping the first two LGs puts b before the layer it reads.
  EXPECT_EQ(ErrorAfter([](Json& json) { std::swap(json["groups"][0], json["groups"][1]); }),
            "schedule file: fusion plan order is not topological: layer 'b' at order position "
            "0 reads the output of 'a' at order position 1");
}

TEST_F(InvalidScheduleTest, TileCountTooLarge) {
  // 128 tiles cannot cut an 8x8 map; the message gives the limit.
  EXPECT_EQ(ErrorAfter([](Json& json) { json["groups"][0][0]["tiles"] = 128; }),
            "schedule file: layer 'a' (sub-group 0): tile count too large: 128 tiles of an "
            "output of shape [1,4,8,8] leave some tile empty; use fewer tiles (at most B*H*W = "
            "64, with H and W split into factors that divide them evenly)");
}

TEST_F(InvalidScheduleTest, LoadStartingAfterItsFirstUse) {
  // A load whose lifetime starts after its first use breaks the release/deadline rule.
  const int entry = EntryOf("load_input", "b");
  EXPECT_EQ(ErrorAfter([&](Json& json) {
              json["dma_order"][entry]["lifetime"] = {2, 3};
            }),
            "schedule file: release/deadline violated: load of 'b' tile 0 input 0 has lifetime "
            "[2, 3] but is read at position 1 (layer 'b' tile 0); a load must start at or before "
            "its first use");
}

TEST_F(InvalidScheduleTest, TransferMissingFromTheOrder) {
  // Every transfer of the fusion plan must be in the DMA order.
  const int entry = EntryOf("load_weight", "c");
  EXPECT_EQ(ErrorAfter([&](Json& json) { json["dma_order"].erase(entry); }),
            "schedule file: 'dma_order' leaves out the weight load of 'c' tile 0; every "
            "transfer of the fusion plan appears once");
}

TEST_F(InvalidScheduleTest, TransferListedTwice) {
  // A transfer listed a second time is named by its entry.
  const int entry = EntryOf("load_weight", "c");
  EXPECT_EQ(ErrorAfter([&](Json& json) { json["dma_order"].push_back(json["dma_order"][entry]); }),
            "schedule file: dma_order[9] (load_weight of layer \"c\" tile 0) is listed again; "
            "every transfer appears once");
}

TEST_F(InvalidScheduleTest, TransferTheFusionPlanDoesNotHave) {
  // A weight load of a tile the layer does not have is not a transfer of the plan.
  const int entry = EntryOf("load_weight", "c");
  EXPECT_EQ(ErrorAfter([&](Json& json) { json["dma_order"][entry]["tile"] = 3; }),
            "schedule file: dma_order[5] (load_weight of layer \"c\" tile 3) is not a DRAM "
            "transfer of this fusion plan");
}

TEST_F(InvalidScheduleTest, QueueTheHardwareDoesNotHave) {
  // Queue 1 on one-queue hardware is named with the queue count.
  const int entry = EntryOf("load_weight", "b");
  EXPECT_EQ(ErrorAfter([&](Json& json) { json["dma_order"][entry]["queue"] = 1; }),
            "schedule file: invalid DRAM plan: weight load of 'b' tile 0 is on DMA queue 1, but "
            "the hardware has 1 DMA queues");
}

TEST_F(InvalidScheduleTest, QueueCausality) {
  // A waiting cycle is reported with every blocked queue. Here b's weights move to the
  // end of the queue, behind b's output store, which waits for b's compute, which needs
  // the weights.
  const int weight = EntryOf("load_weight", "b");
  EXPECT_EQ(ErrorAfter([&](Json& json) {
              Json moved = json["dma_order"][weight];
              json["dma_order"].erase(weight);
              json["dma_order"].push_back(moved);
            }),
            "schedule file: queue causality violated: no queue can advance because operations "
            "wait for each other in a cycle; compute at position 1 (layer 'b' tile 0) waits for "
            "the weight load of 'b' tile 0 on DMA queue 0; DMA queue 0 waits at the store of "
            "'b' tile 0 for the compute at position 1 (layer 'b' tile 0) that produces it. "
            "Reorder the DMA queue or change the lifetimes so that every transfer waits only for "
            "operations ahead of it");
}

TEST_F(InvalidScheduleTest, BufferCapacity) {
  // The schedule fits the fixture's 64 KiB buffer but not a 1 KiB one; the message names
  // the position and the largest residencies live there.
  const arch::CostModel small(TinyConfig(1024, 1));
  auto file = ReadScheduleJson(json_.dump());
  ASSERT_TRUE(file.ok()) << file.status();
  auto program = BuildProgramFromSchedule(graph_, small, *file);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(program.status().message(),
            "schedule file: buffer capacity exceeded at position 0 (layer 'a' tile 0): 1088 "
            "bytes live, 1024 available; largest residencies: loaded input of 'a' tile 0 "
            "(tensor 'x' [0:1,0:4,0:8,0:8], 256 bytes); tile output of 'a' tile 0 (tensor "
            "'a_out' [0:1,0:4,0:8,0:8], 256 bytes); loaded input of 'b' tile 0 (tensor 'a_out' "
            "[0:1,0:4,0:8,0:8], 256 bytes)");
}

TEST_F(InvalidScheduleTest, MalformedJsonAndFields) {
  // Syntax errors, wrong types, missing fields and other versions are named by path.
  EXPECT_THAT(std::string(ReadScheduleJson("{").status().message()),
              HasSubstr("schedule file: not valid JSON: "));
  Json wrong = json_;
  wrong["groups"][0][0]["tiles"] = "two";
  EXPECT_EQ(ReadScheduleJson(wrong.dump()).status().message(),
            "schedule file: 'groups[0][0].tiles' must be an integer, found \"two\"");
  wrong = json_;
  wrong["dma_order"][0].erase("lifetime");
  EXPECT_EQ(ReadScheduleJson(wrong.dump()).status().message(),
            "schedule file: 'dma_order[0].lifetime' is missing");
  wrong = json_;
  wrong.erase("groups");
  EXPECT_EQ(ReadScheduleJson(wrong.dump()).status().message(),
            "schedule file: 'groups' is missing");
  wrong = json_;
  wrong["version"] = 2;
  EXPECT_EQ(ReadScheduleJson(wrong.dump()).status().message(),
            "schedule file: format \"soma-schedule\" version 2 is not supported; expected "
            "\"soma-schedule\" version 1");
}

}  // namespace
}  // namespace soma::schedule
