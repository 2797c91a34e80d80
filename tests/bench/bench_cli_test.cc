// bench_cli_test.cc: soma-bench --quick --replay finishes with every schedule replayed and
// writes parseable results; invalid flags exit with 2.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/command_runner.h"
#include "nlohmann/json.hpp"

namespace soma::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(BenchCliTest, QuickRunReplaysEverySchedule) {
  // The quick suite exits 0; every case is ok (or its strategy is unavailable in this
  // build), lbl always is, and every ok case passed the structural and timing replay.
  const std::string out = FreshOutputDir("bench_cli_quick");
  const CommandResult run =
      RunCommand(Binary("soma-bench") + " --quick --replay --jobs 2 --out " + out);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("summary (all):"));

  const nlohmann::json json = nlohmann::json::parse(ReadFile(out + "/results.json"));
  EXPECT_EQ(json["suite"], "quick");
  ASSERT_EQ(json["cases"].size(), 6u);
  for (const nlohmann::json& entry : json["cases"]) {
    const std::string label = entry["hardware"].get<std::string>() + " " +
                              entry["strategy"].get<std::string>();
    const std::string status = entry["status"];
    if (entry["strategy"] == "lbl") {
      EXPECT_EQ(status, "ok") << label;
    }
    EXPECT_TRUE(status == "ok" || status == "unavailable") << label << ": " << entry.dump();
    if (status == "ok") {
      EXPECT_EQ(entry["replay"], "passed") << label;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(out + "/results.csv"));
  EXPECT_TRUE(std::filesystem::exists(out + "/dse_resnet50_soma_speedup_over_cocco.svg"));
  EXPECT_TRUE(std::filesystem::exists(out + "/dse_resnet50_latency_over_bound_lbl.svg"));
}

TEST(BenchCliTest, InvalidFlagsExitWithTwo) {
  // An unknown strategy and a missing --out are rejected before any case runs.
  const std::string out = FreshOutputDir("bench_cli_invalid");
  const CommandResult unknown =
      RunCommand(Binary("soma-bench") + " --strategies lbl,fast --out " + out);
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_THAT(unknown.output,
              HasSubstr("--strategies: unknown strategy 'fast'; expected lbl, cocco or soma"));
  const CommandResult no_out = RunCommand(Binary("soma-bench") + " --quick");
  EXPECT_EQ(no_out.exit_code, 2) << no_out.output;
  EXPECT_THAT(no_out.output, HasSubstr("--out is required"));
}

TEST(BenchCliTest, ModelgenWritesBenchmarkNetwork) {
  // soma-modelgen writes a benchmark network with omitted weights and prints its MACs;
  // an invalid --weights value exits with 2.
  const std::string out = FreshOutputDir("bench_cli_modelgen");
  const CommandResult written = RunCommand(Binary("soma-modelgen") +
                                           " --model resnet50 --weights omitted --input-size 64 "
                                           "--out " + out + "/resnet50.onnx");
  ASSERT_EQ(written.exit_code, 0) << written.output;
  EXPECT_THAT(written.output, HasSubstr("resnet50: 335691776 MACs (0.336 GMAC) at batch 1"));
  EXPECT_TRUE(std::filesystem::exists(out + "/resnet50.onnx"));
  const CommandResult invalid = RunCommand(Binary("soma-modelgen") +
                                           " --model resnet50 --weights zeros --out " + out +
                                           "/x.onnx");
  EXPECT_EQ(invalid.exit_code, 2) << invalid.output;
  EXPECT_THAT(invalid.output,
              HasSubstr("--weights 'zeros' is invalid; expected 'random' or 'omitted'"));
}

TEST(ReseedFillsCliTest, WritesACopyAndNamesBadPaths) {
  // soma-modelgen's omitted weights are ConstantOfShape fills; soma-reseed-fills replaces
  // them, and a missing input, a file that is not a model and an unwritable output are
  // errors with exit code 2 that name the path.
  const std::string out = FreshOutputDir("reseed_fills_cli");
  const std::string model = out + "/resnet50.onnx";
  ASSERT_EQ(RunCommand(Binary("soma-modelgen") + " --model resnet50 --weights omitted --out " +
                       model + " --input-size 32")
                .exit_code,
            0);
  CommandResult written =
      RunCommand(Binary("soma-reseed-fills") + " " + model + " " + out + "/reseeded.onnx");
  EXPECT_EQ(written.exit_code, 0) << written.output;
  EXPECT_THAT(written.output, HasSubstr("replaced "));
  EXPECT_GT(std::filesystem::file_size(out + "/reseeded.onnx"),
            std::filesystem::file_size(model));

  CommandResult missing =
      RunCommand(Binary("soma-reseed-fills") + " " + out + "/absent.onnx " + out + "/x.onnx");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("absent.onnx does not exist"));
  {
    std::ofstream garbage(out + "/garbage.onnx");
    garbage << "not a model";
  }
  CommandResult unparsable =
      RunCommand(Binary("soma-reseed-fills") + " " + out + "/garbage.onnx " + out + "/x.onnx");
  EXPECT_EQ(unparsable.exit_code, 2);
  EXPECT_THAT(unparsable.output, HasSubstr("failed to parse"));
  CommandResult unwritable = RunCommand(Binary("soma-reseed-fills") + " " + model + " " + out +
                                        "/no_such_folder/x.onnx");
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_THAT(unwritable.output, HasSubstr("cannot write " + out + "/no_such_folder/x.onnx"));
  EXPECT_FALSE(std::filesystem::exists(out + "/x.onnx"));
}

TEST(BenchCliTest, HelpListsTheFlags) {
  // --help prints the flags of soma-bench itself.
  CommandResult help = RunCommand(Binary("soma-bench") + " --help");
  EXPECT_THAT(help.output, HasSubstr("--time_limit_per_case"));
  EXPECT_THAT(help.output, ::testing::Not(HasSubstr("No flags matched")));
}

}  // namespace
}  // namespace soma::testing
