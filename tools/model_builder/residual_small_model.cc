// residual_small_model.cc: a small residual CNN with seeded weights (residual-small).
#include "model_builder/model_catalog.h"
#include "model_builder/model_parts.h"

namespace soma::model_builder {

namespace {

constexpr int64_t kInputChannels = 3;
constexpr int64_t kInputExtent = 32;
constexpr int64_t kStemChannels = 16;
constexpr int64_t kWideChannels = 32;
constexpr int64_t kClasses = 10;

}  // namespace

onnx::ModelProto BuildResidualSmall(const ModelOptions& options) {
  OnnxModelBuilder builder("residual_small", /*opset=*/13, /*ir_version=*/7);
  WeightGenerator weights(options.seed);
  ModelParts parts(builder, weights);
  builder.AddInput("input", {options.batch, kInputChannels, kInputExtent, kInputExtent});

  // Stem: Conv + BatchNormalization + Relu at 32x32.
  std::string x = parts.Conv("stem_conv", "input",
                             {.in_channels = kInputChannels, .out_channels = kStemChannels,
                              .bias = false});
  x = parts.BatchNorm("stem_bn", x, kStemChannels);
  x = parts.Unary("Relu", "stem_relu", x);

  // Residual block 1: two 3x3 convs and an identity shortcut.
  std::string y = parts.Conv("block1_conv1", x,
                             {.in_channels = kStemChannels, .out_channels = kStemChannels});
  y = parts.BatchNorm("block1_bn1", y, kStemChannels);
  y = parts.Unary("Relu", "block1_relu1", y);
  y = parts.Conv("block1_conv2", y, {.in_channels = kStemChannels, .out_channels = kStemChannels});
  y = parts.BatchNorm("block1_bn2", y, kStemChannels);
  builder.AddNode("Add", {y, x}, {"block1_add_out"}, "block1_add");
  x = parts.Unary("Relu", "block1_relu2", "block1_add_out");

  // Strided conv to 16x16.
  x = parts.Conv("down_conv", x,
                 {.in_channels = kStemChannels, .out_channels = kWideChannels, .stride = 2});
  x = parts.BatchNorm("down_bn", x, kWideChannels);
  x = parts.Unary("Relu", "down_relu", x);

  // Residual block 2: depthwise 3x3 then pointwise 1x1, identity shortcut.
  y = parts.Conv("block2_dwconv", x,
                 {.in_channels = kWideChannels, .out_channels = kWideChannels,
                  .groups = kWideChannels, .bias = false});
  y = parts.BatchNorm("block2_bn1", y, kWideChannels);
  y = parts.Unary("Relu", "block2_relu1", y);
  y = parts.Conv("block2_pwconv", y,
                 {.in_channels = kWideChannels, .out_channels = kWideChannels, .kernel = 1,
                  .pad = 0});
  y = parts.BatchNorm("block2_bn2", y, kWideChannels);
  builder.AddNode("Add", {y, x}, {"block2_add_out"}, "block2_add");
  x = parts.Unary("Relu", "block2_relu2", "block2_add_out");

  // Head: MaxPool to 8x8, global average, classifier.
  builder.AddNode("MaxPool", {x}, {"pool_out"}, "pool")
      .Ints("kernel_shape", {2, 2})
      .Ints("strides", {2, 2});
  builder.AddNode("GlobalAveragePool", {"pool_out"}, {"gap_out"}, "gap");
  builder.AddNode("Flatten", {"gap_out"}, {"flatten_out"}, "flatten").Int("axis", 1);
  builder.AddInitializer("fc_w", {kClasses, kWideChannels},
                         weights.FanInScaled(kClasses * kWideChannels, kWideChannels));
  builder.AddInitializer("fc_b", {kClasses}, weights.Uniform(kClasses, -0.1f, 0.1f));
  builder.AddNode("Gemm", {"flatten_out", "fc_w", "fc_b"}, {"logits"}, "fc").Int("transB", 1);
  builder.AddNode("Softmax", {"logits"}, {"probabilities"}, "softmax").Int("axis", 1);
  builder.AddOutput("probabilities", {options.batch, kClasses});
  return builder.Build();
}

}  // namespace soma::model_builder
