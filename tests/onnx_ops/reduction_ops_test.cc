// reduction_ops_test.cc: hand-checked cases for the reductions, ArgMax/ArgMin, CumSum, the
// softmax family and the normalisations.
#include <cmath>
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
using ::soma::onnx_ops::testing::SetInts;
using ::soma::onnx_ops::testing::Tensor;
using ::soma::onnx_ops::testing::Vector;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointwise;

constexpr int32_t kInt64 = onnx::TensorProto::INT64;

// [[1, 2, 3], [4, 5, 6]]
HostTensor Matrix() { return Tensor({2, 3}, {1, 2, 3, 4, 5, 6}); }

TEST(Reduce, SumAxesAttributeBeforeOpset13) {
  // ReduceSum reads axes from the attribute before opset 13 and keeps dims by default.
  const HostTensor x = Matrix();
  onnx::NodeProto node = Node("ReduceSum", 1);
  SetInts(node, "axes", {1});
  const HostTensor out = RunOne(node, 11, {&x});
  EXPECT_EQ(out.dims, (std::vector<int64_t>{2, 1}));
  EXPECT_THAT(out.values, ElementsAre(6, 15));
}

TEST(Reduce, SumAxesInputFromOpset13) {
  // ReduceSum reads axes from input 1 from opset 13 on; keepdims=0 drops the axis.
  const HostTensor x = Matrix();
  const HostTensor axes = Vector({0}, kInt64);
  onnx::NodeProto node = Node("ReduceSum", 2);
  SetInt(node, "keepdims", 0);
  const HostTensor out = RunOne(node, 13, {&x, &axes});
  EXPECT_EQ(out.dims, (std::vector<int64_t>{3}));
  EXPECT_THAT(out.values, ElementsAre(5, 7, 9));
}

