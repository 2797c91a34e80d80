// quantization_ops_test.cc: hand-checked cases for QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear and the integer and quantized MatMul and Conv operators.
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
using ::soma::onnx_ops::testing::SetInt;
using ::soma::onnx_ops::testing::Tensor;
using ::soma::onnx_ops::testing::Vector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int32_t kInt8 = onnx::TensorProto::INT8;
constexpr int32_t kUint8 = onnx::TensorProto::UINT8;
constexpr int32_t kInt32 = onnx::TensorProto::INT32;
constexpr int32_t kInt4 = 22;

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturates) {
  // QuantizeLinear rounds x / scale half to even, adds the zero point and saturates.
  const HostTensor x = Vector({1.0, 3.0, 5.0, 1000.0, -1000.0});
  const HostTensor scale = Scalar(2.0);
  const HostTensor zero_point = Scalar(10, kUint8);
  const HostTensor y = RunOne(Node("QuantizeLinear", 3), 13, {&x, &scale, &zero_point});
  EXPECT_EQ(y.elem_type, kUint8);
  EXPECT_THAT(y.values, ElementsAre(10, 12, 12, 255, 0));
}

TEST(QuantizeLinear, DefaultsToUint8WithoutZeroPoint) {
  // Without a zero point the output is UINT8 with zero point 0.
  const HostTensor x = Vector({-1.0, 7.0});
  const HostTensor scale = Scalar(1.0);
  const HostTensor y = RunOne(Node("QuantizeLinear", 2), 10, {&x, &scale});
  EXPECT_EQ(y.elem_type, kUint8);
  EXPECT_THAT(y.values, ElementsAre(0, 7));
}

TEST(QuantizeLinear, PerAxisScale) {
  // From opset 13 on, a 1-D scale applies along `axis` (default 1).
  const HostTensor x = Tensor({2, 2}, {2.0, 2.0, 4.0, 4.0});
  const HostTensor scale = Vector({1.0, 2.0});
  const HostTensor zero_point = Vector({0, 0}, kInt8);
  EXPECT_THAT(RunOne(Node("QuantizeLinear", 3), 13, {&x, &scale, &zero_point}).values,
              ElementsAre(2, 1, 4, 2));
}

TEST(QuantizeLinear, PerAxisRejectedBeforeOpset13) {
  // Opset 10 allows only a per-tensor scale.
  const HostTensor x = Tensor({2, 2}, {2.0, 2.0, 4.0, 4.0});
  const HostTensor scale = Vector({1.0, 2.0});
  const auto result = RunNode(Node("QuantizeLinear", 2), 10, {&x, &scale});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'QuantizeLinear'): the scale has shape [2] but opsets "
                        "before 13 allow only a per-tensor scale"));
}

TEST(QuantizeLinear, BlockedInt4) {
  // Opset 21 blocks: each scale covers block_size elements along the axis; INT4 saturates.
  const HostTensor x = Tensor({1, 4}, {1.0, 2.0, 30.0, 40.0});
  const HostTensor scale = Tensor({1, 2}, {1.0, 10.0});
  const HostTensor zero_point = Tensor({1, 2}, {0, 0}, kInt4);
  onnx::NodeProto node = Node("QuantizeLinear", 3);
  SetInt(node, "block_size", 2);
  const HostTensor y = RunOne(node, 21, {&x, &scale, &zero_point});
  EXPECT_EQ(y.elem_type, kInt4);
  EXPECT_THAT(y.values, ElementsAre(1, 2, 3, 4));
  const HostTensor big = Tensor({1, 4}, {100.0, -100.0, 0.0, 0.0});
  EXPECT_THAT(RunOne(node, 21, {&big, &scale, &zero_point}).values, ElementsAre(7, -8, 0, 0));
}

TEST(DequantizeLinear, PerTensorAndPerAxis) {
  // DequantizeLinear computes (x - zero_point) * scale in the scale's type.
  const HostTensor x = Tensor({2, 2}, {10, 20, 30, 40}, kUint8);
  const HostTensor scale = Scalar(0.5);
  const HostTensor zero_point = Scalar(10, kUint8);
  const HostTensor y = RunOne(Node("DequantizeLinear", 3), 13, {&x, &scale, &zero_point});
  EXPECT_EQ(y.elem_type, onnx::TensorProto::FLOAT);
  EXPECT_THAT(y.values, ElementsAre(0, 5, 10, 15));
  const HostTensor axis_scale = Vector({1.0, 2.0});
  onnx::NodeProto node = Node("DequantizeLinear", 2);
  SetInt(node, "axis", 0);
  EXPECT_THAT(RunOne(node, 13, {&x, &axis_scale}).values, ElementsAre(10, 20, 60, 80));
}

