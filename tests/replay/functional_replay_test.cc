// functional_replay_test.cc: the functional level against the reference executor, and the
// output comparison.
#include "replay/functional_replay.h"

#include <cmath>
#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "replay/output_compare.h"
#include "replay/stream_edits.h"
#include "replay/test_data.h"
#include "replay/two_conv_stream.h"

namespace soma::replay {
namespace {

using ::soma::testing::kComputeQueue;
using ::soma::testing::kConv2WeightTensor;
using ::soma::testing::kOutputTensor;
using ::soma::testing::MakeTwoConvStream;
using ::soma::testing::MutableCommand;
using ::soma::testing::TwoConvGraph;
using ::testing::HasSubstr;

FunctionalReport Replay(const stream::CommandStream& command_stream, const ReferenceData& data,
                        double tolerance = 1e-4) {
  absl::StatusOr<FunctionalReport> report = ReplayFunctional(command_stream, data, tolerance);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : FunctionalReport{};
}

ReferenceData RandomReference(const stream::CommandStream& command_stream, uint64_t seed) {
  FunctionalOptions options;
  options.seed = seed;
  absl::StatusOr<ReferenceData> data =
      PrepareReferenceData(command_stream, TwoConvGraph(), options);
  EXPECT_TRUE(data.ok()) << data.status();
  return data.ok() ? *data : ReferenceData{};
}

/// Adds `delta` to float `index` of the stream's constant blob.
void NudgeBlobFloat(stream::CommandStream* command_stream, uint64_t index, float delta) {
  std::string blob = command_stream->constant_blob();
  float value;
  std::memcpy(&value, blob.data() + index * 4, 4);
  value += delta;
  std::memcpy(blob.data() + index * 4, &value, 4);
  command_stream->set_constant_blob(blob);
}

TEST(FunctionalReplayTest, CorrectStreamMatchesReference) {
  // Tiled execution through the buffer gives the reference executor's outputs.
  const stream::CommandStream command_stream = MakeTwoConvStream();
  FunctionalOptions options;
  options.seed = 3;
  const absl::StatusOr<FunctionalReport> report = ReplayFunctional(command_stream, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->Summary();
  ASSERT_EQ(report->outputs.size(), 1u);
  EXPECT_EQ(report->outputs[0].name, "conv2_out");
  EXPECT_EQ(report->outputs[0].element_count, 256);
  EXPECT_LE(report->outputs[0].error, 1e-6);
  EXPECT_EQ(report->reference_source,
            "random inputs (seed 3), expected outputs from the reference executor");
  ASSERT_EQ(report->actual_outputs.count(kOutputTensor), 1u);
  const std::vector<float>& values = report->actual_outputs.at(kOutputTensor);
  EXPECT_NE(values[0], values[1]);  // real data, not a constant
}

TEST(FunctionalReplayTest, IntermediateThroughDramMatchesReference) {
  // The stored and reloaded copy of conv1's output feeds conv2 the same values.
  const stream::CommandStream command_stream =
      MakeTwoConvStream({.intermediate_in_dram = true});
  const FunctionalReport report = Replay(command_stream, RandomReference(command_stream, 5));
  EXPECT_TRUE(report.ok()) << report.Summary();
}

TEST(FunctionalReplayTest, ChannelSplitPartialSumsMatchReference) {
  // Two partial sums per conv2 tile, the second accumulating, give the reference output.
  const stream::CommandStream command_stream =
      MakeTwoConvStream({.split_conv2_channels = true});
  const FunctionalReport report = Replay(command_stream, RandomReference(command_stream, 6));
  EXPECT_TRUE(report.ok()) << report.Summary();
}

TEST(FunctionalReplayTest, CorruptedWeightIsDetected) {
  // A changed conv2 weight in the stream's blob moves the output away from the intact
  // stream's values. The mismatch names the output, the error and the worst element.
  const stream::CommandStream intact = MakeTwoConvStream();
  const ReferenceData data = RandomReference(intact, 11);
  stream::CommandStream corrupted = intact;
  NudgeBlobFloat(&corrupted, intact.tensors(kConv2WeightTensor).constant_blob_offset(), 0.5f);
  const FunctionalReport report = Replay(corrupted, data);
  ASSERT_EQ(report.findings.size(), 1u);
  const Finding& finding = report.findings.front();
  EXPECT_EQ(finding.kind, FindingKind::kOutputMismatch);
  EXPECT_THAT(finding.message,
              HasSubstr("network output \"conv2_out\" differs from the expected values: error "));
  EXPECT_THAT(finding.message, HasSubstr("exceeds the tolerance 0.0001; worst element "));
  EXPECT_THAT(finding.message, HasSubstr(": actual "));
  EXPECT_THAT(finding.message, HasSubstr(", expected "));
  ASSERT_EQ(report.outputs.size(), 1u);
  EXPECT_FALSE(report.outputs[0].passed);
  EXPECT_GT(report.outputs[0].error, 1e-3);
  // Weight [0, 0, 0, 0] feeds only output channel 0.
  EXPECT_LT(report.outputs[0].worst_index, 64);
}

TEST(FunctionalReplayTest, ToleranceDecidesTheVerdict) {
  // The same corruption passes when the tolerance is above its error.
  const stream::CommandStream intact = MakeTwoConvStream();
  const ReferenceData data = RandomReference(intact, 11);
  stream::CommandStream corrupted = intact;
  NudgeBlobFloat(&corrupted, intact.tensors(kConv2WeightTensor).constant_blob_offset(), 0.5f);
  const FunctionalReport strict = Replay(corrupted, data);
  ASSERT_EQ(strict.outputs.size(), 1u);
  const FunctionalReport lenient = Replay(corrupted, data, strict.outputs[0].error * 2);
  EXPECT_TRUE(lenient.ok()) << lenient.Summary();
}

TEST(FunctionalReplayTest, SkippedEpilogueGivesMismatch) {
  // conv2's second tile marked as a non-final partial sum skips its bias, which changes
  // the output.
  stream::CommandStream command_stream = MakeTwoConvStream();
  const ReferenceData data = RandomReference(command_stream, 2);
  MutableCommand(&command_stream, kComputeQueue, 5)->mutable_compute()->set_final_partial(false);
  const FunctionalReport report = Replay(command_stream, data);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings.front().kind, FindingKind::kOutputMismatch);
}

TEST(FunctionalReplayTest, WrongSizedReferenceIsInvalidArgument) {
  // Reference data with too few values for the input is rejected before anything runs.
  const stream::CommandStream command_stream = MakeTwoConvStream();
  ReferenceData data = RandomReference(command_stream, 1);
  data.inputs.begin()->second.resize(10);
  const absl::StatusOr<FunctionalReport> report = ReplayFunctional(command_stream, data, 1e-4);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(report.status().message(), "network input \"x\" has 10 values, expected 256");
}

TEST(OutputCompareTest, RelativeErrorAndWorstElement) {
  // The error divides the largest difference by the largest expected magnitude.
  const std::vector<float> expected = {1.0f, -4.0f, 2.0f};
  const std::vector<float> actual = {1.0f, -4.0f, 2.5f};
  const OutputComparison comparison = CompareOutput("y", actual, expected, 0.1);
  EXPECT_DOUBLE_EQ(comparison.error, 0.125);
  EXPECT_EQ(comparison.worst_index, 2);
  EXPECT_EQ(comparison.actual, 2.5f);
  EXPECT_EQ(comparison.expected, 2.0f);
  EXPECT_FALSE(comparison.passed);
}

TEST(OutputCompareTest, NanAgainstNumberFails) {
  // A NaN where a number is expected is an infinite error; matching NaNs are equal.
  const std::vector<float> expected = {1.0f, std::nanf("")};
  const std::vector<float> actual = {std::nanf(""), std::nanf("")};
  const OutputComparison comparison = CompareOutput("y", actual, expected, 1e-4);
  EXPECT_TRUE(std::isinf(comparison.error));
  EXPECT_EQ(comparison.worst_index, 0);
  const OutputComparison both_nan = CompareOutput("y", expected, expected, 1e-4);
  EXPECT_TRUE(both_nan.passed);
}

TEST(OutputCompareTest, AllZeroExpectedUsesTinyScale) {
  // An all-zero expected output accepts exact zeros and rejects anything else.
  const std::vector<float> zeros = {0.0f, 0.0f};
  EXPECT_TRUE(CompareOutput("y", zeros, zeros, 1e-4).passed);
  EXPECT_FALSE(CompareOutput("y", std::vector<float>{0.0f, 1e-20f}, zeros, 1e-4).passed);
}

}  // namespace
}  // namespace soma::replay
