// external_data_test.cc: initializers stored in external files, read only from inside the
// model's folder.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "importer/importer.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

// A folder with `model.onnx`, whose Conv weight lives in external file `location` at
// byte offset 4; the folder's `weights.bin` contains the data.
class ExternalDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("soma_external_" + std::to_string(::getpid()));
    fs::create_directories(folder_);
    const float values[] = {1.0f, 2.0f, 3.0f, 4.0f};
    std::ofstream weights(folder_ / "weights.bin", std::ios::binary);
    weights.write("pad!", 4);
    weights.write(reinterpret_cast<const char*>(values), sizeof(values));
  }
  void TearDown() override { fs::remove_all(folder_); }

  std::string WriteModel(const std::string& location) {
    auto builder = BuilderWithInput({1, 2, 3, 3});
    builder.AddNode("Conv", {"x", "w"}, {"y"}, "conv");
    builder.AddOutput("y", {1, 2, 3, 3});
    onnx::ModelProto model = builder.Build();
    onnx::TensorProto* weight = model.mutable_graph()->add_initializer();
    weight->set_name("w");
    for (int64_t extent : {2, 2, 1, 1}) weight->add_dims(extent);
    weight->set_data_type(onnx::TensorProto::FLOAT);
    weight->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [key, value] : {std::pair<std::string, std::string>{"location", location},
                                     {"offset", "4"},
                                     {"length", "16"}}) {
      onnx::StringStringEntryProto* entry = weight->add_external_data();
      entry->set_key(key);
      entry->set_value(value);
    }
    const std::string path = (folder_ / "model.onnx").string();
    std::ofstream file(path, std::ios::binary);
    file << model.SerializeAsString();
    return path;
  }

  fs::path folder_;
};

TEST_F(ExternalDataTest, ReadsWeightsFromModelFolder) {
  // The weight comes from weights.bin at the given offset.
  auto result = ImportModelFile(WriteModel("weights.bin"), {});
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Tensor& weight = result->graph.tensor(*result->graph.layer(0).weight);
  EXPECT_THAT(weight.constant->values, ::testing::ElementsAre(1.0f, 2.0f, 3.0f, 4.0f));
}

TEST_F(ExternalDataTest, RejectsLocationOutsideModelFolder) {
  // A relative path that climbs out of the folder is rejected before anything is read.
  auto result = ImportModelFile(WriteModel("../weights.bin"), {});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("tensor 'w': external data location '../weights.bin' resolves to"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("outside the model's folder"));
}

TEST_F(ExternalDataTest, RejectsAbsoluteLocation) {
  // Absolute locations are never followed.
  auto result = ImportModelFile(WriteModel((folder_ / "weights.bin").string()), {});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("is absolute"));
}

TEST_F(ExternalDataTest, RejectsExternalDataFromMemory) {
  // Bytes imported from memory have no folder, so external data cannot be resolved.
  std::ifstream file(WriteModel("weights.bin"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto result = ImportModelBytes(bytes, "memory.onnx", {});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("keeps its data in an external file, but the model was read from memory"));
}

}  // namespace
}  // namespace soma::importer
