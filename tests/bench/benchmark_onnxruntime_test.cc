// benchmark_onnxruntime_test.cc: the benchmark networks, with random weights at a reduced
// input size, compute what ONNX Runtime computes, through the importer and the reference
// executor. Skips when tools/ort/node_modules is absent.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "importer/importer.h"
#include "importer/tensor_proto_io.h"
#include "integration/command_runner.h"
#include "kernels/reference_executor.h"
#include "model_builder/benchmark_models.h"
#include "model_builder/onnx_model_builder.h"

namespace soma::testing {
namespace {

struct ReducedModel {
  const char* name;
  int64_t input_size;
};

// Names the case in test listings ("resnet50 at 32x32").
void PrintTo(const ReducedModel& model, std::ostream* os) {
  *os << model.name << " at " << model.input_size << "x" << model.input_size;
}

class BenchmarkOnnxRuntimeTest : public ::testing::TestWithParam<ReducedModel> {};

TEST_P(BenchmarkOnnxRuntimeTest, ReferenceExecutorMatchesOnnxRuntime) {
  // Every output value of the reference executor is within 1e-4 of ONNX Runtime's, relative
  // to the largest output magnitude.
  if (!OnnxRuntimeAvailable()) {
    GTEST_SKIP() << "needs ONNX Runtime (tools/install_deps.sh installs onnxruntime-node into "
                    "tools/ort)";
  }
  const ReducedModel& reduced = GetParam();
  std::string dir_name = std::string("bench_ort_") + reduced.name;
  std::replace(dir_name.begin(), dir_name.end(), '-', '_');
  const std::string out = FreshOutputDir(dir_name);
  const std::string model_path = out + "/model.onnx";

  // Step 1: write the model with seeded random weights.
  model_builder::BenchmarkModelOptions options;
  options.input_size = reduced.input_size;
  absl::StatusOr<model_builder::BuiltModel> built =
      model_builder::BuildBenchmarkModel(reduced.name, options);
  ASSERT_TRUE(built.ok()) << built.status();
  {
    std::ofstream file(model_path, std::ios::binary);
    file << model_builder::SerializeModel(built->model);
  }

  // Step 2: ONNX Runtime's outputs for seeded inputs.
  const CommandResult ort = WriteOnnxRuntimeTestData(model_path, 5, out + "/data");
  ASSERT_EQ(ort.exit_code, 0) << ort.output;
  absl::StatusOr<importer::NamedTensor> input = importer::ReadTensorProtoFile(out + "/data/input_0.pb");
  absl::StatusOr<importer::NamedTensor> expected =
      importer::ReadTensorProtoFile(out + "/data/output_0.pb");
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE(expected.ok()) << expected.status();

  // Step 3: the reference executor on the imported graph.
  absl::StatusOr<importer::ImportResult> imported = importer::ImportModelFile(model_path, {});
  ASSERT_TRUE(imported.ok()) << imported.status();
  const graph::LayerGraph& graph = imported->graph;
  ASSERT_TRUE(graph.Verify().ok()) << graph.Verify();
  auto outputs = kernels::ExecuteReference(graph, {{graph.inputs[0], input->values}});
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  const std::vector<float>& actual = outputs->at(graph.outputs[0]);
  ASSERT_EQ(actual.size(), expected->values.size());

  float largest = 0.0f;
  for (float value : expected->values) largest = std::max(largest, std::abs(value));
  ASSERT_GT(largest, 0.0f);
  int mismatches = 0;
  for (size_t index = 0; index < actual.size(); ++index) {
    const float difference = std::abs(actual[index] - expected->values[index]);
    if (difference > 1e-4f * largest && ++mismatches <= 5) {
      ADD_FAILURE() << "output " << index << ": reference executor " << actual[index]
                    << ", ONNX Runtime " << expected->values[index];
    }
  }
  EXPECT_EQ(mismatches, 0);
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Models, BenchmarkOnnxRuntimeTest,
                         ::testing::Values(ReducedModel{"resnet50", 32},
                                           ReducedModel{"randwire-small", 32},
                                           ReducedModel{"inception-resnet-v1", 75}),
                         [](const ::testing::TestParamInfo<ReducedModel>& info) {
                           std::string name = info.param.name;
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

}  // namespace
}  // namespace soma::testing
