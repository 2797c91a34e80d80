// contrib_ops_test.cc: com.microsoft contrib operators and the experimental operators of
// ONNX 1.0 to 1.2, against hand-derived values and their decomposed ONNX definitions.
#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int32_t kFloatType = 1;
constexpr int32_t kInt32Type = 6;

HostTensor Float(std::vector<int64_t> dims, std::vector<double> values) {
  return HostTensor{kFloatType, std::move(dims), std::move(values)};
}

HostTensor Int32(std::vector<int64_t> dims, std::vector<double> values) {
  return HostTensor{kInt32Type, std::move(dims), std::move(values)};
}

onnx::NodeProto ContribNode(const std::string& op_type, int input_count, int output_count,
                            const std::string& domain = "com.microsoft") {
  onnx::NodeProto node;
  node.set_name("n");
  node.set_op_type(op_type);
  node.set_domain(domain);
  for (int i = 0; i < input_count; ++i) node.add_input("in" + std::to_string(i));
  for (int i = 0; i < output_count; ++i) node.add_output("out" + std::to_string(i));
  return node;
}

void SetInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void SetFloat(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::FLOAT);
  attribute->set_f(value);
}

void SetInts(onnx::NodeProto& node, const std::string& name, std::vector<int64_t> values) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (const int64_t value : values) attribute->add_ints(value);
}

absl::StatusOr<std::vector<HostTensor>> Try(const onnx::NodeProto& node,
                                            const std::vector<const HostTensor*>& inputs) {
  return RunNode(node, 1, inputs);
}

std::vector<HostTensor> RunOk(const onnx::NodeProto& node,
                            const std::vector<const HostTensor*>& inputs) {
  absl::StatusOr<std::vector<HostTensor>> outputs = Try(node, inputs);
  EXPECT_TRUE(outputs.ok()) << outputs.status();
  return outputs.ok() ? *outputs : std::vector<HostTensor>();
}

// ---- Attention ----

// Weights [2, 6] = [I | I | I], so Q = K = V = input.
const HostTensor& IdentityQkvWeights() {
  static const HostTensor weights =
      Float({2, 6}, {1, 0, 1, 0, 1, 0,
                     0, 1, 0, 1, 0, 1});
  return weights;
}

onnx::NodeProto AttentionNode(int input_count, int output_count) {
  onnx::NodeProto node = ContribNode("Attention", input_count, output_count);
  SetInt(node, "num_heads", 1);
  return node;
}

// softmax([1/sqrt(2), 0]): the weights of a query on the matching and the other key.
double MatchWeight() { return 1.0 / (1.0 + std::exp(-1.0 / std::sqrt(2.0))); }

TEST(AttentionTest, ScaledDotProductOverAllKeys) {
  // Orthogonal tokens: each attends its own key with weight sigmoid(1/sqrt(head_size)).
  const HostTensor input = Float({1, 2, 2}, {1, 0, 0, 1});
  const std::vector<HostTensor> outputs = RunOk(AttentionNode(2, 1), {&input, &IdentityQkvWeights()});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{1, 2, 2}));
  const double p = MatchWeight();
  EXPECT_NEAR(outputs[0].values[0], p, 1e-6);
  EXPECT_NEAR(outputs[0].values[1], 1 - p, 1e-6);
  EXPECT_NEAR(outputs[0].values[2], 1 - p, 1e-6);
  EXPECT_NEAR(outputs[0].values[3], p, 1e-6);
}

TEST(AttentionTest, UnidirectionalHidesLaterKeys) {
  // The first query attends only to the first key, and the second to both.
  onnx::NodeProto node = AttentionNode(2, 1);
  SetInt(node, "unidirectional", 1);
  const HostTensor input = Float({1, 2, 2}, {1, 0, 0, 1});
  const std::vector<HostTensor> outputs = RunOk(node, {&input, &IdentityQkvWeights()});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_NEAR(outputs[0].values[0], 1.0, 1e-6);
  EXPECT_NEAR(outputs[0].values[1], 0.0, 1e-6);
  EXPECT_NEAR(outputs[0].values[2], 1 - MatchWeight(), 1e-6);
}

