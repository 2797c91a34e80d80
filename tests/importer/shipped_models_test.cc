// shipped_models_test.cc: the models in models/ are what soma-modelgen writes, and they
// import with the expected layers, placements and test data shapes.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "importer/importer.h"
#include "importer/tensor_proto_io.h"
#include "model_builder/model_catalog.h"
#include "util/test_paths.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::FindLayer;
using ::soma::importer::testing::FindPlacement;

std::string ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

struct ShippedModel {
  const char* name;
  const char* stem;
};

constexpr ShippedModel kShippedModels[] = {{"residual-small", "residual_small"},
                                           {"op-coverage", "op_coverage"}};

std::string ModelPath(const ShippedModel& model) {
  return soma::testing::SourceDir() + "/models/" + model.stem + ".onnx";
}

TEST(ShippedModelsTest, ModelgenRegeneratesShippedBytes) {
  // soma-modelgen with the default seed writes each shipped model byte for byte.
  for (const ShippedModel& model : kShippedModels) {
    const std::string out = (std::filesystem::temp_directory_path() /
                             (std::to_string(::getpid()) + "_" + model.stem + ".onnx"))
                                .string();
    const std::string command = soma::testing::BinaryDir() + "/bin/soma-modelgen --model " +
                                model.name + " --out " + out;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const std::string shipped = ReadBytes(ModelPath(model));
    ASSERT_FALSE(shipped.empty()) << ModelPath(model);
    EXPECT_TRUE(ReadBytes(out) == shipped)
        << model.name << " differs from " << ModelPath(model)
        << "; regenerate with tools/model_builder/regenerate_models.sh";
    std::remove(out.c_str());
  }
}

TEST(ShippedModelsTest, SeedAndBatchChangeTheModel) {
  // A different seed changes the weights; the batch changes the input dims.
  const auto base = model_builder::BuildNamedModel("residual-small", {});
  const auto reseeded = model_builder::BuildNamedModel("residual-small", {.seed = 2});
  const auto batched = model_builder::BuildNamedModel("residual-small", {.batch = 4});
  ASSERT_TRUE(base.ok());
  ASSERT_TRUE(reseeded.ok());
  ASSERT_TRUE(batched.ok());
  EXPECT_NE(base->SerializeAsString(), reseeded->SerializeAsString());
  EXPECT_EQ(batched->graph().input(0).type().tensor_type().shape().dim(0).dim_value(), 4);
  EXPECT_EQ(model_builder::BuildNamedModel("nope", {}).status().message(),
            "unknown model 'nope'; known models: op-coverage, residual-small");
}

TEST(ShippedModelsTest, ResidualSmallImports) {
  // residual-small lowers to 12 layers with BN and Relu folded, and its test data matches
  // the graph's inputs and outputs.
  const ShippedModel& model = kShippedModels[0];
  auto result = ImportModelFile(ModelPath(model), {});
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::LayerGraph& graph = result->graph;
  EXPECT_EQ(graph.model_name, "residual_small");
  EXPECT_EQ(graph.layers.size(), 12u);
  EXPECT_EQ(graph.MacCount(), 6676800);
  const graph::Layer* stem = FindLayer(graph, "stem_conv");
  ASSERT_NE(stem, nullptr);
  EXPECT_THAT(stem->origins, ::testing::ElementsAre("stem_conv", "stem_bn", "stem_relu"));
  EXPECT_EQ(FindLayer(graph, "block2_dwconv")->Params<graph::ConvParams>().groups, 32);
  EXPECT_EQ(FindPlacement(result->placement, "flatten")->detail, "view of tensor 'gap_out'");

  const std::string data = soma::testing::SourceDir() + "/models/residual_small.test_data_set_0";
  auto input = ReadTensorProtoFile(data + "/input_0.pb");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->dims, graph.tensor(graph.inputs[0]).onnx_dims);
  auto output = ReadTensorProtoFile(data + "/output_0.pb");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->name, "probabilities");
  EXPECT_EQ(output->dims, graph.tensor(graph.outputs[0]).onnx_dims);
}

// Expected placement of every op-coverage node: kind and the layer (by name) it went to.
struct ExpectedPlacement {
  const char* node;
  PlacementKind kind;
  const char* layer;
};