TEST(DynamicQuantizeLinear, ComputesScaleAndZeroPoint) {
  // The range [-1, 1.55] (with 0) maps to scale 0.01 and zero point 100.
  const HostTensor x = Vector({-1.0, 0.0, 1.55});
  const std::vector<HostTensor> outputs = RunAll(Node("DynamicQuantizeLinear", 1, 3), 11, {&x});
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_FLOAT_EQ(outputs[1].values[0], 0.01f);
  EXPECT_EQ(outputs[2].values[0], 100.0);
  EXPECT_THAT(outputs[0].values, ElementsAre(0, 100, 255));
}

TEST(MatMulInteger, SubtractsZeroPoints) {
  // MatMulInteger subtracts both zero points and returns INT32.
  const HostTensor a = Tensor({1, 2}, {3, 4}, kUint8);
  const HostTensor b = Tensor({2, 1}, {5, 6}, kUint8);
  const HostTensor a_zero = Scalar(1, kUint8);
  const HostTensor b_zero = Scalar(2, kUint8);
  const HostTensor y = RunOne(Node("MatMulInteger", 4), 10, {&a, &b, &a_zero, &b_zero});
  EXPECT_EQ(y.elem_type, kInt32);
  EXPECT_THAT(y.values, ElementsAre(2 * 3 + 3 * 4));
}

TEST(QLinearMatMul, RequantizesProduct) {
  // QLinearMatMul dequantizes, multiplies and requantizes to y's zero point type.
  const HostTensor a = Tensor({1, 2}, {2, 4}, kUint8);
  const HostTensor b = Tensor({2, 1}, {1, 3}, kUint8);
  const HostTensor scale = Scalar(1.0);
  const HostTensor zero = Scalar(0, kUint8);
  const HostTensor y_scale = Scalar(2.0);
  const HostTensor y_zero = Scalar(1, kUint8);
  const HostTensor y = RunOne(Node("QLinearMatMul", 8), 10,
                              {&a, &scale, &zero, &b, &scale, &zero, &y_scale, &y_zero});
  // (2 * 1 + 4 * 3) / 2 + 1 = 8.
  EXPECT_THAT(y.values, ElementsAre(8));
}

TEST(ConvInteger, OneByOneKernel) {
  // ConvInteger with a 1x1 kernel scales each input element by the shifted weight.
  const HostTensor x = Tensor({1, 1, 2, 2}, {1, 2, 3, 4}, kUint8);
  const HostTensor w = Tensor({1, 1, 1, 1}, {3}, kUint8);
  const HostTensor x_zero = Scalar(1, kUint8);
  const HostTensor w_zero = Scalar(1, kUint8);
  const HostTensor y = RunOne(Node("ConvInteger", 4), 10, {&x, &w, &x_zero, &w_zero});
  EXPECT_EQ(y.elem_type, kInt32);
  EXPECT_EQ(y.dims, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_THAT(y.values, ElementsAre(0, 2, 4, 6));
}

TEST(QLinearConv, SumsKernelAndAddsBias) {
  // QLinearConv with a 2x2 kernel over a 2x2 input gives one requantized sum plus bias.
  const HostTensor x = Tensor({1, 1, 2, 2}, {1, 2, 3, 4}, kUint8);
  const HostTensor w = Tensor({1, 1, 2, 2}, {1, 1, 1, 1}, kUint8);
  const HostTensor one = Scalar(1.0);
  const HostTensor zero = Scalar(0, kUint8);
  const HostTensor bias = Vector({2}, kInt32);
  const HostTensor y =
      RunOne(Node("QLinearConv", 9), 10, {&x, &one, &zero, &w, &one, &zero, &one, &zero, &bias});
  EXPECT_EQ(y.dims, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_THAT(y.values, ElementsAre(12));
}

}  // namespace
}  // namespace soma::onnx_ops
