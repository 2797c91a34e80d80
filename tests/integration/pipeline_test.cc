// pipeline_test.cc: end to end: npuc compiles real models, npu-replay checks the streams at
// all three levels against expected outputs.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/command_runner.h"
#include "nlohmann/json.hpp"
#include "util/test_paths.h"

namespace soma::testing {
namespace {

using ::testing::HasSubstr;

// Where a model and its expected outputs come from.
enum class ModelSource { kShipped, kCorpus };

struct PipelineCase {
  std::string name;
  ModelSource source;
  std::string model_file;
  std::string hardware;
  /// Test-data folders next to the model (empty: expected outputs from ONNX Runtime).
  std::vector<std::string> test_data;
};

// Prints a case by name in test listings.
void PrintTo(const PipelineCase& test_case, std::ostream* os) { *os << test_case.name; }

std::string HardwarePath(const std::string& preset) {
  return SourceDir() + "/models/hw/" + preset + ".yaml";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PipelineTest : public ::testing::TestWithParam<PipelineCase> {};

TEST_P(PipelineTest, CompilesAndReplaysAtAllLevels) {
  // The compiled stream passes structural, timing and functional replay, and the summary
  // satisfies its invariants.
  const PipelineCase& test_case = GetParam();
  std::string model_path;
  std::string data_root;
  if (test_case.source == ModelSource::kShipped) {
    model_path = SourceDir() + "/models/" + test_case.model_file;
    data_root = SourceDir() + "/models/";
  } else {
    SOMA_CORPUS_FILE_OR_SKIP(corpus_path, test_case.model_file);
    model_path = corpus_path;
    data_root = std::filesystem::path(corpus_path).parent_path().string() + "/";
  }
  const std::string out = FreshOutputDir("pipeline_" + test_case.name);

  // Step 1: compile with the plugin.
  CommandResult compile = RunCommand(Binary("npuc") + " compile '" + model_path + "' --target " +
                                     HardwarePath(test_case.hardware) + " --soma -o " + out);
  ASSERT_EQ(compile.exit_code, 0) << compile.output;
  for (const char* file : {"stream.npub", "stream.txt", "summary.json", "per_layer.csv",
                           "placement.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
  }
  const nlohmann::json summary = nlohmann::json::parse(ReadFile(out + "/summary.json"));
  EXPECT_GE(summary["latency_cycles"].get<int64_t>(),
            std::max(summary["compute_bound_cycles"].get<int64_t>(),
                     summary["dram_bound_cycles"].get<int64_t>()));
  EXPECT_LE(summary["peak_buffer_bytes"].get<int64_t>(), summary["buffer_bytes"].get<int64_t>());

  // Step 2: structural and timing replay.
  const std::string stream = out + "/stream.npub";
  for (const char* level : {"structural", "timing"}) {
    CommandResult replay = RunCommand(Binary("npu-replay") + " " + stream + " --level " + level);
    EXPECT_EQ(replay.exit_code, 0) << level << ":\n" << replay.output;
  }

  // Step 3: functional replay against every test-data set, or against ONNX Runtime.
  std::vector<std::string> data_dirs;
  for (const std::string& folder : test_case.test_data) data_dirs.push_back(data_root + folder);
  if (data_dirs.empty()) {
    if (!OnnxRuntimeAvailable()) {
      GTEST_SKIP() << "functional check needs ONNX Runtime (tools/install_deps.sh installs "
                      "onnxruntime-node into tools/ort)";
    }
    const std::string ort_dir = out + "/ort_test_data";
    CommandResult ort = WriteOnnxRuntimeTestData(model_path, 7, ort_dir);
    ASSERT_EQ(ort.exit_code, 0) << ort.output;
    data_dirs.push_back(ort_dir);
  }
  for (const std::string& data_dir : data_dirs) {
    CommandResult replay = RunCommand(Binary("npu-replay") + " " + stream +
                                      " --level functional --test-data '" + data_dir + "'");
    EXPECT_EQ(replay.exit_code, 0) << data_dir << ":\n" << replay.output;
  }
}

std::vector<PipelineCase> Cases() {
  std::vector<PipelineCase> cases;
  for (const char* hardware : {"tiny", "soma-edge"}) {
    const std::string hw = hardware;
    const std::string suffix = hw == "tiny" ? "tiny" : "edge";
    cases.push_back({"residual_small_" + suffix, ModelSource::kShipped, "residual_small.onnx", hw,
                     {"residual_small.test_data_set_0"}});
    cases.push_back({"op_coverage_" + suffix, ModelSource::kShipped, "op_coverage.onnx", hw,
                     {"op_coverage.test_data_set_0"}});
    cases.push_back({"mnist_" + suffix, ModelSource::kCorpus, "ort__mnist.onnx", hw,
                     {"ort__mnist.test_data_set_0", "ort__mnist.test_data_set_1",
                      "ort__mnist.test_data_set_2"}});
    cases.push_back({"cnn_mnist_" + suffix, ModelSource::kCorpus, "ort__cnn_mnist_pytorch.onnx",
                     hw, {}});
    cases.push_back({"mobilenet_v2_w050_" + suffix, ModelSource::kCorpus,
                     "tv__mobilenet_v2_w050_c100_w.onnx", hw,
                     {"tv__mobilenet_v2_w050_c100_w.test_data_set_0"}});
  }
  for (const char* stem : {"onnx__light_resnet50", "onnx__light_squeezenet",
                           "onnx__light_inception_v1", "onnx__light_vgg19"}) {
    const std::string name = std::string(stem).substr(std::string("onnx__light_").size());
    cases.push_back({name + "_edge", ModelSource::kCorpus, std::string(stem) + ".onnx", "soma-edge",
                     {std::string(stem) + ".test_data_set_0"}});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Models, PipelineTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<PipelineCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace soma::testing