TEST(AttentionTest, MaskIndexFormsHideTheSecondKey) {
  // [B] end positions, [B, T] raw masks and [B, S, T] raw masks all mask key 1 here.
  const HostTensor input = Float({1, 2, 2}, {1, 0, 0, 1});
  const HostTensor bias = Float({6}, {0, 0, 0, 0, 0, 0});
  const std::vector<HostTensor> masks = {Int32({1}, {1}), Int32({1, 2}, {1, 0}),
                                         Int32({1, 2, 2}, {1, 0, 1, 0})};
  for (const HostTensor& mask : masks) {
    const std::vector<HostTensor> outputs =
        RunOk(AttentionNode(4, 1), {&input, &IdentityQkvWeights(), &bias, &mask});
    ASSERT_EQ(outputs.size(), 1u);
    for (int row = 0; row < 2; ++row) {
      EXPECT_NEAR(outputs[0].values[row * 2], 1.0, 1e-6) << "mask rank " << mask.dims.size();
      EXPECT_NEAR(outputs[0].values[row * 2 + 1], 0.0, 1e-6)
          << "mask rank " << mask.dims.size();
    }
  }
}

TEST(AttentionTest, PastStateIsPrependedToPresent) {
  // Past key [0, 0] and value [2, 2] come before the current token's key and value.
  const HostTensor input = Float({1, 1, 2}, {1, 0});
  const HostTensor past = Float({2, 1, 1, 1, 2}, {0, 0, 2, 2});
  const std::vector<HostTensor> outputs =
      RunOk(AttentionNode(5, 2), {&input, &IdentityQkvWeights(), nullptr, nullptr, &past});
  ASSERT_EQ(outputs.size(), 2u);
  const double p = MatchWeight();
  EXPECT_NEAR(outputs[0].values[0], (1 - p) * 2 + p * 1, 1e-6);
  EXPECT_NEAR(outputs[0].values[1], (1 - p) * 2, 1e-6);
  EXPECT_EQ(outputs[1].dims, (std::vector<int64_t>{2, 1, 1, 2, 2}));
  EXPECT_THAT(outputs[1].values, ElementsAre(0, 0, 1, 0, 2, 2, 1, 0));
}

TEST(AttentionTest, RotaryIsUnimplemented) {
  // do_rotary is rejected with the node and attribute named.
  onnx::NodeProto node = AttentionNode(2, 1);
  SetInt(node, "do_rotary", 1);
  const HostTensor input = Float({1, 2, 2}, {1, 0, 0, 1});
  const absl::StatusOr<std::vector<HostTensor>> outputs =
      Try(node, {&input, &IdentityQkvWeights()});
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("node 'n' (op 'Attention'): attribute 'do_rotary' = 1"));
}

TEST(AttentionTest, FourDimensionalMaskIsUnimplemented) {
  // The Megatron mask form [B, 1, max_sequence, max_sequence] is not implemented.
  const HostTensor input = Float({1, 2, 2}, {1, 0, 0, 1});
  const HostTensor mask = Int32({1, 1, 2, 2}, {1, 1, 1, 1});
  const absl::StatusOr<std::vector<HostTensor>> outputs =
      Try(AttentionNode(4, 1), {&input, &IdentityQkvWeights(), nullptr, &mask});
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("input mask_index with dims [1,1,2,2] is not supported"));
}

// ---- Normalisation ----

TEST(SkipLayerNormalizationTest, NormalizesInputPlusSkipPlusBias) {
  // LayerNorm(input + skip + bias) * gamma + beta, with every optional output.
  onnx::NodeProto node = ContribNode("SkipLayerNormalization", 5, 4);
  SetFloat(node, "epsilon", 1e-5f);
  const HostTensor input = Float({1, 1, 4}, {1, 2, 3, 4});
  const HostTensor skip = Float({1, 1, 4}, {0.5, 0.5, 0.5, 0.5});
  const HostTensor gamma = Float({4}, {1, 2, 1, 2});
  const HostTensor beta = Float({4}, {0, 0, 1, 1});
  const HostTensor bias = Float({4}, {0.5, 0, 0, -0.5});
  const std::vector<HostTensor> outputs = RunOk(node, {&input, &skip, &gamma, &beta, &bias});
  ASSERT_EQ(outputs.size(), 4u);
  // Sum [2, 2.5, 3.5, 4]: mean 3, variance 0.625.
  const double inv_std = 1.0 / std::sqrt(0.625 + 1e-5);
  const std::vector<double> centered = {-1, -0.5, 0.5, 1};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(outputs[0].values[i], centered[i] * inv_std * gamma.values[i] + beta.values[i],
                1e-6);
  }
  EXPECT_EQ(outputs[1].dims, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_NEAR(outputs[1].values[0], 3.0, 1e-6);
  EXPECT_NEAR(outputs[2].values[0], inv_std, 1e-5);
  EXPECT_THAT(outputs[3].values, ElementsAre(2, 2.5, 3.5, 4));
}

