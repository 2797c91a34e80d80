// plane_ops_pipeline_test.cc: a style-transfer decoder (ConvTranspose, InstanceNormalization,
// reflection Pad, Conv) whose tensor operations each read more than the buffer holds, so
// the schedulers must split their output channels. npuc compiles it with every strategy and
// npu-replay checks the streams against the reference executor.
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/command_runner.h"
#include "model_builder/onnx_model_builder.h"
#include "nlohmann/json.hpp"
#include "util/test_paths.h"

namespace soma::testing {
namespace {

// `count` values in [-scale, scale) from a fixed linear congruential sequence.
std::vector<float> Values(int64_t count, float scale, uint32_t seed) {
  std::vector<float> values(count);
  uint32_t state = seed;
  for (float& value : values) {
    state = state * 1664525u + 1013904223u;
    value = scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
  }
  return values;
}

// x [1, 16, 64, 64] -> ConvTranspose (stride 2) [1, 16, 128, 128] -> InstanceNormalization
// -> Relu -> Pad (reflect, 2 on H and W) [1, 16, 132, 132] -> Conv 3x3 [1, 4, 130, 130].
// At one byte per element each tensor operation's input and output (64 to 279 KB) exceed
// what the 256 KiB `tiny` buffer leaves for one tile.
std::string DecoderModel() {
  model_builder::OnnxModelBuilder builder("plane_ops_decoder", 13);
  builder.AddInput("x", {1, 16, 64, 64});
  builder.AddInitializer("up_w", {16, 16, 4, 4}, Values(16 * 16 * 16, 0.1f, 1));
  builder.AddInitializer("up_b", {16}, Values(16, 0.5f, 2));
  builder.AddInitializer("norm_scale", {16}, Values(16, 1.0f, 3));
  builder.AddInitializer("norm_bias", {16}, Values(16, 0.5f, 4));
  builder.AddInt64Initializer("pads", {8}, {0, 0, 2, 2, 0, 0, 2, 2});
  builder.AddInitializer("out_w", {4, 16, 3, 3}, Values(4 * 16 * 9, 0.1f, 5));
  builder.AddNode("ConvTranspose", {"x", "up_w", "up_b"}, {"up"}, "up")
      .Ints("strides", {2, 2})
      .Ints("pads", {1, 1, 1, 1})
      .Ints("kernel_shape", {4, 4});
  builder.AddNode("InstanceNormalization", {"up", "norm_scale", "norm_bias"}, {"norm"}, "norm")
      .Float("epsilon", 1e-5f);
  builder.AddNode("Relu", {"norm"}, {"relu"}, "relu");
  builder.AddNode("Pad", {"relu", "pads"}, {"padded"}, "pad").String("mode", "reflect");
  builder.AddNode("Conv", {"padded", "out_w"}, {"y"}, "out").Ints("kernel_shape", {3, 3});
  builder.AddOutput("y", {1, 4, 130, 130});
  return builder.BuildBytes();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class PlaneOpsPipelineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PlaneOpsPipelineTest, SplitsChannelsAndReplaysAtAllLevels) {
  const std::string strategy = GetParam();
  const std::string out = FreshOutputDir("plane_ops_" + strategy);
  const std::string model = out + "/decoder.onnx";
  {
    std::ofstream file(model, std::ios::binary);
    file << DecoderModel();
  }

  // Step 1: compile on the 256 KiB accelerator.
  CommandResult compile = RunCommand(
      Binary("npuc") + " compile " + model + " --target " + SourceDir() +
      "/models/hw/tiny.yaml --soma --soma-strategy=" + strategy +
      " --soma-time-limit=4 -o " + out + "/compiled");
  ASSERT_EQ(compile.exit_code, 0) << compile.output;

  // Step 2: every tensor operation runs on the vector unit or the MAC array, and the
  // schedule splits the output channels of the ones that cannot be read whole.
  const std::string placement = ReadFile(out + "/compiled/placement.csv");
  for (const char* node : {"up,ConvTranspose,npu", "norm,InstanceNormalization,npu",
                           "pad,Pad,npu"}) {
    EXPECT_THAT(placement, ::testing::HasSubstr(node));
  }
  const nlohmann::json schedule = nlohmann::json::parse(ReadFile(out + "/compiled/schedule.json"));
  int split_subgroups = 0;
  for (const nlohmann::json& group : schedule["groups"]) {
    for (const nlohmann::json& subgroup : group) {
      split_subgroups += subgroup["channel_splits"].get<int>() > 1;
    }
  }
  EXPECT_GE(split_subgroups, 2) << schedule["groups"].dump();

  // Step 3: all three replay levels; the functional one against the reference executor
  // on seeded random inputs.
  const std::string stream = out + "/compiled/stream.npub";
  for (const char* level : {"structural", "timing", "functional"}) {
    const std::string seed = std::string(level) == "functional" ? " --seed 3" : "";
    CommandResult replay =
        RunCommand(Binary("npu-replay") + " " + stream + " --level " + level + seed);
    EXPECT_EQ(replay.exit_code, 0) << level << ":\n" << replay.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, PlaneOpsPipelineTest,
                         ::testing::Values("lbl", "cocco", "soma"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace soma::testing
