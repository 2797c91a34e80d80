// inception_resnet_model.cc: Inception-ResNet-v1 (inception-resnet-v1).
//
// The layer table is that of Szegedy et al. 2016 ("Inception-v4, Inception-ResNet and the
// Impact of Residual Connections on Learning"): the stem of its figure 14, Inception-ResNet-A
// (figure 10), Reduction-A (figure 7, with k = 192, l = 192, m = 256, n = 384),
// Inception-ResNet-B (figure 11), Reduction-B (figure 12) and Inception-ResNet-C
// (figure 13). Node names and the residual scales (0.17, 0.10, 0.20) follow the FaceNet
// implementation of the same network (davidsandberg/facenet, inception_resnet_v1.py).
//
// Every convolution is Conv + BatchNormalization + Relu, except the 1x1 convolution that
// closes each residual branch. That one has a bias and no normalisation or activation. A Mul
// with a scalar constant scales it before the residual Add, and a Relu follows the Add.
// Differences from FaceNet: all five Inception-ResNet-C blocks end with Relu (FaceNet adds
// a sixth block without one), and the head is a 1000-way classifier as in the paper
// instead of FaceNet's 128-d embedding; dropout is left out (inference).
// At 299x299 the graph has 6,206,361,696 MACs per image; the output of the stem is 35x35.
#include "absl/strings/str_cat.h"
#include "model_builder/benchmark_models.h"