TEST(SkipLayerNormalizationTest, SkipBroadcastsOverBatch) {
  // A skip of [S, H] is added to every batch entry.
  const onnx::NodeProto node = ContribNode("SkipLayerNormalization", 3, 1);
  const HostTensor input = Float({2, 1, 2}, {1, 2, 3, 5});
  const HostTensor skip = Float({1, 2}, {1, 0});
  const HostTensor gamma = Float({2}, {1, 1});
  const std::vector<HostTensor> outputs = RunOk(node, {&input, &skip, &gamma});
  ASSERT_EQ(outputs.size(), 1u);
  // Rows [2, 2] and [4, 5]: the first has zero variance, the second normalises to -1, 1.
  EXPECT_NEAR(outputs[0].values[0], 0.0, 1e-6);
  EXPECT_NEAR(outputs[0].values[2], -1.0, 1e-5);
  EXPECT_NEAR(outputs[0].values[3], 1.0, 1e-5);
}

TEST(SkipLayerNormalizationTest, GammaOfWrongSizeIsRejected) {
  // gamma must have one element per hidden unit.
  const onnx::NodeProto node = ContribNode("SkipLayerNormalization", 3, 1);
  const HostTensor input = Float({1, 1, 2}, {1, 2});
  const HostTensor gamma = Float({3}, {1, 1, 1});
  const absl::StatusOr<std::vector<HostTensor>> outputs = Try(node, {&input, &input, &gamma});
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("node 'n' (op 'SkipLayerNormalization'): input gamma must have 2"));
}

TEST(SimplifiedLayerNormalizationTest, DividesByRootMeanSquare) {
  // Y = X / sqrt(mean(X^2) + epsilon) * scale, without centering.
  onnx::NodeProto node = ContribNode("SimplifiedLayerNormalization", 2, 1, "");
  SetFloat(node, "epsilon", 0.0f);
  const HostTensor input = Float({1, 2}, {3, 4});
  const HostTensor scale = Float({2}, {1, 2});
  const std::vector<HostTensor> outputs = RunOk(node, {&input, &scale});
  ASSERT_EQ(outputs.size(), 1u);
  const double rms = std::sqrt(12.5);
  EXPECT_NEAR(outputs[0].values[0], 3 / rms, 1e-6);
  EXPECT_NEAR(outputs[0].values[1], 8 / rms, 1e-6);
}

// Word table rows [1, 0], [0, 3]; positions [0, 1], [1, 1]; segments [0, 0], [2, 0].
struct EmbedFixture {
  HostTensor input_ids = Int32({1, 2}, {1, 0});
  HostTensor segment_ids = Int32({1, 2}, {0, 1});
  HostTensor words = Float({2, 2}, {1, 0, 0, 3});
  HostTensor positions = Float({2, 2}, {0, 1, 1, 1});
  HostTensor segments = Float({2, 2}, {0, 0, 2, 0});
  HostTensor gamma = Float({2}, {1, 1});
  HostTensor beta = Float({2}, {0, 0});
  HostTensor mask = Int32({1, 2}, {1, 0});
};

TEST(EmbedLayerNormalizationTest, SumsThreeEmbeddingsThenNormalizes) {
  // Token sums are [0, 4] and [4, 1]; mask_index counts the ones of the mask.
  const EmbedFixture f;
  const std::vector<HostTensor> outputs =
      RunOk(ContribNode("EmbedLayerNormalization", 8, 3),
          {&f.input_ids, &f.segment_ids, &f.words, &f.positions, &f.segments, &f.gamma,
           &f.beta, &f.mask});
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_NEAR(outputs[0].values[0], -1.0, 1e-6);
  EXPECT_NEAR(outputs[0].values[1], 1.0, 1e-6);
  EXPECT_NEAR(outputs[0].values[2], 1.0, 1e-6);
  EXPECT_NEAR(outputs[0].values[3], -1.0, 1e-6);
  EXPECT_EQ(outputs[1].elem_type, kInt32Type);
  EXPECT_THAT(outputs[1].values, ElementsAre(1));
  EXPECT_THAT(outputs[2].values, ElementsAre(0, 4, 4, 1));
}

TEST(EmbedLayerNormalizationTest, PositionIdsSelectPositionRows) {
  // position_ids [1, 1] use the second position row for both tokens (GPT-2 form, no
  // segments).
  const EmbedFixture f;
  const HostTensor position_ids = Int32({1, 2}, {1, 1});
  const std::vector<HostTensor> outputs =
      RunOk(ContribNode("EmbedLayerNormalization", 9, 3),
          {&f.input_ids, nullptr, &f.words, &f.positions, nullptr, &f.gamma, &f.beta, nullptr,
           &position_ids});
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_THAT(outputs[2].values, ElementsAre(1, 4, 2, 1));
  EXPECT_THAT(outputs[1].values, ElementsAre(0));
}