TEST(Reduce, NoAxesReducesAllUnlessNoop) {
  // Without axes every axis reduces; noop_with_empty_axes=1 returns the input instead.
  const HostTensor x = Matrix();
  const HostTensor all = RunOne(Node("ReduceMean", 1), 18, {&x});
  EXPECT_EQ(all.dims, (std::vector<int64_t>{1, 1}));
  EXPECT_THAT(all.values, ElementsAre(3.5));
  onnx::NodeProto noop = Node("ReduceMax", 1);
  SetInt(noop, "noop_with_empty_axes", 1);
  EXPECT_THAT(RunOne(noop, 18, {&x}).values, ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(Reduce, NormsAndLogForms) {
  // L1, L2, SumSquare, LogSum and LogSumExp over the last axis.
  const HostTensor x = Tensor({1, 2}, {3.0, -4.0});
  onnx::NodeProto l1 = Node("ReduceL1", 1);
  SetInts(l1, "axes", {1});
  EXPECT_THAT(RunOne(l1, 13, {&x}).values, ElementsAre(7.0));
  onnx::NodeProto l2 = Node("ReduceL2", 1);
  SetInts(l2, "axes", {1});
  EXPECT_THAT(RunOne(l2, 13, {&x}).values, ElementsAre(5.0));
  onnx::NodeProto square = Node("ReduceSumSquare", 1);
  SetInts(square, "axes", {-1});
  EXPECT_THAT(RunOne(square, 13, {&x}).values, ElementsAre(25.0));
  const HostTensor positive = Tensor({2}, {1.0, 2.0});
  EXPECT_FLOAT_EQ(RunOne(Node("ReduceLogSum", 1), 13, {&positive}).values[0], std::log(3.0));
  EXPECT_FLOAT_EQ(RunOne(Node("ReduceLogSumExp", 1), 13, {&positive}).values[0],
                  std::log(std::exp(1.0) + std::exp(2.0)));
}

TEST(Reduce, RepeatedAxisIsRejected) {
  // An axis listed twice is InvalidArgument naming the node.
  const HostTensor x = Matrix();
  onnx::NodeProto node = Node("ReduceProd", 1);
  SetInts(node, "axes", {1, -1});
  const auto result = RunNode(node, 13, {&x});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'ReduceProd'): axis -1 is given twice"));
}

TEST(ArgExtreme, SelectLastIndex) {
  // ArgMax returns the first maximum, or the last with select_last_index=1, as INT64.
  const HostTensor x = Tensor({2, 3}, {1, 3, 3, 7, 2, 7});
  onnx::NodeProto first = Node("ArgMax", 1);
  SetInt(first, "axis", 1);
  SetInt(first, "keepdims", 0);
  const HostTensor out = RunOne(first, 13, {&x});
  EXPECT_EQ(out.elem_type, kInt64);
  EXPECT_EQ(out.dims, (std::vector<int64_t>{2}));
  EXPECT_THAT(out.values, ElementsAre(1, 0));
  onnx::NodeProto last = Node("ArgMax", 1);
  SetInt(last, "axis", 1);
  SetInt(last, "select_last_index", 1);
  EXPECT_THAT(RunOne(last, 13, {&x}).values, ElementsAre(2, 2));
  EXPECT_THAT(RunOne(Node("ArgMin", 1), 13, {&x}).values, ElementsAre(0, 1, 0));
}

TEST(CumSum, ExclusiveAndReverse) {
  // CumSum supports the exclusive and reverse attributes.
  const HostTensor x = Vector({1, 2, 3});
  const HostTensor axis = Scalar(0, kInt64);
  EXPECT_THAT(RunOne(Node("CumSum", 2), 14, {&x, &axis}).values, ElementsAre(1, 3, 6));
  onnx::NodeProto node = Node("CumSum", 2);
  SetInt(node, "exclusive", 1);
  SetInt(node, "reverse", 1);
  EXPECT_THAT(RunOne(node, 14, {&x, &axis}).values, ElementsAre(5, 3, 0));
}

TEST(Softmax, SingleAxisFromOpset13) {
  // From opset 13 on, Softmax works along axis -1 by default.
  const HostTensor x = Tensor({2, 2}, {0.0, 0.0, 0.0, std::log(3.0)});
  const HostTensor out = RunOne(Node("Softmax", 1), 13, {&x});
  EXPECT_THAT(out.values, Pointwise(DoubleNear(1e-7), std::vector<double>{0.5, 0.5, 0.25, 0.75}));
}

TEST(Softmax, FlattensBeforeOpset13) {
  // Before opset 13, axis=1 flattens [1, 2, 2] to one row of 4 elements.
  const HostTensor x = Tensor({1, 2, 2}, {0.0, 0.0, 0.0, 0.0});
  const HostTensor out = RunOne(Node("Softmax", 1), 11, {&x});
  EXPECT_THAT(out.values, ElementsAre(0.25, 0.25, 0.25, 0.25));
  const HostTensor same = RunOne(Node("Softmax", 1), 13, {&x});
  EXPECT_THAT(same.values, ElementsAre(0.5, 0.5, 0.5, 0.5));
}

TEST(Softmax, LogSoftmaxAndHardmax) {
  // LogSoftmax is the log of Softmax; Hardmax marks the first maximum.
  const HostTensor x = Tensor({1, 3}, {1.0, 3.0, 3.0});
  const HostTensor log_softmax = RunOne(Node("LogSoftmax", 1), 13, {&x});
  const double log_sum = std::log(std::exp(1.0) + 2.0 * std::exp(3.0));
  EXPECT_FLOAT_EQ(log_softmax.values[0], 1.0 - log_sum);
  EXPECT_THAT(RunOne(Node("Hardmax", 1), 13, {&x}).values, ElementsAre(0, 1, 0));
}

TEST(Normalization, LayerNormalizationWithStatistics) {
  // LayerNormalization normalises the trailing axes and returns Mean and InvStdDev.
  const HostTensor x = Tensor({2, 2}, {1.0, 3.0, 0.0, 4.0});
  const HostTensor scale = Vector({1.0, 2.0});
  const HostTensor bias = Vector({0.0, 1.0});
  onnx::NodeProto node = Node("LayerNormalization", 3, 3);
  SetFloat(node, "epsilon", 0.0f);
  const std::vector<HostTensor> outputs = RunAll(node, 17, {&x, &scale, &bias});
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_THAT(outputs[0].values, ElementsAre(-1.0, 3.0, -1.0, 3.0));
  EXPECT_EQ(outputs[1].dims, (std::vector<int64_t>{2, 1}));
  EXPECT_THAT(outputs[1].values, ElementsAre(2.0, 2.0));
  EXPECT_THAT(outputs[2].values, ElementsAre(1.0, 0.5));
}

TEST(Normalization, BatchNormalizationInference) {
  // BatchNormalization applies the running statistics per channel.
  const HostTensor x = Tensor({1, 2, 1, 1}, {3.0, 10.0});
  const HostTensor scale = Vector({2.0, 1.0});
  const HostTensor bias = Vector({1.0, 0.0});
  const HostTensor mean = Vector({1.0, 10.0});
  const HostTensor var = Vector({4.0, 1.0});
  onnx::NodeProto node = Node("BatchNormalization", 5);
  SetFloat(node, "epsilon", 0.0f);
  EXPECT_THAT(RunOne(node, 15, {&x, &scale, &bias, &mean, &var}).values, ElementsAre(3.0, 0.0));
}

TEST(Normalization, InstanceAndGroupNormalization) {
  // InstanceNormalization normalises each channel; GroupNormalization each channel group.
  const HostTensor x = Tensor({1, 2, 2}, {1.0, 3.0, 5.0, 9.0});
  const HostTensor ones = Vector({1.0, 1.0});
  const HostTensor zeros = Vector({0.0, 0.0});
  onnx::NodeProto instance = Node("InstanceNormalization", 3);
  SetFloat(instance, "epsilon", 0.0f);
  EXPECT_THAT(RunOne(instance, 6, {&x, &ones, &zeros}).values, ElementsAre(-1, 1, -1, 1));
  onnx::NodeProto group = Node("GroupNormalization", 3);
  SetInt(group, "num_groups", 1);
  SetFloat(group, "epsilon", 0.0f);
  const HostTensor one = Vector({1.0});
  const HostTensor zero = Vector({0.0});
  const HostTensor grouped = RunOne(group, 18, {&x, &one, &zero});
  // Mean 4.5, variance (12.25 + 2.25 + 0.25 + 20.25) / 4 = 8.75.
  EXPECT_FLOAT_EQ(grouped.values[0], -3.5 / std::sqrt(8.75));
}

TEST(Normalization, LpNormalizationRejectsP3) {
  // LpNormalization supports p=1 and p=2 only, and names the attribute otherwise.
  const HostTensor x = Vector({3.0, 4.0});
  EXPECT_THAT(RunOne(Node("LpNormalization", 1), 1, {&x}).values, ElementsAre(0.6f, 0.8f));
  onnx::NodeProto node = Node("LpNormalization", 1);
  SetInt(node, "p", 3);
  const auto result = RunNode(node, 1, {&x});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(result.status().message(),
              HasSubstr("node 'n' (op 'LpNormalization'): attribute 'p' = 3 is not supported"));
}

TEST(Normalization, MeanVarianceNormalization) {
  // MeanVarianceNormalization over axis 1 gives zero mean and unit variance.
  const HostTensor x = Tensor({1, 2}, {1.0, 3.0});
  onnx::NodeProto node = Node("MeanVarianceNormalization", 1);
  SetInts(node, "axes", {1});
  EXPECT_THAT(RunOne(node, 13, {&x}).values,
              Pointwise(DoubleNear(1e-6), std::vector<double>{-1.0, 1.0}));
}

}  // namespace
}  // namespace soma::onnx_ops
