// op_coverage_model.cc: a model that uses every operator the importer lowers (op-coverage).
//
// Input `input` [batch, 4, 16, 16]. The graph, in topological order:
//   conv1 (3x3, bias) -> bn1 -> relu1                      BatchNormalization and Relu fold
//   conv2 (group 2, dilation 2, pads 2) -> leaky            LeakyRelu folds
//   conv3 (depthwise, stride 2, SAME_LOWER) -> clip         Clip with a Constant min input
//   conv4 (1x1, VALID) -> bias4 (Add of a [8,1,1] constant) the Add folds into the bias
//   hsig = HardSigmoid(bias4); gate = Mul(bias4, hsig)      standalone activation, Mul of two
//   hswish = HardSwish(gate)                                folds into the Mul layer
//   conv5 (2x2, SAME_UPPER, weight from ConstantOfShape) -> sigmoid
//   gmp = GlobalMaxPool(sigmoid); scale = Mul(sigmoid, gmp) broadcast of an activation
//   cmul = Mul(scale, [1,8,1,1] constant); cadd = Add(cmul, scalar constant)
//   sum = Sum(cadd, hswish, bias4); avg = AveragePool(count_include_pad) -> lrn
//   cat = Concat(lrn, sum) -> bn2 (standalone BatchNormalization)
//   MaxPool(ceil_mode) -> Dropout -> Identity -> Reshape (Constant shape) -> MatMul
//   -> Add bias (folds) -> Relu -> Gemm (transB, alpha, beta, ConstantOfShape C) -> LogSoftmax
//   bn2 -> GlobalAveragePool -> Flatten -> Softmax
#include <algorithm>

#include "model_builder/model_catalog.h"
#include "model_builder/model_parts.h"

