// resnet_models.cc: ResNet-50 and ResNet-101 in the torchvision layout (resnet50,
// resnet101).
//
// Node names follow torchvision's module names (conv1, layer2.0.conv2,
// layer3.0.downsample.0, fc), so each layer maps to its torchvision module by name.
// At 224x224 the counts are 4,089,184,256 MACs (ResNet-50) and 7,801,405,440 MACs
// (ResNet-101) per image.
#include "model_builder/benchmark_models.h"

#include "absl/strings/str_cat.h"

namespace soma::model_builder {

namespace {

constexpr int64_t kImageChannels = 3;
constexpr int64_t kDefaultInputSize = 224;
constexpr int64_t kStemChannels = 64;
constexpr int64_t kClasses = 1000;
// A bottleneck's output has four times the channels of its 3x3 convolution.
constexpr int64_t kExpansion = 4;

struct StageSpec {
  int blocks;
  int64_t width;
  int64_t stride;
};

// Conv (no bias) followed by BatchNormalization, named `conv` and `bn`.
std::string ConvBn(NetworkBuilder& net, const std::string& conv, const std::string& bn,
                   const std::string& input, const Conv2dSpec& spec) {
  return net.BatchNorm(bn, net.Conv(conv, input, spec));
}

// One bottleneck block `prefix` (e.g. "layer2.0"): 1x1 reduce, 3x3 with `stride`, 1x1
// expand, and the shortcut (a strided 1x1 projection when `project` is set).
std::string Bottleneck(NetworkBuilder& net, const std::string& prefix, const std::string& input,
                       int64_t width, int64_t stride, bool project) {
  const int64_t out_channels = width * kExpansion;
  std::string y = ConvBn(net, prefix + ".conv1", prefix + ".bn1", input,
                         {.out_channels = width});
  y = net.Relu(prefix + ".relu1", y);
  y = ConvBn(net, prefix + ".conv2", prefix + ".bn2", y,
             {.out_channels = width, .kernel_h = 3, .kernel_w = 3, .stride = stride,
              .pad_h = 1, .pad_w = 1});
  y = net.Relu(prefix + ".relu2", y);
  y = ConvBn(net, prefix + ".conv3", prefix + ".bn3", y, {.out_channels = out_channels});
  std::string shortcut = input;
  if (project) {
    shortcut = ConvBn(net, prefix + ".downsample.0", prefix + ".downsample.1", input,
                      {.out_channels = out_channels, .stride = stride});
  }
  const std::string sum = net.Add(prefix + ".add", {y, shortcut});
  return net.Relu(prefix + ".relu3", sum);
}

}  // namespace

absl::StatusOr<BuiltModel> BuildResNet(int depth, const BenchmarkModelOptions& options) {
  if (depth != 50 && depth != 101) {
    return absl::InvalidArgumentError(
        absl::StrCat("ResNet depth ", depth, " is not generated; expected 50 or 101"));
  }
  const int64_t input_size = options.input_size.value_or(kDefaultInputSize);
  NetworkBuilder net(absl::StrCat("resnet", depth), /*opset=*/13, options.weights, options.seed,
                     options.batch);
  std::string x = net.Input("input", {kImageChannels, input_size, input_size});

  // Stem: 7x7 stride-2 convolution and 3x3 stride-2 max pooling (224 -> 112 -> 56).
  x = ConvBn(net, "conv1", "bn1", x,
             {.out_channels = kStemChannels, .kernel_h = 7, .kernel_w = 7, .stride = 2,
              .pad_h = 3, .pad_w = 3});
  x = net.Relu("relu", x);
  x = net.MaxPool("maxpool", x, /*kernel=*/3, /*stride=*/2, /*pad=*/1);

  // Four stages of bottlenecks; each stage after the first halves the resolution.
  const StageSpec stages[] = {{3, 64, 1}, {4, 128, 2}, {depth == 50 ? 6 : 23, 256, 2},
                              {3, 512, 2}};
  for (int stage = 0; stage < 4; ++stage) {
    for (int block = 0; block < stages[stage].blocks; ++block) {
      const std::string prefix = absl::StrCat("layer", stage + 1, ".", block);
      x = Bottleneck(net, prefix, x, stages[stage].width, block == 0 ? stages[stage].stride : 1,
                     /*project=*/block == 0);
    }
  }

  // Head: global average, flatten, classifier.
  x = net.GlobalAveragePool("avgpool", x);
  x = net.FlattenGemm("fc", x, kClasses);
  net.Output(x);
  return net.Finish();
}

}  // namespace soma::model_builder
