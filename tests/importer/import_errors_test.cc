// import_errors_test.cc: every import failure names its culprit: the file, the node and op,
// the graph input and dimension, or the attribute and value.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "importer/importer.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindPlacement;
using ::soma::importer::testing::Import;
using ::soma::importer::testing::TryImport;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A temporary file holding `bytes`, removed when the object goes out of scope.
class TemporaryFile {
 public:
  TemporaryFile(const std::string& name, const std::string& bytes)
      : path_((std::filesystem::temp_directory_path() /
               (std::to_string(::getpid()) + "_" + name)).string()) {
    std::ofstream file(path_, std::ios::binary);
    file << bytes;
  }
  ~TemporaryFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

model_builder::OnnxModelBuilder ReluModel() {
  auto builder = BuilderWithInput({1, 3, 8, 8});
  builder.AddNode("Relu", {"x"}, {"y"}, "relu");
  builder.AddOutput("y", {1, 3, 8, 8});
  return builder;
}

TEST(ImportErrorsTest, MissingFileNamesPath) {
  // A path that does not exist is an invalid argument naming the path.
  auto result = ImportModelFile("/nonexistent/model.onnx", {});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "model file '/nonexistent/model.onnx' does not exist; check the path");
}

TEST(ImportErrorsTest, TruncatedFileFailsToParse) {
  // Half of a valid model is no ModelProto.
  const std::string bytes = ReluModel().BuildBytes();
  TemporaryFile file("truncated.onnx", bytes.substr(0, bytes.size() / 2));
  auto result = ImportModelFile(file.path(), {});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              StartsWith("failed to parse '" + file.path() + "' as an ONNX ModelProto"));
}

TEST(ImportErrorsTest, GarbageBytesFailToParse) {
  // Text that happens to be valid protobuf wire data still lacks a graph.
  for (const std::string& bytes : {std::string("hello, world\n"), std::string("\xff\xff\xff", 3)}) {
    auto result = ImportModelBytes(bytes, "garbage.onnx", {});
    ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(result.status().message()),
                StartsWith("failed to parse 'garbage.onnx' as an ONNX ModelProto"));
  }
}

TEST(ImportErrorsTest, FileLargerThanLimit) {
  // max_model_bytes bounds the file before it is read.
  TemporaryFile file("large.onnx", ReluModel().BuildBytes());
  ImportOptions options;
  options.max_model_bytes = 16;
  auto result = ImportModelFile(file.path(), options);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("more than the limit of 16 bytes"));
}

TEST(ImportErrorsTest, UnsupportedOperatorNamesNodeAndOp) {
  // An operator that neither a lowering nor the interpreter implements is Unimplemented
  // with the node, the op and where to find the supported list.
  auto builder = BuilderWithInput({1, 3, 8, 8});
  builder.AddNode("NoSuchOperator", {"x"}, {"y"}, "custom_1");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(std::string(result.status().message()),
            "test.onnx: node 'custom_1' (op 'NoSuchOperator'): unsupported operator; neither a "
            "specialised lowering nor the reference interpreter implements it (npuc "
            "--soma-supported-ops lists the supported operators)");
}

TEST(ImportErrorsTest, UnnamedNodeGetsOpTypeAndIndex) {
  // A node without a name is called OpType_index in messages and placements.
  auto builder = BuilderWithInput({1, 3});
  builder.AddNode("Relu", {"x"}, {"r"});
  builder.AddNode("NoSuchOperator", {"r"}, {"y"});
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'NoSuchOperator_1' (op 'NoSuchOperator')"));
}

TEST(ImportErrorsTest, FailedImportKeepsPlacementOfEveryNode) {
  // Lowering goes on after a failure. Every unsupported node is an error, nodes that read
  // its output give the reason, and supported nodes keep their placement.
  auto builder = BuilderWithInput({1, 3, 8, 8});
  builder.AddNode("Relu", {"x"}, {"a"}, "relu");
  builder.AddNode("NoSuchOperator", {"a"}, {"b"}, "custom");
  builder.AddNode("Sigmoid", {"b"}, {"c"}, "sigmoid");
  builder.AddNode("OtherMissingOperator", {"x"}, {"d"}, "other");
  builder.AddNode("Erf", {"x"}, {"e"}, "erf");
  builder.AddOutput("c", {});
  builder.AddOutput("d", {});
  builder.AddOutput("e", {});
  ImportAttempt attempt = TryImport(builder);
  ASSERT_FALSE(attempt.result.ok());
  EXPECT_THAT(std::string(attempt.result.status().message()),
              HasSubstr("node 'custom' (op 'NoSuchOperator')"));
  ASSERT_EQ(attempt.placement.size(), 5u);
  EXPECT_EQ(attempt.placement[0].kind, PlacementKind::kNpu);
  EXPECT_EQ(attempt.placement[1].kind, PlacementKind::kError);
  EXPECT_THAT(attempt.placement[1].detail, HasSubstr("unsupported operator"));
  EXPECT_EQ(attempt.placement[2].kind, PlacementKind::kError);
  EXPECT_EQ(attempt.placement[2].detail,
            "input 'b' is unavailable because node 'custom' failed");
  EXPECT_EQ(attempt.placement[3].kind, PlacementKind::kError);
  EXPECT_THAT(attempt.placement[3].detail, HasSubstr("node 'other' (op 'OtherMissingOperator')"));
  EXPECT_EQ(attempt.placement[4].kind, PlacementKind::kNpu);
  EXPECT_EQ(attempt.placement[4].detail, "vector tensor op");
}

