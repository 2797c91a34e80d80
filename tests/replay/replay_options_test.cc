// replay_options_test.cc: npu-replay's command-line parser.
#include "replay/replay_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace soma::replay {
namespace {

using ::testing::HasSubstr;

TEST(ReplayOptionsTest, ParsesEveryFunctionalFlag) {
  // Values may follow the flag or an equals sign.
  const absl::StatusOr<ReplayOptions> options = ParseReplayArguments(
      {"model.npub", "--level=functional", "--input", "x=in.pb", "--input=y=other.pb",
       "--expect", "out.pb", "--seed", "42", "--tolerance=0.001"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->stream_path, "model.npub");
  EXPECT_EQ(options->level, ReplayLevel::kFunctional);
  ASSERT_EQ(options->functional.input_files.size(), 2u);
  EXPECT_EQ(options->functional.input_files[1].input_name, "y");
  EXPECT_EQ(options->functional.input_files[1].path, "other.pb");
  EXPECT_EQ(options->functional.expect_files, std::vector<std::string>{"out.pb"});
  EXPECT_EQ(options->functional.seed, 42u);
  EXPECT_DOUBLE_EQ(options->functional.tolerance, 0.001);
}

TEST(ReplayOptionsTest, DisasmNeedsNoLevel) {
  // --disasm prints the stream, so no level is needed.
  const absl::StatusOr<ReplayOptions> options = ParseReplayArguments({"--disasm", "model.npub"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->disassemble);
}

struct BadArguments {
  std::vector<std::string> arguments;
  std::string message;
};

class ReplayOptionsErrorTest : public ::testing::TestWithParam<BadArguments> {};

TEST_P(ReplayOptionsErrorTest, NamesTheFlag) {
  // Every malformed command line is rejected with a message naming the flag or argument.
  const absl::StatusOr<ReplayOptions> options = ParseReplayArguments(GetParam().arguments);
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    BadCommandLines, ReplayOptionsErrorTest,
    ::testing::Values(
        BadArguments{{"--level", "timing"}, "missing the stream path"},
        BadArguments{{"a.npub"}, "missing flag --level"},
        BadArguments{{"a.npub", "--level", "fast"},
                     "flag --level has value \"fast\", expected structural, timing or functional"},
        BadArguments{{"a.npub", "--level"}, "flag --level needs a value"},
        BadArguments{{"a.npub", "--level", "timing", "--frobnicate"}, "unknown flag --frobnicate"},
        BadArguments{{"a.npub", "b.npub", "--level", "timing"}, "more than one stream path"},
        BadArguments{{"a.npub", "--level", "functional", "--seed", "-3"},
                     "flag --seed has value \"-3\", expected a non-negative integer"},
        BadArguments{{"a.npub", "--level", "functional", "--tolerance", "nan"},
                     "flag --tolerance has value \"nan\""},
        BadArguments{{"a.npub", "--level", "functional", "--input", "x"},
                     "flag --input has value \"x\", expected NAME=FILE.pb"},
        BadArguments{{"a.npub", "--level", "timing", "--seed", "3"},
                     "apply to --level functional only, but --level is timing"},
        BadArguments{{"a.npub", "--level", "functional", "--test-data", "d", "--expect", "o.pb"},
                     "flag --test-data cannot be combined with --input or --expect"}));

}  // namespace
}  // namespace soma::replay
