// benchmark_models_test.cc: the benchmark networks have the published MAC counts, import
// into valid LayerGraphs, and honour the seed, batch, weight and input-size options.
// gpt2_block_model_test.cc checks the GPT-2 blocks' own counts and options.
#include "model_builder/benchmark_models.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "graph/layer_graph.h"
#include "gtest/gtest.h"
#include "importer/importer.h"
#include "model_builder/onnx_model_builder.h"

namespace soma::model_builder {
namespace {

using ::testing::HasSubstr;

BuiltModel BuildOrDie(const std::string& name, const BenchmarkModelOptions& options) {
  absl::StatusOr<BuiltModel> built = BuildBenchmarkModel(name, options);
  EXPECT_TRUE(built.ok()) << name << ": " << built.status();
  return built.ok() ? *std::move(built) : BuiltModel{};
}

BenchmarkModelOptions Omitted(int64_t batch = 1) {
  BenchmarkModelOptions options;
  options.weights = WeightMode::kOmitted;
  options.batch = batch;
  return options;
}

absl::StatusOr<importer::ImportResult> Import(const BuiltModel& built, const std::string& name) {
  return importer::ImportModelBytes(SerializeModel(built.model), name, {});
}

double RelativeError(int64_t value, double reference) {
  return std::abs(static_cast<double>(value) - reference) / reference;
}

// Multiply-accumulates of one convolution: output elements times taps per output.
int64_t ConvMacs(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w,
                 int64_t out_extent) {
  return in_channels * out_channels * kernel_h * kernel_w * out_extent * out_extent;
}

TEST(BenchmarkModelsTest, ResNetMacsMatchPublishedCounts) {
  // torchvision's model tables give 4.09 GFLOPS for ResNet-50 and 7.80 for ResNet-101 at
  // 224x224, counting one multiply-accumulate as one operation.
  const BuiltModel resnet50 = BuildOrDie("resnet50", Omitted());
  const BuiltModel resnet101 = BuildOrDie("resnet101", Omitted());
  EXPECT_LT(RelativeError(resnet50.mac_count, 4.1e9), 0.03) << resnet50.mac_count;
  EXPECT_LT(RelativeError(resnet101.mac_count, 7.8e9), 0.03) << resnet101.mac_count;
  EXPECT_EQ(resnet50.mac_count, 4089184256);
  EXPECT_EQ(resnet101.mac_count, 7801405440);
}

TEST(BenchmarkModelsTest, InceptionResNetMacsMatchLayerTable) {
  // The reference is the layer table of Szegedy et al. 2016 (figures 14, 10, 7 with k = 192,
  // l = 192, m = 256, n = 384, 11, 12, 13) summed by hand at 299x299, independently of the
  // builder: stem, 5 A blocks, Reduction-A, 10 B blocks, Reduction-B, 5 C blocks, classifier.
  const int64_t stem = ConvMacs(3, 32, 3, 3, 149) + ConvMacs(32, 32, 3, 3, 147) +
                       ConvMacs(32, 64, 3, 3, 147) + ConvMacs(64, 80, 1, 1, 73) +
                       ConvMacs(80, 192, 3, 3, 71) + ConvMacs(192, 256, 3, 3, 35);
  const int64_t block_a =
      3 * ConvMacs(256, 32, 1, 1, 35) + 3 * ConvMacs(32, 32, 3, 3, 35) + ConvMacs(96, 256, 1, 1, 35);
  const int64_t reduction_a = ConvMacs(256, 384, 3, 3, 17) + ConvMacs(256, 192, 1, 1, 35) +
                              ConvMacs(192, 192, 3, 3, 35) + ConvMacs(192, 256, 3, 3, 17);
  const int64_t block_b = 2 * ConvMacs(896, 128, 1, 1, 17) + 2 * ConvMacs(128, 128, 1, 7, 17) +
                          ConvMacs(256, 896, 1, 1, 17);
  const int64_t reduction_b = 3 * ConvMacs(896, 256, 1, 1, 17) + ConvMacs(256, 384, 3, 3, 8) +
                              2 * ConvMacs(256, 256, 3, 3, 8) + ConvMacs(256, 256, 3, 3, 17);
  const int64_t block_c = 2 * ConvMacs(1792, 192, 1, 1, 8) + 2 * ConvMacs(192, 192, 1, 3, 8) +
                          ConvMacs(384, 1792, 1, 1, 8);
  const int64_t classifier = 1792 * 1000;
  const int64_t expected = stem + 5 * block_a + reduction_a + 10 * block_b + reduction_b +
                           5 * block_c + classifier;
  EXPECT_EQ(BuildOrDie("inception-resnet-v1", Omitted()).mac_count, expected);
}

TEST(BenchmarkModelsTest, RandWireMacsNearPublishedCount) {
  // Xie et al. 2019, table 2: RandWire-WS (C = 78, small regime) has 583 +- 6.2 M
  // multiply-adds over five seeds. Each seed here gives its own graphs; all stay within 3%.
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    BenchmarkModelOptions options = Omitted();
    options.seed = seed;
    const BuiltModel built = BuildOrDie("randwire-small", options);
    EXPECT_LT(RelativeError(built.mac_count, 583e6), 0.03) << "seed " << seed << ": "
                                                           << built.mac_count;
  }
}

TEST(BenchmarkModelsTest, EveryModelImportsAndVerifies) {
  // Each network, weights omitted, imports into a LayerGraph that passes Verify and whose
  // MAC count equals the builder's. A GPT-2 decode block also outputs the grown KV cache.
  for (const std::string& name : BenchmarkModelNames()) {
    const BuiltModel built = BuildOrDie(name, Omitted());
    absl::StatusOr<importer::ImportResult> imported = Import(built, name);
    ASSERT_TRUE(imported.ok()) << name << ": " << imported.status();
    EXPECT_TRUE(imported->graph.Verify().ok()) << name << ": " << imported->graph.Verify();
    EXPECT_EQ(imported->graph.MacCount(), built.mac_count) << name;
    const bool decode = name.find("-decode") != std::string::npos;
    EXPECT_EQ(imported->graph.outputs.size(), decode ? 3u : 1u) << name;
  }
}

TEST(BenchmarkModelsTest, ResNetFoldsBatchNormAndRelu) {
  // ResNet-50 lowers to 53 convolutions, 16 residual Adds (each with its Relu folded), the
  // MaxPool, the GlobalAveragePool and the classifier: 72 layers.
  const BuiltModel built = BuildOrDie("resnet50", Omitted());
  absl::StatusOr<importer::ImportResult> imported = Import(built, "resnet50");
  ASSERT_TRUE(imported.ok()) << imported.status();
  int conv_count = 0;
  int eltwise_count = 0;
  for (const graph::Layer& layer : imported->graph.layers) {
    conv_count += layer.kind == graph::LayerKind::kConv;
    eltwise_count += layer.kind == graph::LayerKind::kEltwise;
  }
  EXPECT_EQ(conv_count, 53);
  EXPECT_EQ(eltwise_count, 16);
  EXPECT_EQ(imported->graph.layers.size(), 72u);
}

TEST(BenchmarkModelsTest, BatchScalesInputAndMacs) {
  // --batch 4 sets the input's first dimension and multiplies the MAC count by 4.
  const BuiltModel one = BuildOrDie("resnet50", Omitted(1));
  const BuiltModel four = BuildOrDie("resnet50", Omitted(4));
  EXPECT_EQ(four.mac_count, 4 * one.mac_count);
  EXPECT_EQ(four.model.graph().input(0).type().tensor_type().shape().dim(0).dim_value(), 4);
  EXPECT_EQ(four.model.graph().output(0).type().tensor_type().shape().dim(0).dim_value(), 4);
}

TEST(BenchmarkModelsTest, OmittedWeightsAreConstantFills) {
  // Omitted weights are ConstantOfShape nodes: the file stays small and the importer keeps
  // each weight as a fill of 1/fan_in.
  const BuiltModel omitted = BuildOrDie("resnet50", Omitted());
  EXPECT_LT(SerializeModel(omitted.model).size(), 200u * 1024u);
  absl::StatusOr<importer::ImportResult> imported = Import(omitted, "resnet50");
  ASSERT_TRUE(imported.ok()) << imported.status();
  const graph::Layer& stem = imported->graph.layer(0);
  ASSERT_EQ(stem.name, "conv1");
  const graph::Tensor& weight = imported->graph.tensor(*stem.weight);
  ASSERT_TRUE(weight.constant.has_value());
  ASSERT_TRUE(weight.constant->fill.has_value());
  EXPECT_FLOAT_EQ(*weight.constant->fill, 1.0f / (3 * 7 * 7));
}

TEST(BenchmarkModelsTest, SameOptionsGiveSameBytes) {
  // Generation is deterministic; the seed changes random weights and RandWire's wiring.
  BenchmarkModelOptions random_options;
  random_options.input_size = 32;
  const std::string first = SerializeModel(BuildOrDie("resnet50", random_options).model);
  EXPECT_EQ(first, SerializeModel(BuildOrDie("resnet50", random_options).model));
  random_options.seed = 2;
  EXPECT_NE(first, SerializeModel(BuildOrDie("resnet50", random_options).model));

  BenchmarkModelOptions wiring = Omitted();
  const std::string randwire_seed1 = SerializeModel(BuildOrDie("randwire-small", wiring).model);
  EXPECT_EQ(randwire_seed1, SerializeModel(BuildOrDie("randwire-small", wiring).model));
  wiring.seed = 2;
  EXPECT_NE(randwire_seed1, SerializeModel(BuildOrDie("randwire-small", wiring).model));
}

TEST(BenchmarkModelsTest, InputSizeSetsResolution) {
  // --input-size replaces the image extent; one too small for the network names the node
  // whose output becomes empty.
  BenchmarkModelOptions options = Omitted();
  options.input_size = 75;
  const BuiltModel small = BuildOrDie("inception-resnet-v1", options);
  EXPECT_EQ(small.model.graph().input(0).type().tensor_type().shape().dim(2).dim_value(), 75);

  options.input_size = 60;
  absl::StatusOr<BuiltModel> too_small = BuildBenchmarkModel("inception-resnet-v1", options);
  ASSERT_FALSE(too_small.ok());
  EXPECT_EQ(too_small.status().message(),
            "node 'Mixed_7a/Branch_0/Conv2d_1a_3x3': output shape [384, 0, 0] has an empty "
            "extent; the input image is too small for this network, use a larger --input-size");
}

TEST(BenchmarkModelsTest, InvalidOptionsAreRejected) {
  // An unknown name lists the known ones; batch and input size must be positive.
  EXPECT_EQ(BuildBenchmarkModel("vgg16", {}).status().message(),
            "unknown benchmark model 'vgg16'; known benchmark models: gpt2-small-decode, "
            "gpt2-small-prefill, gpt2-xl-decode, gpt2-xl-prefill, inception-resnet-v1, "
            "randwire-small, resnet101, resnet50");
  BenchmarkModelOptions options;
  options.batch = 0;
  EXPECT_THAT(BuildBenchmarkModel("resnet50", options).status().message(),
              HasSubstr("--batch 0 must be at least 1"));
  options.batch = 1;
  options.input_size = 0;
  EXPECT_THAT(BuildBenchmarkModel("resnet50", options).status().message(),
              HasSubstr("--input-size 0 must be at least 1"));
}

}  // namespace
}  // namespace soma::model_builder
