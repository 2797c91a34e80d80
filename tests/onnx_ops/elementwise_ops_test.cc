// elementwise_ops_test.cc: hand-checked cases for the unary, binary, variadic and conversion
// operators of the reference interpreter.
#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node_test_helpers.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops {
namespace {

using ::soma::onnx_ops::testing::Node;
using ::soma::onnx_ops::testing::RunAll;
using ::soma::onnx_ops::testing::RunOne;
using ::soma::onnx_ops::testing::Scalar;
using ::soma::onnx_ops::testing::SetFloat;
using ::soma::onnx_ops::testing::SetInt;
using ::soma::onnx_ops::testing::SetString;
using ::soma::onnx_ops::testing::Tensor;
using ::soma::onnx_ops::testing::Vector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr int32_t kInt8 = onnx::TensorProto::INT8;
constexpr int32_t kUint8 = onnx::TensorProto::UINT8;
constexpr int32_t kInt32 = onnx::TensorProto::INT32;
constexpr int32_t kInt64 = onnx::TensorProto::INT64;
constexpr int32_t kBool = onnx::TensorProto::BOOL;
constexpr int32_t kFloat16 = onnx::TensorProto::FLOAT16;

TEST(ElementwiseUnary, ReluAndNegKeepShapeAndType) {
  // Unary operators map each element and keep dims and element type.
  const HostTensor x = Tensor({2, 2}, {-1.5, 0.0, 2.0, -0.25});
  const HostTensor relu = RunOne(Node("Relu", 1), 14, {&x});
  EXPECT_EQ(relu.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(relu.elem_type, kFloat);
  EXPECT_THAT(relu.values, ElementsAre(0.0, 0.0, 2.0, 0.0));
  EXPECT_THAT(RunOne(Node("Neg", 1), 13, {&x}).values, ElementsAre(1.5, 0.0, -2.0, 0.25));
}

TEST(ElementwiseUnary, FloatResultsRoundToFloat) {
  // A FLOAT result is the float nearest to the exact value.
  const HostTensor x = Vector({2.0});
  EXPECT_EQ(RunOne(Node("Sqrt", 1), 13, {&x}).values[0],
            static_cast<double>(static_cast<float>(std::sqrt(2.0))));
}

TEST(ElementwiseUnary, RoundUsesHalfToEven) {
  // Round maps halves to the nearest even integer.
  const HostTensor x = Vector({0.5, 1.5, 2.5, -0.5, -1.5, 2.4});
  EXPECT_THAT(RunOne(Node("Round", 1), 11, {&x}).values,
              ElementsAre(0.0, 2.0, 2.0, -0.0, -2.0, 2.0));
}

TEST(ElementwiseUnary, ActivationsUseAttributes) {
  // LeakyRelu, Elu, HardSigmoid and ThresholdedRelu read their alpha and beta attributes.
  const HostTensor x = Vector({-2.0, 0.5, 3.0});
  onnx::NodeProto leaky = Node("LeakyRelu", 1);
  SetFloat(leaky, "alpha", 0.5f);
  EXPECT_THAT(RunOne(leaky, 16, {&x}).values, ElementsAre(-1.0, 0.5, 3.0));
  onnx::NodeProto hard_sigmoid = Node("HardSigmoid", 1);
  SetFloat(hard_sigmoid, "alpha", 0.25f);
  SetFloat(hard_sigmoid, "beta", 0.5f);
  EXPECT_THAT(RunOne(hard_sigmoid, 6, {&x}).values, ElementsAre(0.0, 0.625, 1.0));
  onnx::NodeProto thresholded = Node("ThresholdedRelu", 1);
  SetFloat(thresholded, "alpha", 1.0f);
  EXPECT_THAT(RunOne(thresholded, 10, {&x}).values, ElementsAre(0.0, 0.0, 3.0));
  const HostTensor elu = RunOne(Node("Elu", 1), 6, {&x});
  EXPECT_FLOAT_EQ(elu.values[0], std::expm1(-2.0));
}

TEST(ElementwiseUnary, GeluBothApproximations) {
  // Gelu computes the exact erf form and the tanh approximation.
  const HostTensor x = Vector({1.0});
  EXPECT_FLOAT_EQ(RunOne(Node("Gelu", 1), 20, {&x}).values[0],
                  0.5 * (1.0 + std::erf(1.0 / std::sqrt(2.0))));
  onnx::NodeProto tanh_form = Node("Gelu", 1);
  SetString(tanh_form, "approximate", "tanh");
  const double expected = 0.5 * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (1.0 + 0.044715)));
  EXPECT_FLOAT_EQ(RunOne(tanh_form, 20, {&x}).values[0], expected);
}