TEST(EmbedLayerNormalizationTest, OutOfRangeIdIsRejected) {
  // A word id beyond the table names the table and its range.
  EmbedFixture f;
  f.input_ids.values = {5, 0};
  const absl::StatusOr<std::vector<HostTensor>> outputs =
      Try(ContribNode("EmbedLayerNormalization", 7, 1),
          {&f.input_ids, nullptr, &f.words, &f.positions, nullptr, &f.gamma, &f.beta});
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("index 5 into word_embedding is out of range [0, 2)"));
}

// ---- Activations and matrix products ----

TEST(GeluFamilyTest, TanhAndErfForms) {
  // GELU(1) is 0.841345 exactly and 0.841192 with the tanh approximation.
  const HostTensor half = Float({1}, {0.5});
  const HostTensor one = Float({1}, {1.0});
  const std::vector<HostTensor> fast = RunOk(ContribNode("FastGelu", 1, 1), {&one});
  const std::vector<HostTensor> fast_bias = RunOk(ContribNode("FastGelu", 2, 1), {&half, &half});
  const std::vector<HostTensor> bias_gelu = RunOk(ContribNode("BiasGelu", 2, 1), {&half, &half});
  const std::vector<HostTensor> gelu = RunOk(ContribNode("Gelu", 1, 1), {&one});
  ASSERT_EQ(fast.size(), 1u);
  ASSERT_EQ(fast_bias.size(), 1u);
  ASSERT_EQ(bias_gelu.size(), 1u);
  ASSERT_EQ(gelu.size(), 1u);
  EXPECT_NEAR(fast[0].values[0], 0.841192, 1e-6);
  EXPECT_NEAR(fast_bias[0].values[0], 0.841192, 1e-6);
  EXPECT_NEAR(bias_gelu[0].values[0], 0.841345, 1e-6);
  EXPECT_NEAR(gelu[0].values[0], 0.841345, 1e-6);
}

TEST(GeluFamilyTest, QuickGeluIsSigmoidScaled) {
  // x * sigmoid(alpha x) with alpha 1.702 by default.
  const HostTensor one = Float({1}, {1.0});
  const std::vector<HostTensor> outputs = RunOk(ContribNode("QuickGelu", 1, 1), {&one});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_NEAR(outputs[0].values[0], 1.0 / (1.0 + std::exp(-1.702)), 1e-6);
}

TEST(GeluFamilyTest, BiasOfWrongLengthIsRejected) {
  // The bias must broadcast to the input.
  const HostTensor input = Float({2, 3}, {0, 0, 0, 0, 0, 0});
  const HostTensor bias = Float({2}, {0, 0});
  const absl::StatusOr<std::vector<HostTensor>> outputs =
      Try(ContribNode("BiasGelu", 2, 1), {&input, &bias});
  EXPECT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outputs.status().message(), HasSubstr("node 'n' (op 'BiasGelu')"));
}

TEST(BiasAddTest, AddsBiasAndSkip) {
  // X + bias + skip with the bias broadcast over the channel axis.
  const HostTensor x = Float({1, 1, 2}, {1, 2});
  const HostTensor bias = Float({2}, {10, 20});
  const HostTensor skip = Float({1, 1, 2}, {100, 200});
  const std::vector<HostTensor> outputs = RunOk(ContribNode("BiasAdd", 3, 1), {&x, &bias, &skip});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_THAT(outputs[0].values, ElementsAre(111, 222));
}

TEST(FusedMatMulTest, TransposesAndScales) {
  // alpha * A B^T for A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]].
  onnx::NodeProto node = ContribNode("FusedMatMul", 2, 1);
  SetInt(node, "transB", 1);
  SetFloat(node, "alpha", 0.5f);
  const HostTensor a = Float({2, 2}, {1, 2, 3, 4});
  const HostTensor b = Float({2, 2}, {5, 6, 7, 8});
  const std::vector<HostTensor> outputs = RunOk(node, {&a, &b});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(outputs[0].values, ElementsAre(8.5, 11.5, 19.5, 26.5));
}

