// test_data_test.cc: backend-test folders, tensor files and random inputs for the
// functional level.
#include "replay/test_data.h"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "importer/tensor_proto_io.h"
#include "replay/functional_replay.h"
#include "replay/two_conv_stream.h"

namespace soma::replay {
namespace {

using ::soma::testing::kInputTensor;
using ::soma::testing::kOutputTensor;
using ::soma::testing::MakeTwoConvStream;
using ::soma::testing::TwoConvGraph;
using ::testing::HasSubstr;

/// Creates an empty folder under the test's temporary directory and returns its path.
std::string MakeFolder(const std::string& name) {
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

void WriteTensor(const std::string& path, const std::string& name, std::vector<int64_t> dims,
                 std::vector<float> values) {
  importer::NamedTensor tensor{name, std::move(dims), std::move(values)};
  const absl::Status status = importer::WriteTensorProtoFile(path, tensor);
  ASSERT_TRUE(status.ok()) << status;
}

/// Writes a backend-test folder with seeded inputs and the reference executor's output, and
/// returns its path.
std::string MakeTestDataFolder(const std::string& name, const std::string& input_name) {
  const stream::CommandStream command_stream = MakeTwoConvStream();
  const absl::StatusOr<ReferenceData> data =
      PrepareReferenceData(command_stream, TwoConvGraph(), FunctionalOptions{});
  EXPECT_TRUE(data.ok()) << data.status();
  const std::string folder = MakeFolder(name);
  WriteTensor(folder + "/input_0.pb", input_name, {1, 4, 8, 8}, data->inputs.at(kInputTensor));
  WriteTensor(folder + "/output_0.pb", "conv2_out", {1, 4, 8, 8},
              data->expected_outputs.at(kOutputTensor));
  return folder;
}

TEST(TestDataTest, BackendFolderBindsByPosition) {
  // An unnamed input_0.pb binds to the first network input.
  const std::string folder = MakeTestDataFolder("by_position", "");
  const absl::StatusOr<ReferenceData> data = ReadTestDataDir(MakeTwoConvStream(), folder);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->inputs.count(kInputTensor), 1u);
  EXPECT_EQ(data->expected_outputs.count(kOutputTensor), 1u);
  EXPECT_EQ(data->source, "test data " + folder);
}

TEST(TestDataTest, FunctionalReplayPassesOnBackendFolder) {
  // Values read from the folder drive the replay and the comparison.
  FunctionalOptions options;
  options.test_data_dir = MakeTestDataFolder("replay_passes", "x");
  const absl::StatusOr<FunctionalReport> report = ReplayFunctional(MakeTwoConvStream(), options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->Summary();
  EXPECT_EQ(report->reference_source, "test data " + *options.test_data_dir);
}

TEST(TestDataTest, WrongExpectedOutputIsMismatch) {
  // An output file of other values makes the replay report the output.
  FunctionalOptions options;
  options.test_data_dir = MakeTestDataFolder("wrong_output", "x");
  WriteTensor(*options.test_data_dir + "/output_0.pb", "conv2_out", {1, 4, 8, 8},
              std::vector<float>(256, 3.0f));
  const absl::StatusOr<FunctionalReport> report = ReplayFunctional(MakeTwoConvStream(), options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->findings.size(), 1u);
  EXPECT_THAT(report->findings.front().message, HasSubstr("network output \"conv2_out\""));
}

TEST(TestDataTest, UnknownInputNameBeyondInputsIsRejected) {
  // input_1.pb with a name no input has cannot bind: the stream has one input.
  const std::string folder = MakeTestDataFolder("unknown_input", "x");
  WriteTensor(folder + "/input_1.pb", "bias", {4}, {1, 2, 3, 4});
  const absl::StatusOr<ReferenceData> data = ReadTestDataDir(MakeTwoConvStream(), folder);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(data.status().message(),
              HasSubstr("input_1.pb (name \"bias\") matches no network input by name or by "
                        "position; the network inputs are \"x\""));
}

TEST(TestDataTest, ElementCountMismatchIsRejected) {
  // An input file of the wrong size names the file and both counts.
  const std::string folder = MakeTestDataFolder("wrong_count", "x");
  WriteTensor(folder + "/input_0.pb", "x", {1, 4, 8}, std::vector<float>(32, 0.0f));
  const absl::StatusOr<ReferenceData> data = ReadTestDataDir(MakeTwoConvStream(), folder);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(),
              HasSubstr("input_0.pb holds 32 values (dims [1, 4, 8]), but tensor \"x\" has 256 "
                        "elements (ONNX dims [1, 4, 8, 8])"));
}

TEST(TestDataTest, MissingFolderIsNotFound) {
  // A folder that does not exist is reported with the flag that named it.
  const absl::StatusOr<ReferenceData> data =
      ReadTestDataDir(MakeTwoConvStream(), "/nonexistent/replay_test_data");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(data.status().message(),
            "test-data folder /nonexistent/replay_test_data does not exist (flag --test-data)");
}

TEST(TestDataTest, FolderWithoutInputsIsRejected) {
  // A folder with only an output file leaves the network input unbound.
  const std::string folder = MakeTestDataFolder("no_inputs", "x");
  std::filesystem::remove(folder + "/input_0.pb");
  const absl::StatusOr<ReferenceData> data = ReadTestDataDir(MakeTwoConvStream(), folder);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(),
              HasSubstr("has no values for network input \"x\"; expected an input_K.pb file"));
}

TEST(TestDataTest, InputAndExpectFilesBind) {
  // --input x=FILE and --expect FILE read the same values as the folder.
  const std::string folder = MakeTestDataFolder("named_files", "x");
  FunctionalOptions options;
  options.input_files = {InputFile{"x", folder + "/input_0.pb"}};
  options.expect_files = {folder + "/output_0.pb"};
  const absl::StatusOr<FunctionalReport> report = ReplayFunctional(MakeTwoConvStream(), options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->Summary();
  EXPECT_EQ(report->reference_source, "tensor files");
}

TEST(TestDataTest, InputFileForUnknownNameIsRejected) {
  // --input must name a network input.
  const std::string folder = MakeTestDataFolder("unknown_name", "x");
  const absl::StatusOr<ReferenceData> data =
      ReadTensorFiles(MakeTwoConvStream(), {InputFile{"y", folder + "/input_0.pb"}}, {});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().message(),
            "flag --input names \"y\", which is not a network input; the network inputs are \"x\"");
}

TEST(TestDataTest, ExpectWithoutInputsIsRejected) {
  // Expected values describe particular inputs, so --expect needs every --input.
  const std::string folder = MakeTestDataFolder("expect_only", "x");
  FunctionalOptions options;
  options.expect_files = {folder + "/output_0.pb"};
  const absl::StatusOr<ReferenceData> data =
      PrepareReferenceData(MakeTwoConvStream(), TwoConvGraph(), options);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(),
              HasSubstr("flag --expect needs a --input file for every network input"));
}

TEST(TestDataTest, RandomValuesAreSeededAndInRange) {
  // The same seed gives the same values; values lie in [-1, 1).
  const std::vector<float> first = RandomValues(9, 1000);
  EXPECT_EQ(first, RandomValues(9, 1000));
  EXPECT_NE(first, RandomValues(10, 1000));
  for (float value : first) {
    EXPECT_GE(value, -1.0f);
    EXPECT_LT(value, 1.0f);
  }
}

}  // namespace
}  // namespace soma::replay