namespace soma::model_builder {

namespace {

constexpr int64_t kImageChannels = 3;
constexpr int64_t kDefaultInputSize = 299;
constexpr int64_t kClasses = 1000;
constexpr int kBlocksA = 5;
constexpr int kBlocksB = 10;
constexpr int kBlocksC = 5;
constexpr float kScaleA = 0.17f;
constexpr float kScaleB = 0.10f;
constexpr float kScaleC = 0.20f;

// A convolution: `channels` outputs, a kh x kw kernel, `stride`, and either no padding
// ("VALID" in the paper) or the padding that keeps the extent at stride 1 ("SAME").
Conv2dSpec Spec(int64_t channels, int64_t kernel_h, int64_t kernel_w, int64_t stride = 1,
                bool same = true) {
  return {.out_channels = channels,
          .kernel_h = kernel_h,
          .kernel_w = kernel_w,
          .stride = stride,
          .pad_h = same ? kernel_h / 2 : 0,
          .pad_w = same ? kernel_w / 2 : 0};
}

// Conv `name`, then `name`/BatchNorm and `name`/Relu.
std::string ConvBnRelu(NetworkBuilder& net, const std::string& name, const std::string& input,
                       const Conv2dSpec& spec) {
  std::string x = net.Conv(name, input, spec);
  x = net.BatchNorm(name + "/BatchNorm", x);
  return net.Relu(name + "/Relu", x);
}

// The residual tail of an Inception-ResNet block: concatenate the branches, project back
// to the input's channels with a biased 1x1 convolution, scale, add to the input, Relu.
std::string ResidualTail(NetworkBuilder& net, const std::string& prefix, const std::string& input,
                         const std::vector<std::string>& branches, float scale) {
  const std::string mixed = net.Concat(prefix + "/concat", branches);
  Conv2dSpec up = Spec(net.ShapeOf(input).channels, 1, 1);
  up.bias = true;
  std::string x = net.Conv(prefix + "/Conv2d_1x1", mixed, up);
  x = net.Scale(prefix + "/scale", x, scale);
  x = net.Add(prefix + "/add", {input, x});
  return net.Relu(prefix + "/Relu", x);
}

// Inception-ResNet-A (block35), 35x35x256.
std::string BlockA(NetworkBuilder& net, const std::string& prefix, const std::string& input) {
  const std::string b0 = ConvBnRelu(net, prefix + "/Branch_0/Conv2d_1x1", input, Spec(32, 1, 1));
  std::string b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0a_1x1", input, Spec(32, 1, 1));
  b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0b_3x3", b1, Spec(32, 3, 3));
  std::string b2 = ConvBnRelu(net, prefix + "/Branch_2/Conv2d_0a_1x1", input, Spec(32, 1, 1));
  b2 = ConvBnRelu(net, prefix + "/Branch_2/Conv2d_0b_3x3", b2, Spec(32, 3, 3));
  b2 = ConvBnRelu(net, prefix + "/Branch_2/Conv2d_0c_3x3", b2, Spec(32, 3, 3));
  return ResidualTail(net, prefix, input, {b0, b1, b2}, kScaleA);
}

// Inception-ResNet-B (block17), 17x17x896.
std::string BlockB(NetworkBuilder& net, const std::string& prefix, const std::string& input) {
  const std::string b0 = ConvBnRelu(net, prefix + "/Branch_0/Conv2d_1x1", input, Spec(128, 1, 1));
  std::string b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0a_1x1", input, Spec(128, 1, 1));
  b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0b_1x7", b1, Spec(128, 1, 7));
  b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0c_7x1", b1, Spec(128, 7, 1));
  return ResidualTail(net, prefix, input, {b0, b1}, kScaleB);
}

// Inception-ResNet-C (block8), 8x8x1792.
std::string BlockC(NetworkBuilder& net, const std::string& prefix, const std::string& input) {
  const std::string b0 = ConvBnRelu(net, prefix + "/Branch_0/Conv2d_1x1", input, Spec(192, 1, 1));
  std::string b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0a_1x1", input, Spec(192, 1, 1));
  b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0b_1x3", b1, Spec(192, 1, 3));
  b1 = ConvBnRelu(net, prefix + "/Branch_1/Conv2d_0c_3x1", b1, Spec(192, 3, 1));
  return ResidualTail(net, prefix, input, {b0, b1}, kScaleC);
}

// Reduction-A (Mixed_6a): 35x35x256 -> 17x17x896.
std::string ReductionA(NetworkBuilder& net, const std::string& input) {
  const std::string b0 =
      ConvBnRelu(net, "Mixed_6a/Branch_0/Conv2d_1a_3x3", input, Spec(384, 3, 3, 2, false));
  std::string b1 = ConvBnRelu(net, "Mixed_6a/Branch_1/Conv2d_0a_1x1", input, Spec(192, 1, 1));
  b1 = ConvBnRelu(net, "Mixed_6a/Branch_1/Conv2d_0b_3x3", b1, Spec(192, 3, 3));
  b1 = ConvBnRelu(net, "Mixed_6a/Branch_1/Conv2d_1a_3x3", b1, Spec(256, 3, 3, 2, false));
  const std::string b2 = net.MaxPool("Mixed_6a/Branch_2/MaxPool_1a_3x3", input, 3, 2, 0);
  return net.Concat("Mixed_6a/concat", {b0, b1, b2});
}

// Reduction-B (Mixed_7a): 17x17x896 -> 8x8x1792.
std::string ReductionB(NetworkBuilder& net, const std::string& input) {
  std::string b0 = ConvBnRelu(net, "Mixed_7a/Branch_0/Conv2d_0a_1x1", input, Spec(256, 1, 1));
  b0 = ConvBnRelu(net, "Mixed_7a/Branch_0/Conv2d_1a_3x3", b0, Spec(384, 3, 3, 2, false));
  std::string b1 = ConvBnRelu(net, "Mixed_7a/Branch_1/Conv2d_0a_1x1", input, Spec(256, 1, 1));
  b1 = ConvBnRelu(net, "Mixed_7a/Branch_1/Conv2d_1a_3x3", b1, Spec(256, 3, 3, 2, false));
  std::string b2 = ConvBnRelu(net, "Mixed_7a/Branch_2/Conv2d_0a_1x1", input, Spec(256, 1, 1));
  b2 = ConvBnRelu(net, "Mixed_7a/Branch_2/Conv2d_0b_3x3", b2, Spec(256, 3, 3));
  b2 = ConvBnRelu(net, "Mixed_7a/Branch_2/Conv2d_1a_3x3", b2, Spec(256, 3, 3, 2, false));
  const std::string b3 = net.MaxPool("Mixed_7a/Branch_3/MaxPool_1a_3x3", input, 3, 2, 0);
  return net.Concat("Mixed_7a/concat", {b0, b1, b2, b3});
}

}  // namespace

absl::StatusOr<BuiltModel> BuildInceptionResNetV1(const BenchmarkModelOptions& options) {
  const int64_t input_size = options.input_size.value_or(kDefaultInputSize);
  NetworkBuilder net("inception_resnet_v1", /*opset=*/13, options.weights, options.seed,
                     options.batch);
  std::string x = net.Input("input", {kImageChannels, input_size, input_size});

  // Stem: 299 -> 149 -> 147 -> 147 -> 73 -> 73 -> 71 -> 35.
  x = ConvBnRelu(net, "Conv2d_1a_3x3", x, Spec(32, 3, 3, 2, false));
  x = ConvBnRelu(net, "Conv2d_2a_3x3", x, Spec(32, 3, 3, 1, false));
  x = ConvBnRelu(net, "Conv2d_2b_3x3", x, Spec(64, 3, 3));
  x = net.MaxPool("MaxPool_3a_3x3", x, 3, 2, 0);
  x = ConvBnRelu(net, "Conv2d_3b_1x1", x, Spec(80, 1, 1));
  x = ConvBnRelu(net, "Conv2d_4a_3x3", x, Spec(192, 3, 3, 1, false));
  x = ConvBnRelu(net, "Conv2d_4b_3x3", x, Spec(256, 3, 3, 2, false));

  for (int block = 1; block <= kBlocksA; ++block) {
    x = BlockA(net, absl::StrCat("block35_", block), x);
  }
  x = ReductionA(net, x);
  for (int block = 1; block <= kBlocksB; ++block) {
    x = BlockB(net, absl::StrCat("block17_", block), x);
  }
  x = ReductionB(net, x);
  for (int block = 1; block <= kBlocksC; ++block) {
    x = BlockC(net, absl::StrCat("block8_", block), x);
  }

  // Head: average over the 8x8 map, then the classifier.
  x = net.GlobalAveragePool("AvgPool_1a_8x8", x);
  x = net.FlattenGemm("Logits", x, kClasses);
  net.Output(x);
  return net.Finish();
}

}  // namespace soma::model_builder
