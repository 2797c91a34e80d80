// neural_ops_test.cc: hand-checked cases for MatMul, Gemm, Conv, ConvTranspose and pools.
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops {
namespace {

HostTensor FloatTensor(std::vector<int64_t> dims, std::vector<double> values) {
  HostTensor tensor;
  tensor.dims = std::move(dims);
  tensor.values = std::move(values);
  return tensor;
}

onnx::NodeProto Node(const std::string& op_type, int input_count, int output_count = 1) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name("n");
  for (int i = 0; i < input_count; ++i) node.add_input("in" + std::to_string(i));
  for (int i = 0; i < output_count; ++i) node.add_output("out" + std::to_string(i));
  return node;
}

void SetInts(onnx::NodeProto& node, const std::string& name, std::vector<int64_t> ints) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (const int64_t value : ints) attribute->add_ints(value);
}

void SetInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void SetString(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRING);
  attribute->set_s(value);
}

std::vector<HostTensor> RunOk(const onnx::NodeProto& node, std::vector<const HostTensor*> inputs) {
  auto outputs = RunNode(node, 13, inputs);
  EXPECT_TRUE(outputs.ok()) << outputs.status();
  return outputs.ok() ? *outputs : std::vector<HostTensor>();
}

TEST(NeuralOpsTest, MatMulBroadcastsBatch) {
  // A [2, 1, 2] times B [2, 1] broadcasts B over the batch of A.
  const HostTensor a = FloatTensor({2, 1, 2}, {1, 2, 3, 4});
  const HostTensor b = FloatTensor({2, 1}, {10, 1});
  const auto out = RunOk(Node("MatMul", 2), {&a, &b});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_EQ(out[0].values, (std::vector<double>{12, 34}));
}

TEST(NeuralOpsTest, MatMulOneDimensionalOperands) {
  // A 1-D A is a row vector and a 1-D B a column vector; both axes vanish from the output.
  const HostTensor a = FloatTensor({2}, {1, 2});
  const HostTensor b = FloatTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto row = RunOk(Node("MatMul", 2), {&a, &b});
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].dims, (std::vector<int64_t>{3}));
  EXPECT_EQ(row[0].values, (std::vector<double>{9, 12, 15}));
  const auto dot = RunOk(Node("MatMul", 2), {&a, &a});
  ASSERT_EQ(dot.size(), 1u);
  EXPECT_TRUE(dot[0].dims.empty());
  EXPECT_EQ(dot[0].values, (std::vector<double>{5}));
}

TEST(NeuralOpsTest, MatMulRejectsInnerDimMismatch) {
  // Inner dims 2 and 3 do not match; the message names the node and both shapes.
  const HostTensor a = FloatTensor({1, 2}, {1, 2});
  const HostTensor b = FloatTensor({3, 1}, {1, 2, 3});
  const auto out = RunNode(Node("MatMul", 2), 13, {&a, &b});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("node 'n' (op 'MatMul'): inner dims differ"),
            std::string::npos);
}

TEST(NeuralOpsTest, GemmTransposeAlphaBetaBias) {
  // Y = 2 * A^T B + 0.5 * C with C broadcast from a row.
  const HostTensor a = FloatTensor({2, 1}, {1, 2});
  const HostTensor b = FloatTensor({2, 2}, {1, 0, 0, 1});
  const HostTensor c = FloatTensor({2}, {2, 4});
  onnx::NodeProto node = Node("Gemm", 3);
  SetInt(node, "transA", 1);
  onnx::AttributeProto* alpha = node.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(2.0f);
  onnx::AttributeProto* beta = node.add_attribute();
  beta->set_name("beta");
  beta->set_type(onnx::AttributeProto::FLOAT);
  beta->set_f(0.5f);
  const auto out = RunOk(node, {&a, &b, &c});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{3, 6}));
}

TEST(NeuralOpsTest, ConvPaddedStridedGrouped) {
  // Two groups, a 1x2 kernel of ones per channel, pad 1 on the left, stride 2.
  const HostTensor x = FloatTensor({1, 2, 1, 4}, {1, 2, 3, 4, 10, 20, 30, 40});
  const HostTensor w = FloatTensor({2, 1, 1, 2}, {1, 1, 1, 1});
  const HostTensor bias = FloatTensor({2}, {0, 100});
  onnx::NodeProto node = Node("Conv", 3);
  SetInt(node, "group", 2);
  SetInts(node, "pads", {0, 1, 0, 0});
  SetInts(node, "strides", {1, 2});
  const auto out = RunOk(node, {&x, &w, &bias});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{1, 2, 1, 2}));
  EXPECT_EQ(out[0].values, (std::vector<double>{1, 5, 110, 150}));
}

