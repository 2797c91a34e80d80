// compile_options_test.cc: --soma-* option parsing and the exit-code mapping.
#include "driver/compile_options.h"

#include "driver/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::driver {
namespace {

using ::testing::HasSubstr;

TEST(CompileOptionsTest, ParsesEveryOption) {
  // Each documented option lands in its field.
  auto options = ParseCompileOptions({"--soma", "--soma-strategy=lbl", "--soma-seed=42",
                                      "--soma-time-limit=2.5", "--soma-threads=2",
                                      "--soma-batch=16", "--soma-dim=seq=128",
                                      "--soma-dim=batch=1"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->strategy, schedule::StrategyKind::kLayerByLayer);
  EXPECT_EQ(options->seed, 42u);
  EXPECT_DOUBLE_EQ(*options->time_limit_seconds, 2.5);
  EXPECT_EQ(options->threads, 2);
  EXPECT_EQ(*options->batch, 16);
  EXPECT_EQ(options->dims.at("seq"), 128);
  EXPECT_EQ(options->dims.at("batch"), 1);
}

TEST(CompileOptionsTest, RejectsUnknownOption) {
  // A misspelt option is an error that names it.
  auto options = ParseCompileOptions({"--soma-stratgy=lbl"});
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("unknown option --soma-stratgy"));
}

TEST(CompileOptionsTest, RejectsBadValues) {
  // Invalid values name the option and what was expected.
  EXPECT_THAT(ParseCompileOptions({"--soma-strategy=fast"}).status().message(),
              HasSubstr("expected one of lbl, cocco, soma"));
  EXPECT_THAT(ParseCompileOptions({"--soma-threads=0"}).status().message(),
              HasSubstr("--soma-threads: invalid value '0'"));
  EXPECT_THAT(ParseCompileOptions({"--soma-time-limit=-1"}).status().message(),
              HasSubstr("positive number of seconds"));
  EXPECT_THAT(ParseCompileOptions({"--soma-dim=seq"}).status().message(),
              HasSubstr("NAME=VALUE"));
  EXPECT_THAT(ParseCompileOptions({"--soma-seed"}).status().message(),
              HasSubstr("needs a value"));
  EXPECT_THAT(ParseCompileOptions({"--soma-dim=batch=0"}).status().message(),
              HasSubstr("positive integer extent for dimension 'batch'"));
}

TEST(CompileOptionsTest, RejectsASecondBindingOfOneDimension) {
  // Binding a dimension twice is an error naming the first value, not a silent override.
  auto options = ParseCompileOptions({"--soma-dim=batch=1", "--soma-dim=batch=2"});
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("'batch' is already bound to 1"));
}

TEST(ExitCodesTest, MapsStatusCodes) {
  // The documented exit codes: 2 input, 3 infeasible, 4 mismatch, 5 internal.
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::UnimplementedError("x")), 2);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("x")), 3);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("x")), 4);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), 5);
}

}  // namespace
}  // namespace soma::driver
