// replay_cli_test.cc: exit codes and messages of the built npu-replay binary.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "codegen/stream_io.h"
#include "replay/stream_edits.h"
#include "replay/two_conv_stream.h"
#include "util/test_paths.h"

namespace soma::replay {
namespace {

using ::soma::testing::kComputeQueue;
using ::soma::testing::MakeTwoConvStream;
using ::soma::testing::RemoveCommand;
using ::soma::testing::TwoConvLatencyCycles;
using ::testing::HasSubstr;

struct CommandResult {
  int exit_code = -1;
  /// stdout and stderr together.
  std::string output;
};

/// Runs npu-replay with `arguments` (already shell-quoted where needed).
CommandResult RunReplay(const std::string& arguments) {
  const std::string binary = ::soma::testing::BinaryDir() + "/bin/npu-replay";
  const std::string command = "'" + binary + "' " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t count;
  while ((count = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, count);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Writes `command_stream` as a .npub file in the test's temporary folder.
std::string WriteStream(const std::string& name, const stream::CommandStream& command_stream) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / name).string();
  std::ofstream file(path, std::ios::binary);
  file << codegen::SerializeStream(command_stream);
  return path;
}

class ReplayCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(::soma::testing::BinaryDir() + "/bin/npu-replay")) {
      GTEST_SKIP() << "npu-replay is not built in " << ::soma::testing::BinaryDir();
    }
  }
};

TEST_F(ReplayCliTest, CorrectStreamPassesEveryLevel) {
  // A correct stream exits 0 at every level and prints each summary.
  const std::string path = WriteStream("cli_correct.npub", MakeTwoConvStream());
  const CommandResult structural = RunReplay(path + " --level structural");
  EXPECT_EQ(structural.exit_code, 0) << structural.output;
  EXPECT_THAT(structural.output, HasSubstr("structural replay: ok"));
  const CommandResult timing = RunReplay(path + " --level timing");
  EXPECT_EQ(timing.exit_code, 0) << timing.output;
  EXPECT_THAT(timing.output, HasSubstr(absl::StrCat("latency: ", TwoConvLatencyCycles(),
                                                    " cycles (estimate ", TwoConvLatencyCycles(),
                                                    " cycles)")));
  const CommandResult functional = RunReplay(path + " --level functional --seed 4");
  EXPECT_EQ(functional.exit_code, 0) << functional.output;
  EXPECT_THAT(functional.output, HasSubstr("output \"conv2_out\": 256 elements"));
}

TEST_F(ReplayCliTest, DisasmPrintsTheStream) {
  // --disasm prints the disassembly and exits 0.
  const std::string path = WriteStream("cli_disasm.npub", MakeTwoConvStream());
  const CommandResult result = RunReplay(path + " --disasm");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("conv1"));
}

TEST_F(ReplayCliTest, HelpPrintsUsage) {
  // --help prints the usage and exits 0.
  const CommandResult result = RunReplay("--help");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("usage: npu-replay STREAM.npub --level"));
}

TEST_F(ReplayCliTest, StructuralFaultExitsFour) {
  // A read before its load exits 4 and names the command, its queue and origin.
  stream::CommandStream command_stream = MakeTwoConvStream();
  RemoveCommand(&command_stream, kComputeQueue, 0);
  const std::string path = WriteStream("cli_read_before_load.npub", command_stream);
  const CommandResult result = RunReplay(path + " --level structural");
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("mismatches; the first: "
                        "unexpected data: queue 0 command 0 (compute of layer 0 \"conv1\""));
  EXPECT_THAT(result.output, HasSubstr("node \"conv1\", group 0, subgroup 0, tile 0"));
}

TEST_F(ReplayCliTest, WrongEstimateExitsFourWithBothNumbers) {
  // A latency estimate off by 7 cycles exits 4 with both latencies.
  stream::CommandStream command_stream = MakeTwoConvStream();
  command_stream.mutable_estimate()->set_latency_cycles(TwoConvLatencyCycles() + 7);
  const std::string path = WriteStream("cli_wrong_estimate.npub", command_stream);
  const CommandResult result = RunReplay(path + " --level timing");
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr(absl::StrCat("the replayed latency is ", TwoConvLatencyCycles(),
                                     " cycles, but the stream's estimate is ",
                                     TwoConvLatencyCycles() + 7, " cycles")));
}

TEST_F(ReplayCliTest, MissingStreamExitsTwo) {
  // A stream file that does not exist is invalid input.
  const CommandResult result = RunReplay("/nonexistent/model.npub --level structural");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("/nonexistent/model.npub"));
}

TEST_F(ReplayCliTest, WrongMagicExitsTwo) {
  // A file that is not a .npub stream is invalid input.
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "cli_garbage.npub").string();
  std::ofstream(path, std::ios::binary) << "NOTASTREAM-garbage-bytes";
  const CommandResult result = RunReplay(path + " --level timing");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("cli_garbage.npub"));
}

TEST_F(ReplayCliTest, BadFlagExitsTwo) {
  // An unknown flag exits 2 and points at --help.
  const CommandResult result = RunReplay("a.npub --level structural --fast");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("unknown flag --fast"));
  EXPECT_THAT(result.output, HasSubstr("run npu-replay --help"));
}

TEST_F(ReplayCliTest, MissingTestDataExitsTwo) {
  // A --test-data folder that does not exist is invalid input naming the flag.
  const std::string path = WriteStream("cli_no_test_data.npub", MakeTwoConvStream());
  const CommandResult result =
      RunReplay(path + " --level functional --test-data /nonexistent/test_data_set_0");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("test-data folder /nonexistent/test_data_set_0 does not "
                                       "exist (flag --test-data)"));
}

TEST_F(ReplayCliTest, BrokenTableExitsTwo) {
  // A stream whose tensor table is unreadable is invalid input, not a crash.
  stream::CommandStream command_stream = MakeTwoConvStream();
  command_stream.mutable_tensors(1)->set_id(9);
  const std::string path = WriteStream("cli_broken_table.npub", command_stream);
  const CommandResult result = RunReplay(path + " --level functional");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("tensor 1 \"conv1_w\" has id 9, expected its table index 1"));
}

}  // namespace
}  // namespace soma::replay