TEST(ElementwiseUnary, GeluRejectsUnknownApproximation) {
  // An unknown approximate mode is Unimplemented and names node, attribute and value.
  const HostTensor x = Vector({1.0});
  onnx::NodeProto node = Node("Gelu", 1);
  SetString(node, "approximate", "fast");
  const auto result = RunNode(node, 20, {&x});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'Gelu'): attribute 'approximate' = 'fast' is not supported"));
}

TEST(ElementwiseUnary, PredicatesReturnBool) {
  // IsNaN, IsInf and Not return BOOL tensors; IsInf honours detect_negative.
  const double inf = std::numeric_limits<double>::infinity();
  const HostTensor x = Vector({std::nan(""), inf, -inf, 1.0});
  const HostTensor is_nan = RunOne(Node("IsNaN", 1), 13, {&x});
  EXPECT_EQ(is_nan.elem_type, kBool);
  EXPECT_THAT(is_nan.values, ElementsAre(1.0, 0.0, 0.0, 0.0));
  onnx::NodeProto is_inf = Node("IsInf", 1);
  SetInt(is_inf, "detect_negative", 0);
  EXPECT_THAT(RunOne(is_inf, 10, {&x}).values, ElementsAre(0.0, 1.0, 0.0, 0.0));
  const HostTensor flags = Vector({0.0, 1.0}, kBool);
  EXPECT_THAT(RunOne(Node("Not", 1), 1, {&flags}).values, ElementsAre(1.0, 0.0));
}

TEST(ElementwiseUnary, PReluBroadcastsSlope) {
  // PRelu multiplies negative elements by a slope broadcast per channel.
  const HostTensor x = Tensor({1, 2, 2}, {-1.0, 1.0, -2.0, 2.0});
  const HostTensor slope = Tensor({2, 1}, {0.5, 0.25});
  EXPECT_THAT(RunOne(Node("PRelu", 2), 16, {&x, &slope}).values, ElementsAre(-0.5, 1.0, -0.5, 2.0));
}

TEST(ElementwiseBinary, AddBroadcastsBothWays) {
  // Add broadcasts a column against a row.
  const HostTensor a = Tensor({2, 1}, {1.0, 2.0});
  const HostTensor b = Tensor({3}, {10.0, 20.0, 30.0});
  const HostTensor sum = RunOne(Node("Add", 2), 14, {&a, &b});
  EXPECT_EQ(sum.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(sum.values, ElementsAre(11.0, 21.0, 31.0, 12.0, 22.0, 32.0));
}

TEST(ElementwiseBinary, IncompatibleShapesNameBoth) {
  // Shapes that do not broadcast give InvalidArgument with both shapes.
  const HostTensor a = Tensor({2, 3}, std::vector<double>(6, 1.0));
  const HostTensor b = Tensor({4}, std::vector<double>(4, 1.0));
  const auto result = RunNode(Node("Mul", 2), 14, {&a, &b});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'Mul'): shapes [2,3] and [4] cannot be broadcast"));
}

TEST(ElementwiseBinary, LegacyBroadcastUsesAxis) {
  // Before opset 7, broadcast=1 with axis=0 aligns B with A's leading dims.
  const HostTensor a = Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const HostTensor b = Vector({10.0, 20.0});
  onnx::NodeProto node = Node("Add", 2);
  SetInt(node, "broadcast", 1);
  SetInt(node, "axis", 0);
  EXPECT_THAT(RunOne(node, 6, {&a, &b}).values, ElementsAre(11, 12, 13, 24, 25, 26));
}

TEST(ElementwiseBinary, LegacyWithoutBroadcastRejectsShapes) {
  // Before opset 7, differing shapes without broadcast=1 are rejected.
  const HostTensor a = Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const HostTensor b = Vector({1.0, 2.0, 3.0});
  const auto result = RunNode(Node("Sub", 2), 6, {&a, &b});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("attribute 'broadcast' is 0"));
}

