// corpus_import_test.cc: real models from the shared corpus import, verify, and have the
// MAC counts that the corpus manifest lists (computed there with ONNX shape inference).
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "importer/importer.h"
#include "util/test_paths.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::FindPlacement;

struct CorpusCase {
  const char* file;
  int64_t macs;
};

class CorpusImportTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusImportTest, ImportsWithManifestMacs) {
  // The model imports, passes Verify, places every node, and its MAC count matches.
  SOMA_CORPUS_FILE_OR_SKIP(path, GetParam().file);
  auto result = ImportModelFile(path, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->graph.Verify().ok());
  EXPECT_EQ(result->graph.MacCount(), GetParam().macs);
  for (const Placement& placement : result->placement) {
    EXPECT_NE(placement.kind, PlacementKind::kError) << placement.node_name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Manifest, CorpusImportTest,
    ::testing::Values(CorpusCase{"ort__mnist.onnx", 786560},
                      CorpusCase{"ort__cnn_mnist_pytorch.onnx", 480500},
                      CorpusCase{"tv__mobilenet_v2_w050_c100_w.onnx", 95979840},
                      CorpusCase{"onnx__light_resnet50.onnx", 4089184256},
                      CorpusCase{"onnx__light_squeezenet.onnx", 349151936},
                      CorpusCase{"onnx__light_inception_v1.onnx", 1431556352},
                      CorpusCase{"onnx__light_vgg19.onnx", 19632062464},
                      CorpusCase{"onnx__light_densenet121.onnx", 2834161664},
                      CorpusCase{"tv__efficientnet_b0_light.onnx", 385814752}),
    [](const ::testing::TestParamInfo<CorpusCase>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(CorpusImportDetailTest, RebatchedResnetReshapeFollowsBatch) {
  // ResNet-50's Reshape has the constant target [1, 2048]; with the batch rebound to 4 the
  // target's first extent follows, so the graph does four times the MACs.
  SOMA_CORPUS_FILE_OR_SKIP(path, "onnx__light_resnet50.onnx");
  ImportOptions options;
  options.batch = 4;
  auto result = ImportModelFile(path, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->graph.Verify().ok());
  EXPECT_EQ(result->graph.MacCount(), 4 * int64_t{4089184256});
  EXPECT_EQ(result->graph.tensor(result->graph.outputs[0]).shape[0], 4);
}

TEST(CorpusImportDetailTest, MnistFoldsBiasAndFlattensIntoMatMul) {
  // CNTK's MNIST: the bias Adds and Relus fold into the convs, the reshaped weight folds to a
  // constant, and the activation Reshape is a view read by the MatMul.
  SOMA_CORPUS_FILE_OR_SKIP(path, "ort__mnist.onnx");
  auto result = ImportModelFile(path, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layers.size(), 5u);
  EXPECT_EQ(FindPlacement(result->placement, "Plus30")->detail,
            "Add folded into Conv 'Convolution28'");
  EXPECT_EQ(FindPlacement(result->placement, "Times212_reshape1")->layer, -1);
  EXPECT_EQ(FindPlacement(result->placement, "Times212_reshape0")->kind, PlacementKind::kFolded);
  EXPECT_EQ(result->graph.tensor(result->graph.outputs[0]).onnx_dims,
            (std::vector<int64_t>{1, 10}));
}

TEST(CorpusImportDetailTest, Vgg19FullyConnectedWeightStaysFill) {
  // VGG-19's 102M-element FC weight comes from ConstantOfShape and stays a fill.
  SOMA_CORPUS_FILE_OR_SKIP(path, "onnx__light_vgg19.onnx");
  auto result = ImportModelFile(path, {});
  ASSERT_TRUE(result.ok()) << result.status();
  int64_t explicit_values = 0;
  for (const graph::Tensor& tensor : result->graph.tensors) {
    if (tensor.IsConstant()) explicit_values += tensor.constant->values.size();
  }
  EXPECT_LT(explicit_values, 100000);
}

TEST(CorpusImportDetailTest, ConvTransposeIsTensorOpWithMacs) {
  // ConvTranspose has no conv layer form, so it runs as a tensor op. Its MACs are the input
  // elements times the output channels per group times the kernel elements.
  SOMA_CORPUS_FILE_OR_SKIP(path, "ort__test_conv_follow_convtrans.onnx");
  ImportOptions options;
  options.dims["batch_size"] = 1;
  ImportAttempt attempt = TryImportModelFile(path, options);
  ASSERT_TRUE(attempt.result.ok()) << attempt.result.status();
  ASSERT_EQ(attempt.placement.size(), 2u);
  const Placement* transpose = FindPlacement(attempt.placement, "ConvTranspose_1");
  ASSERT_NE(transpose, nullptr);
  EXPECT_EQ(transpose->kind, PlacementKind::kNpu);
  EXPECT_EQ(transpose->detail, "vector tensor op");
  const graph::Layer& layer = attempt.result->graph.layer(transpose->layer);
  EXPECT_EQ(layer.kind, graph::LayerKind::kTensorOp);
  EXPECT_GT(layer.Params<graph::TensorOpParams>().mac_count, 0);
}

}  // namespace
}  // namespace soma::importer