TEST(FusedMatMulTest, BroadcastsBatchAxes) {
  // A [2, 1, 2] against B [2, 1]: each batch entry is a dot product.
  const HostTensor a = Float({2, 1, 2}, {1, 2, 3, 4});
  const HostTensor b = Float({2, 1}, {10, 1});
  const std::vector<HostTensor> outputs = RunOk(ContribNode("FusedMatMul", 2, 1), {&a, &b});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_THAT(outputs[0].values, ElementsAre(12, 34));
}

// ---- Experimental operators of ONNX 1.0 to 1.2 ----

HostTensor Ramp4x4() {
  std::vector<double> values(16);
  for (int i = 0; i < 16; ++i) values[i] = i;
  return Float({1, 1, 4, 4}, values);
}

TEST(LegacyOpsTest, CropRemovesBorders) {
  // border (left, top, right, bottom) = 1 on every side keeps the centre 2x2.
  onnx::NodeProto node = ContribNode("Crop", 1, 1, "");
  SetInts(node, "border", {1, 1, 1, 1});
  const HostTensor input = Ramp4x4();
  const std::vector<HostTensor> outputs = RunOk(node, {&input});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_THAT(outputs[0].values, ElementsAre(5, 6, 9, 10));
}

TEST(LegacyOpsTest, CropWithScaleStartsAtLeftTop) {
  // scale (height 2, width 3) from left 1, top 0.
  onnx::NodeProto node = ContribNode("Crop", 1, 1, "");
  SetInts(node, "border", {1, 0, 0, 0});
  SetInts(node, "scale", {2, 3});
  const HostTensor input = Ramp4x4();
  const std::vector<HostTensor> outputs = RunOk(node, {&input});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_THAT(outputs[0].values, ElementsAre(1, 2, 3, 5, 6, 7));
}

TEST(LegacyOpsTest, CropBeyondInputIsRejected) {
  // A crop larger than the image names the rows and columns it asked for.
  onnx::NodeProto node = ContribNode("Crop", 1, 1, "");
  SetInts(node, "border", {0, 0, 0, 0});
  SetInts(node, "scale", {5, 5});
  const HostTensor input = Ramp4x4();
  const absl::StatusOr<std::vector<HostTensor>> outputs = Try(node, {&input});
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("crop rows [0, 5) and columns [0, 5) do not fit the input of 4x4"));
}

TEST(LegacyOpsTest, ImageScalerScalesThenAddsChannelBias) {
  // y = scale * x + bias[c].
  onnx::NodeProto node = ContribNode("ImageScaler", 1, 1, "");
  SetFloat(node, "scale", 2.0f);
  onnx::AttributeProto* bias = node.add_attribute();
  bias->set_name("bias");
  bias->set_type(onnx::AttributeProto::FLOATS);
  bias->add_floats(10.0f);
  bias->add_floats(20.0f);
  const HostTensor input = Float({1, 2, 1, 1}, {1, 2});
  const std::vector<HostTensor> outputs = RunOk(node, {&input});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_THAT(outputs[0].values, ElementsAre(12, 24));
}

TEST(LegacyOpsTest, AffineScaledTanhAndParametricSoftplus) {
  // alpha * x + beta, alpha * tanh(beta * x) and alpha * ln(1 + exp(beta * x)).
  const HostTensor input = Float({1}, {0.5});
  onnx::NodeProto affine = ContribNode("Affine", 1, 1, "");
  SetFloat(affine, "alpha", 150.0f);
  SetFloat(affine, "beta", 1.0f);
  onnx::NodeProto scaled_tanh = ContribNode("ScaledTanh", 1, 1, "");
  SetFloat(scaled_tanh, "alpha", 2.0f);
  SetFloat(scaled_tanh, "beta", 3.0f);
  onnx::NodeProto softplus = ContribNode("ParametricSoftplus", 1, 1, "");
  SetFloat(softplus, "alpha", 2.0f);
  SetFloat(softplus, "beta", 3.0f);
  const std::vector<HostTensor> affine_out = RunOk(affine, {&input});
  const std::vector<HostTensor> tanh_out = RunOk(scaled_tanh, {&input});
  const std::vector<HostTensor> softplus_out = RunOk(softplus, {&input});
  ASSERT_EQ(affine_out.size(), 1u);
  ASSERT_EQ(tanh_out.size(), 1u);
  ASSERT_EQ(softplus_out.size(), 1u);
  EXPECT_EQ(affine_out[0].values[0], 76.0);
  EXPECT_NEAR(tanh_out[0].values[0], 2.0 * std::tanh(1.5), 1e-6);
  EXPECT_NEAR(softplus_out[0].values[0], 2.0 * std::log1p(std::exp(1.5)), 1e-6);
}

}  // namespace
}  // namespace soma::onnx_ops