TEST(ElementwiseBinary, IntegerDivTruncatesTowardZero) {
  // Integer Div truncates toward zero like C; division by zero is rejected.
  const HostTensor a = Vector({7, -7, 7, -7}, kInt32);
  const HostTensor b = Vector({2, 2, -2, -2}, kInt32);
  const HostTensor quotient = RunOne(Node("Div", 2), 14, {&a, &b});
  EXPECT_EQ(quotient.elem_type, kInt32);
  EXPECT_THAT(quotient.values, ElementsAre(3, -3, -3, 3));
  const HostTensor zero = Vector({0, 1, 1, 1}, kInt32);
  const auto result = RunNode(Node("Div", 2), 14, {&a, &zero});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'Div'): integer division by zero"));
}

TEST(ElementwiseBinary, IntegerAddWraps) {
  // INT8 arithmetic wraps modulo 256.
  const HostTensor a = Vector({127, -128}, kInt8);
  const HostTensor b = Vector({1, -1}, kInt8);
  EXPECT_THAT(RunOne(Node("Add", 2), 14, {&a, &b}).values, ElementsAre(-128, 127));
}

TEST(ElementwiseBinary, ModFollowsFmodAttribute) {
  // Mod with fmod=0 takes the divisor's sign; fmod=1 takes the dividend's.
  const HostTensor a = Vector({-4, 7, 5}, kInt64);
  const HostTensor b = Vector({3, -3, 3}, kInt64);
  EXPECT_THAT(RunOne(Node("Mod", 2), 13, {&a, &b}).values, ElementsAre(2, -2, 2));
  const HostTensor fa = Vector({-4.0, 7.0});
  const HostTensor fb = Vector({3.0, -3.0});
  onnx::NodeProto fmod = Node("Mod", 2);
  SetInt(fmod, "fmod", 1);
  EXPECT_THAT(RunOne(fmod, 13, {&fa, &fb}).values, ElementsAre(-1.0, 1.0));
}

TEST(ElementwiseBinary, PowKeepsBaseType) {
  // Pow returns the base's type even with a float exponent.
  const HostTensor base = Vector({2, 3}, kInt64);
  const HostTensor exponent = Vector({3.0, 2.0});
  const HostTensor power = RunOne(Node("Pow", 2), 15, {&base, &exponent});
  EXPECT_EQ(power.elem_type, kInt64);
  EXPECT_THAT(power.values, ElementsAre(8, 9));
}

TEST(ElementwiseBinary, BitShiftBothDirections) {
  // BitShift LEFT wraps to the element width; RIGHT shifts in zeros.
  const HostTensor x = Vector({16, 255}, kUint8);
  const HostTensor shift = Vector({2, 1}, kUint8);
  onnx::NodeProto left = Node("BitShift", 2);
  SetString(left, "direction", "LEFT");
  EXPECT_THAT(RunOne(left, 11, {&x, &shift}).values, ElementsAre(64, 254));
  onnx::NodeProto right = Node("BitShift", 2);
  SetString(right, "direction", "RIGHT");
  EXPECT_THAT(RunOne(right, 11, {&x, &shift}).values, ElementsAre(4, 127));
}

TEST(ElementwiseBinary, ComparisonsAndLogicReturnBool) {
  // Comparison and logic operators return BOOL.
  const HostTensor a = Vector({1.0, 2.0, 3.0});
  const HostTensor b = Scalar(2.0);
  const HostTensor greater = RunOne(Node("Greater", 2), 13, {&a, &b});
  EXPECT_EQ(greater.elem_type, kBool);
  EXPECT_THAT(greater.values, ElementsAre(0, 0, 1));
  EXPECT_THAT(RunOne(Node("LessOrEqual", 2), 16, {&a, &b}).values, ElementsAre(1, 1, 0));
  const HostTensor p = Vector({0, 1, 1}, kBool);
  const HostTensor q = Vector({1, 1, 0}, kBool);
  EXPECT_THAT(RunOne(Node("Xor", 2), 7, {&p, &q}).values, ElementsAre(1, 0, 1));
}

TEST(ElementwiseVariadic, MaxSumMeanBroadcast) {
  // Max, Sum and Mean fold any number of broadcast inputs.
  const HostTensor a = Vector({1.0, 5.0});
  const HostTensor b = Scalar(3.0);
  const HostTensor c = Tensor({2, 1}, {0.0, 10.0});
  EXPECT_THAT(RunOne(Node("Max", 3), 13, {&a, &b, &c}).values, ElementsAre(3, 5, 10, 10));
  EXPECT_THAT(RunOne(Node("Sum", 3), 13, {&a, &b, &c}).values, ElementsAre(4, 8, 14, 18));
  EXPECT_THAT(RunOne(Node("Mean", 2), 13, {&a, &b}).values, ElementsAre(2, 4));
}