TEST(ImportErrorsTest, UnknownNonDefaultDomainOperatorIsUnsupported) {
  // Operators of other domains that the interpreter lacks are named with their domain.
  auto builder = BuilderWithInput({1, 3});
  builder.AddNode("NoSuchOperator", {"x"}, {"y"}, "custom").node().set_domain("com.example");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'custom' (op 'com.example.NoSuchOperator'): unsupported operator"));
}

TEST(ImportErrorsTest, ContribOperatorRunsOnHost) {
  // A com.microsoft operator the interpreter implements runs on the host with the reason.
  auto builder = BuilderWithInput({1, 3});
  builder.AddNode("FastGelu", {"x"}, {"y"}, "gelu").node().set_domain("com.microsoft");
  builder.AddOutput("y", {1, 3});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const Placement* gelu = FindPlacement(result->placement, "gelu");
  EXPECT_EQ(gelu->kind, PlacementKind::kHost);
  EXPECT_EQ(gelu->detail,
            "operator com.microsoft.FastGelu is outside the ai.onnx domain and runs on the host");
  const auto& params = result->graph.layer(0).Params<graph::TensorOpParams>();
  EXPECT_EQ(params.unit, graph::ExecutionUnit::kHost);
  EXPECT_EQ(params.domain, "com.microsoft");
}

TEST(ImportErrorsTest, DimExpressionUsesBoundNames) {
  // A dim_param such as "past+seq" takes the sum of the bound names, and a name that only a
  // graph output declares may be bound.
  model_builder::OnnxModelBuilder builder("test", 13);
  builder.AddInput("mask", {std::string("batch"), std::string("past+seq*2")});
  builder.AddNode("Relu", {"mask"}, {"y"}, "relu");
  builder.AddOutput("y", {std::string("batch"), std::string("total")});
  ImportOptions options;
  options.dims = {{"batch", 2}, {"past", 3}, {"seq", 4}, {"total", 11}};
  auto result = Import(builder, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.tensor(result->graph.inputs[0]).onnx_dims,
            (std::vector<int64_t>{2, 11}));
}

TEST(ImportErrorsTest, UnboundSymbolicDimensionNamesInputAndFlag) {
  // A symbolic dimension without a value names the input, the index, the name and the flag.
  model_builder::OnnxModelBuilder builder("test", 13);
  builder.AddInput("images", {std::string("batch"), int64_t{3}, std::string("height"),
                              int64_t{8}});
  builder.AddNode("Relu", {"images"}, {"y"}, "relu");
  builder.AddOutput("y", {});
  ImportOptions options;
  options.dims["batch"] = 2;
  ImportAttempt attempt = TryImport(builder, options);
  ASSERT_EQ(attempt.result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(attempt.result.status().message(),
            "test.onnx: graph input 'images': dimension 2 'height' is symbolic and unbound; "
            "bind it with --soma-dim=height=VALUE");
  EXPECT_EQ(attempt.placement[0].kind, PlacementKind::kError);
  EXPECT_THAT(attempt.placement[0].detail, StartsWith("not lowered: graph input 'images'"));

  options.dims["height"] = 5;
  auto result = Import(builder, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.tensor(result->graph.inputs[0]).onnx_dims,
            (std::vector<int64_t>{2, 3, 5, 8}));
}

TEST(ImportErrorsTest, BatchOptionRewritesFirstDimension) {
  // --soma-batch replaces dimension 0 of every graph input, symbolic or not.
  model_builder::OnnxModelBuilder builder("test", 13);
  builder.AddInput("a", {std::string("N"), int64_t{4}});
  builder.AddInput("b", {int64_t{1}, int64_t{4}});
  builder.AddNode("Add", {"a", "b"}, {"y"}, "add");
  builder.AddOutput("y", {int64_t{1}, int64_t{4}});
  ImportOptions options;
  options.batch = 3;
  auto result = Import(builder, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.tensor(result->graph.inputs[0]).shape, (graph::Shape{3, 4, 1, 1}));
  EXPECT_EQ(result->graph.tensor(result->graph.inputs[1]).shape, (graph::Shape{3, 4, 1, 1}));
}

TEST(ImportErrorsTest, DeclaredOutputShapeMustMatch) {
  // A static output shape that disagrees with the computed one is reported with both.
  auto builder = BuilderWithInput({1, 3, 8, 8});
  builder.AddNode("Relu", {"x"}, {"y"}, "relu");
  builder.AddOutput("y", {1, 3, 4, 4});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "test.onnx: graph output 'y' declares shape [1, 3, 4, 4], but the importer "
            "computed [1, 3, 8, 8]");
}

TEST(ImportErrorsTest, UnknownInputValue) {
  // A node input that nothing produces is named.
  auto builder = BuilderWithInput({1, 3});
  builder.AddNode("Relu", {"missing"}, {"y"}, "relu");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'relu' (op 'Relu'): input 0 'missing' is not a graph input, an "
                        "initializer or the output of any node"));
}

TEST(ImportErrorsTest, BadAttributeTypeNamesAttribute) {
  // An attribute of the wrong type names the node, the attribute and both types.
  auto builder = BuilderWithInput({1, 3, 4, 4});
  builder.AddNode("LeakyRelu", {"x"}, {"y"}, "leaky").Int("alpha", 2);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'leaky' (op 'LeakyRelu'): attribute 'alpha' has type INT, "
                        "expected FLOAT"));
}

}  // namespace
}  // namespace soma::importer