TEST(ShippedModelsTest, OpCoveragePlacesEveryNode) {
  // Every node of op-coverage gets the placement its pattern calls for.
  auto result = ImportModelFile(ModelPath(kShippedModels[1]), {});
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::LayerGraph& graph = result->graph;
  const ExpectedPlacement expected[] = {
      {"conv1", PlacementKind::kNpu, "conv1"},
      {"bn1", PlacementKind::kFolded, "conv1"},
      {"relu1", PlacementKind::kFolded, "conv1"},
      {"conv2", PlacementKind::kNpu, "conv2"},
      {"leaky", PlacementKind::kFolded, "conv2"},
      {"conv3", PlacementKind::kNpu, "conv3"},
      {"clip_min_const", PlacementKind::kFolded, nullptr},
      {"clip", PlacementKind::kFolded, "conv3"},
      {"conv4", PlacementKind::kNpu, "conv4"},
      {"bias4", PlacementKind::kFolded, "conv4"},
      {"hsig", PlacementKind::kNpu, "hsig"},
      {"gate", PlacementKind::kNpu, "gate"},
      {"hswish", PlacementKind::kFolded, "gate"},
      {"conv5_w_fill", PlacementKind::kFolded, nullptr},
      {"conv5", PlacementKind::kNpu, "conv5"},
      {"sigmoid", PlacementKind::kFolded, "conv5"},
      {"gmp", PlacementKind::kNpu, "gmp"},
      {"scale", PlacementKind::kNpu, "scale"},
      {"cmul", PlacementKind::kNpu, "cmul"},
      {"cadd", PlacementKind::kNpu, "cadd"},
      {"sum", PlacementKind::kNpu, "sum"},
      {"avg", PlacementKind::kNpu, "avg"},
      {"lrn", PlacementKind::kNpu, "lrn"},
      {"cat", PlacementKind::kNpu, "cat"},
      {"bn2", PlacementKind::kNpu, "bn2"},
      {"maxpool", PlacementKind::kNpu, "maxpool"},
      {"dropout", PlacementKind::kFolded, nullptr},
      {"identity", PlacementKind::kFolded, nullptr},
      {"reshape_shape_const", PlacementKind::kFolded, nullptr},
      {"reshape", PlacementKind::kFolded, nullptr},
      {"matmul", PlacementKind::kNpu, "matmul"},
      {"matmul_bias", PlacementKind::kFolded, "matmul"},
      {"relu2", PlacementKind::kFolded, "matmul"},
      {"gemm_c_fill", PlacementKind::kFolded, nullptr},
      {"gemm", PlacementKind::kNpu, "gemm"},
      {"log_softmax", PlacementKind::kNpu, "log_softmax"},
      {"gap", PlacementKind::kNpu, "gap"},
      {"flatten", PlacementKind::kFolded, nullptr},
      {"softmax", PlacementKind::kNpu, "softmax"},
  };
  ASSERT_EQ(result->placement.size(), std::size(expected));
  for (const ExpectedPlacement& entry : expected) {
    const Placement* placement = FindPlacement(result->placement, entry.node);
    ASSERT_NE(placement, nullptr) << entry.node;
    EXPECT_EQ(placement->kind, entry.kind) << entry.node;
    if (entry.layer == nullptr) {
      EXPECT_EQ(placement->layer, -1) << entry.node;
    } else {
      ASSERT_GE(placement->layer, 0) << entry.node;
      EXPECT_EQ(graph.layer(placement->layer).name, entry.layer) << entry.node;
    }
  }

  // The file lists nodes consumers first; the first entry is the last node.
  EXPECT_EQ(result->placement.front().node_name, "softmax");
  EXPECT_EQ(graph.layer(FindPlacement(result->placement, "bn2")->layer).kind,
            graph::LayerKind::kActivation);
  const graph::Tensor& conv5_weight = graph.tensor(*FindLayer(graph, "conv5")->weight);
  ASSERT_TRUE(conv5_weight.constant->fill.has_value());
  EXPECT_FLOAT_EQ(*conv5_weight.constant->fill, 0.02f);
  const auto& conv5 = FindLayer(graph, "conv5")->Params<graph::ConvParams>();
  EXPECT_EQ(conv5.pad_top, 0);
  EXPECT_EQ(conv5.pad_bottom, 1);
  EXPECT_EQ(graph.outputs.size(), 2u);
  EXPECT_EQ(graph.tensor(graph.outputs[0]).name, "logits");
  EXPECT_EQ(graph.tensor(graph.outputs[1]).onnx_dims, (std::vector<int64_t>{1, 16}));
}

}  // namespace
}  // namespace soma::importer