TEST(ElementwiseSelect, WhereBroadcastsThreeInputs) {
  // Where picks X where the condition is true and Y elsewhere.
  const HostTensor condition = Vector({1, 0}, kBool);
  const HostTensor x = Tensor({2, 1}, {1.0, 2.0});
  const HostTensor y = Scalar(-1.0);
  const HostTensor out = RunOne(Node("Where", 3), 16, {&condition, &x, &y});
  EXPECT_EQ(out.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(out.values, ElementsAre(1, -1, 2, -1));
}

TEST(ElementwiseCast, FloatToIntegerTruncatesAndWraps) {
  // Cast truncates toward zero and wraps to the target width.
  const HostTensor x = Vector({2.7, -2.7, 300.0});
  onnx::NodeProto node = Node("Cast", 1);
  SetInt(node, "to", kUint8);
  const HostTensor out = RunOne(node, 13, {&x});
  EXPECT_EQ(out.elem_type, kUint8);
  EXPECT_THAT(out.values, ElementsAre(2, 254, 44));
}

TEST(ElementwiseCast, ToFloat16Rounds) {
  // Cast to FLOAT16 rounds to half precision and overflows to infinity.
  const HostTensor x = Vector({1.0 + 1.0 / 4096.0, 70000.0});
  onnx::NodeProto node = Node("Cast", 1);
  SetInt(node, "to", kFloat16);
  const HostTensor out = RunOne(node, 13, {&x});
  EXPECT_EQ(out.values[0], 1.0);
  EXPECT_TRUE(std::isinf(out.values[1]));
}

TEST(ElementwiseCast, CastLikeTakesTargetType) {
  // CastLike converts to the element type of its second input.
  const HostTensor x = Vector({1.5, 0.0});
  const HostTensor like = Vector({1}, kBool);
  const HostTensor out = RunOne(Node("CastLike", 2), 15, {&x, &like});
  EXPECT_EQ(out.elem_type, kBool);
  EXPECT_THAT(out.values, ElementsAre(1, 0));
}

TEST(ElementwiseCast, CastToStringIsUnimplemented) {
  // Casting to STRING is Unimplemented and names the attribute.
  const HostTensor x = Vector({1.0});
  onnx::NodeProto node = Node("Cast", 1);
  SetInt(node, "to", onnx::TensorProto::STRING);
  const auto result = RunNode(node, 13, {&x});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'Cast'): attribute 'to' = STRING is not supported"));
}

TEST(ElementwiseClip, AttributeFormBeforeOpset11) {
  // Clip reads min and max from attributes before opset 11.
  const HostTensor x = Vector({-5.0, 0.5, 5.0});
  onnx::NodeProto node = Node("Clip", 1);
  SetFloat(node, "min", -1.0f);
  SetFloat(node, "max", 1.0f);
  EXPECT_THAT(RunOne(node, 6, {&x}).values, ElementsAre(-1.0, 0.5, 1.0));
}

TEST(ElementwiseClip, InputFormWithAbsentMin) {
  // From opset 11 on, min and max are optional inputs.
  const HostTensor x = Vector({-5.0, 0.5, 5.0});
  const HostTensor upper = Scalar(1.0);
  EXPECT_THAT(RunOne(Node("Clip", 3), 13, {&x, nullptr, &upper}).values,
              ElementsAre(-5.0, 0.5, 1.0));
}

TEST(ElementwiseDropout, InferenceIsIdentityWithTrueMask) {
  // Dropout at inference returns its input and an all-true BOOL mask.
  const HostTensor x = Vector({1.0, 2.0});
  const std::vector<HostTensor> outputs = RunAll(Node("Dropout", 1, 2), 13, {&x});
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_THAT(outputs[0].values, ElementsAre(1.0, 2.0));
  EXPECT_EQ(outputs[1].elem_type, kBool);
  EXPECT_THAT(outputs[1].values, ElementsAre(1, 1));
}

TEST(ElementwiseDropout, TrainingModeIsUnimplemented) {
  // Dropout with training_mode true cannot reproduce the random mask.
  const HostTensor x = Vector({1.0, 2.0});
  const HostTensor ratio = Scalar(0.5);
  const HostTensor training = Scalar(1, kBool);
  const auto result = RunNode(Node("Dropout", 3), 13, {&x, &ratio, &training});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'Dropout'): input 'training_mode' is true"));
}

}  // namespace
}  // namespace soma::onnx_ops