namespace soma::model_builder {

namespace {

constexpr int64_t kInputChannels = 4;
constexpr int64_t kInputExtent = 16;
constexpr int64_t kChannels = 8;
constexpr int64_t kHidden = 32;
constexpr int64_t kClasses = 10;

// The convolution trunk up to the gated, HardSwish-activated branch. Returns the names of
// `bias4` and `hswish` outputs.
std::pair<std::string, std::string> AddTrunk(ModelParts& parts) {
  OnnxModelBuilder& builder = parts.builder();
  std::string x = parts.Conv("conv1", "input",
                             {.in_channels = kInputChannels, .out_channels = kChannels});
  x = parts.BatchNorm("bn1", x, kChannels);
  x = parts.Unary("Relu", "relu1", x);
  x = parts.Conv("conv2", x,
                 {.in_channels = kChannels, .out_channels = kChannels, .pad = 2, .dilation = 2,
                  .groups = 2, .bias = false});
  builder.AddNode("LeakyRelu", {x}, {"leaky_out"}, "leaky").Float("alpha", 0.1f);
  x = parts.Conv("conv3", "leaky_out",
                 {.in_channels = kChannels, .out_channels = kChannels, .stride = 2,
                  .groups = kChannels, .auto_pad = "SAME_LOWER"});
  builder.AddNode("Constant", {}, {"clip_min"}, "clip_min_const")
      .Tensor("value", FloatTensor("", {}, {0.0f}));
  builder.AddInitializer("clip_max", {}, {6.0f});
  builder.AddNode("Clip", {x, "clip_min", "clip_max"}, {"clip_out"}, "clip");
  x = parts.Conv("conv4", "clip_out",
                 {.in_channels = kChannels, .out_channels = kChannels, .kernel = 1,
                  .bias = false, .auto_pad = "VALID"});
  builder.AddInitializer("bias4_c", {kChannels, 1, 1},
                         parts.weights().Uniform(kChannels, -0.2f, 0.2f));
  builder.AddNode("Add", {x, "bias4_c"}, {"bias4_out"}, "bias4");
  builder.AddNode("HardSigmoid", {"bias4_out"}, {"hsig_out"}, "hsig")
      .Float("alpha", 0.25f)
      .Float("beta", 0.5f);
  builder.AddNode("Mul", {"bias4_out", "hsig_out"}, {"gate_out"}, "gate");
  builder.AddNode("HardSwish", {"gate_out"}, {"hswish_out"}, "hswish");
  return {"bias4_out", "hswish_out"};
}

// conv5 with a ConstantOfShape weight, a squeeze-style gate and constant operands, the sum of
// three branches, pooling and LRN, and the channel concatenation with a standalone
// BatchNormalization. Returns the BatchNormalization output.
std::string AddMiddle(ModelParts& parts, const std::string& bias4, const std::string& hswish) {
  OnnxModelBuilder& builder = parts.builder();
  builder.AddInt64Initializer("conv5_w_shape", {4}, {kChannels, kChannels, 2, 2});
  builder.AddNode("ConstantOfShape", {"conv5_w_shape"}, {"conv5_w"}, "conv5_w_fill")
      .Tensor("value", FloatTensor("", {1}, {0.02f}));
  builder.AddNode("Conv", {hswish, "conv5_w"}, {"conv5_out"}, "conv5")
      .Ints("kernel_shape", {2, 2})
      .String("auto_pad", "SAME_UPPER");
  builder.AddNode("Sigmoid", {"conv5_out"}, {"sigmoid_out"}, "sigmoid");
  builder.AddNode("GlobalMaxPool", {"sigmoid_out"}, {"gmp_out"}, "gmp");
  builder.AddNode("Mul", {"sigmoid_out", "gmp_out"}, {"scale_out"}, "scale");
  builder.AddInitializer("cmul_c", {1, kChannels, 1, 1},
                         parts.weights().Uniform(kChannels, 0.5f, 1.5f));
  builder.AddNode("Mul", {"scale_out", "cmul_c"}, {"cmul_out"}, "cmul");
  builder.AddInitializer("cadd_c", {1}, {0.25f});
  builder.AddNode("Add", {"cmul_out", "cadd_c"}, {"cadd_out"}, "cadd");
  builder.AddNode("Sum", {"cadd_out", hswish, bias4}, {"sum_out"}, "sum");
  builder.AddNode("AveragePool", {"sum_out"}, {"avg_out"}, "avg")
      .Ints("kernel_shape", {3, 3})
      .Ints("pads", {1, 1, 1, 1})
      .Int("count_include_pad", 1);
  builder.AddNode("LRN", {"avg_out"}, {"lrn_out"}, "lrn")
      .Int("size", 3)
      .Float("alpha", 1e-3f)
      .Float("beta", 0.75f)
      .Float("bias", 1.0f);
  builder.AddNode("Concat", {"lrn_out", "sum_out"}, {"cat_out"}, "cat").Int("axis", 1);
  return parts.BatchNorm("bn2", "cat_out", 2 * kChannels);
}

// Pooling, the view chain and the fully connected head (logits), and the softmax head
// (probabilities).
void AddHeads(ModelParts& parts, const std::string& features, int64_t batch) {
  OnnxModelBuilder& builder = parts.builder();
  WeightGenerator& weights = parts.weights();
  builder.AddNode("MaxPool", {features}, {"maxpool_out"}, "maxpool")
      .Ints("kernel_shape", {3, 3})
      .Ints("strides", {2, 2})
      .Int("ceil_mode", 1);
  builder.AddNode("Dropout", {"maxpool_out"}, {"dropout_out"}, "dropout");
  builder.AddNode("Identity", {"dropout_out"}, {"identity_out"}, "identity");
  builder.AddNode("Constant", {}, {"reshape_shape"}, "reshape_shape_const")
      .Tensor("value", Int64Tensor("", {2}, {batch, -1}));
  builder.AddNode("Reshape", {"identity_out", "reshape_shape"}, {"reshape_out"}, "reshape");
  const int64_t flat = 2 * kChannels * 4 * 4;
  builder.AddInitializer("matmul_w", {flat, kHidden}, weights.FanInScaled(flat * kHidden, flat));
  builder.AddNode("MatMul", {"reshape_out", "matmul_w"}, {"matmul_out"}, "matmul");
  builder.AddInitializer("matmul_b", {kHidden}, weights.Uniform(kHidden, -0.1f, 0.1f));
  builder.AddNode("Add", {"matmul_out", "matmul_b"}, {"matmul_bias_out"}, "matmul_bias");
  builder.AddNode("Relu", {"matmul_bias_out"}, {"relu2_out"}, "relu2");
  builder.AddInitializer("gemm_w", {kClasses, kHidden},
                         weights.FanInScaled(kClasses * kHidden, kHidden));
  builder.AddInt64Initializer("gemm_c_shape", {1}, {kClasses});
  builder.AddNode("ConstantOfShape", {"gemm_c_shape"}, {"gemm_c"}, "gemm_c_fill")
      .Tensor("value", FloatTensor("", {1}, {0.1f}));
  builder.AddNode("Gemm", {"relu2_out", "gemm_w", "gemm_c"}, {"gemm_out"}, "gemm")
      .Int("transB", 1)
      .Float("alpha", 0.5f)
      .Float("beta", 2.0f);
  builder.AddNode("LogSoftmax", {"gemm_out"}, {"logits"}, "log_softmax").Int("axis", 1);

  builder.AddNode("GlobalAveragePool", {features}, {"gap_out"}, "gap");
  builder.AddNode("Flatten", {"gap_out"}, {"flatten_out"}, "flatten");
  builder.AddNode("Softmax", {"flatten_out"}, {"probabilities"}, "softmax").Int("axis", 1);
}

}  // namespace

onnx::ModelProto BuildOpCoverage(const ModelOptions& options) {
  OnnxModelBuilder builder("op_coverage", /*opset=*/14, /*ir_version=*/3);
  builder.ListInitializersAsInputs(true);
  WeightGenerator weights(options.seed);
  ModelParts parts(builder, weights);
  builder.AddInput("input", {options.batch, kInputChannels, kInputExtent, kInputExtent});

  const auto [bias4, hswish] = AddTrunk(parts);
  const std::string features = AddMiddle(parts, bias4, hswish);
  AddHeads(parts, features, options.batch);
  builder.AddOutput("logits", {options.batch, kClasses});
  builder.AddOutput("probabilities", {options.batch, 2 * kChannels});

  // Reverse the node list so that every node comes before its producers in the file.
  onnx::ModelProto model = builder.Build();
  auto* nodes = model.mutable_graph()->mutable_node();
  std::reverse(nodes->begin(), nodes->end());
  return model;
}

}  // namespace soma::model_builder