TEST(NeuralOpsTest, ConvSameUpperKeepsSize) {
  // auto_pad SAME_UPPER with a 3-wide kernel keeps the length of a 1-D input.
  const HostTensor x = FloatTensor({1, 1, 3}, {1, 2, 3});
  const HostTensor w = FloatTensor({1, 1, 3}, {1, 1, 1});
  onnx::NodeProto node = Node("Conv", 2);
  SetString(node, "auto_pad", "SAME_UPPER");
  const auto out = RunOk(node, {&x, &w});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{3, 6, 5}));
}

TEST(NeuralOpsTest, ConvRejectsUnknownAutoPad) {
  // An unknown auto_pad is Unimplemented and names the value.
  const HostTensor x = FloatTensor({1, 1, 3}, {1, 2, 3});
  const HostTensor w = FloatTensor({1, 1, 1}, {1});
  onnx::NodeProto node = Node("Conv", 2);
  SetString(node, "auto_pad", "FULL");
  const auto out = RunNode(node, 13, {&x, &w});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(out.status().message().find("attribute 'auto_pad' = FULL"), std::string::npos);
}

TEST(NeuralOpsTest, ConvTransposeStrideAndOutputPadding) {
  // Stride 2 spreads each input over the kernel; output_padding adds one trailing zero.
  const HostTensor x = FloatTensor({1, 1, 2}, {1, 2});
  const HostTensor w = FloatTensor({1, 1, 2}, {1, 10});
  onnx::NodeProto node = Node("ConvTranspose", 2);
  SetInts(node, "strides", {2});
  SetInts(node, "output_padding", {1});
  const auto out = RunOk(node, {&x, &w});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{1, 10, 2, 20, 0}));
}

TEST(NeuralOpsTest, MaxPoolIndicesAndCeilMode) {
  // A 2-wide window with stride 2 and ceil_mode covers a last partial window; Indices are
  // flat positions in the input.
  const HostTensor x = FloatTensor({1, 1, 5}, {1, 3, 2, 5, 4});
  onnx::NodeProto node = Node("MaxPool", 1, 2);
  SetInts(node, "kernel_shape", {2});
  SetInts(node, "strides", {2});
  SetInt(node, "ceil_mode", 1);
  const auto out = RunOk(node, {&x});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].values, (std::vector<double>{3, 5, 4}));
  EXPECT_EQ(out[1].values, (std::vector<double>{1, 3, 4}));
}

TEST(NeuralOpsTest, AveragePoolCountIncludePad) {
  // With count_include_pad the padded zero counts in the divisor; without it does not.
  const HostTensor x = FloatTensor({1, 1, 2}, {2, 4});
  for (const int64_t include : {0, 1}) {
    onnx::NodeProto node = Node("AveragePool", 1);
    SetInts(node, "kernel_shape", {2});
    SetInts(node, "pads", {1, 0});
    SetInt(node, "count_include_pad", include);
    const auto out = RunOk(node, {&x});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].values[0], include != 0 ? 1.0 : 2.0) << "count_include_pad " << include;
  }
}

TEST(NeuralOpsTest, EinsumTransposeAndContraction) {
  // "ij,jk->ik" is a matrix product and "ij->ji" a transpose.
  const HostTensor a = FloatTensor({1, 2}, {1, 2});
  const HostTensor b = FloatTensor({2, 1}, {3, 4});
  onnx::NodeProto product = Node("Einsum", 2);
  SetString(product, "equation", "ij,jk->ik");
  EXPECT_EQ(RunOk(product, {&a, &b})[0].values, (std::vector<double>{11}));
  onnx::NodeProto transpose = Node("Einsum", 1);
  SetString(transpose, "equation", "ij->ji");
  EXPECT_EQ(RunOk(transpose, {&a})[0].dims, (std::vector<int64_t>{2, 1}));
}

}  // namespace
}  // namespace soma::onnx_ops
