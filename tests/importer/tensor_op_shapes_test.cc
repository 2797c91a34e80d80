// tensor_op_shapes_test.cc: output shapes from input shapes, on hand-checked cases.
#include "importer/tensor_op_shapes.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::importer {
namespace {

using ::testing::ElementsAre;

onnx::NodeProto MakeNode(const std::string& op_type, int inputs) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  for (int input = 0; input < inputs; ++input) node.add_input("in" + std::to_string(input));
  node.add_output("out");
  return node;
}

ValueShape Float(std::vector<int64_t> dims) { return {std::move(dims), onnx::TensorProto::FLOAT}; }

TEST(TensorOpShapesTest, SoftmaxOfLargeScoresKeepsTheirShape) {
  // Softmax over [64, 12, 512, 512] scores has the scores' dims and type.
  const auto shapes =
      OutputShapesFromInputShapes(MakeNode("Softmax", 1), {Float({64, 12, 512, 512})});
  ASSERT_TRUE(shapes.has_value());
  EXPECT_THAT((*shapes)[0].dims, ElementsAre(64, 12, 512, 512));
}

TEST(TensorOpShapesTest, AddBroadcastsAndComparisonGivesBool) {
  // [4, 1, 8] + [3, 1] broadcasts to [4, 3, 8]; Equal of the same gives BOOL.
  const auto sum = OutputShapesFromInputShapes(MakeNode("Add", 2), {Float({4, 1, 8}), Float({3, 1})});
  ASSERT_TRUE(sum.has_value());
  EXPECT_THAT((*sum)[0].dims, ElementsAre(4, 3, 8));
  const auto equal =
      OutputShapesFromInputShapes(MakeNode("Equal", 2), {Float({4, 1, 8}), Float({3, 1})});
  ASSERT_TRUE(equal.has_value());
  EXPECT_EQ((*equal)[0].elem_type, onnx::TensorProto::BOOL);
}

TEST(TensorOpShapesTest, TransposeConcatAndMatMulFollowTheirAttributes) {
  // Transpose by (0, 2, 1, 3), Concat on axis 2 and a batched MatMul.
  onnx::NodeProto transpose = MakeNode("Transpose", 1);
  onnx::AttributeProto* perm = transpose.add_attribute();
  perm->set_name("perm");
  for (int64_t axis : {0, 2, 1, 3}) perm->add_ints(axis);
  const auto transposed = OutputShapesFromInputShapes(transpose, {Float({2, 512, 12, 64})});
  ASSERT_TRUE(transposed.has_value());
  EXPECT_THAT((*transposed)[0].dims, ElementsAre(2, 12, 512, 64));

  onnx::NodeProto concat = MakeNode("Concat", 2);
  onnx::AttributeProto* axis = concat.add_attribute();
  axis->set_name("axis");
  axis->set_i(-2);
  const auto joined =
      OutputShapesFromInputShapes(concat, {Float({2, 12, 1024, 64}), Float({2, 12, 1, 64})});
  ASSERT_TRUE(joined.has_value());
  EXPECT_THAT((*joined)[0].dims, ElementsAre(2, 12, 1025, 64));

  const auto product = OutputShapesFromInputShapes(
      MakeNode("MatMul", 2), {Float({2, 12, 512, 64}), Float({2, 12, 64, 512})});
  ASSERT_TRUE(product.has_value());
  EXPECT_THAT((*product)[0].dims, ElementsAre(2, 12, 512, 512));
}

TEST(TensorOpShapesTest, OperatorsWithoutARuleGiveNothing) {
  // Resize needs its scales' values, and mismatched MatMul inner dims are rejected.
  EXPECT_FALSE(OutputShapesFromInputShapes(MakeNode("Resize", 1), {Float({1, 3, 8, 8})}));
  EXPECT_FALSE(OutputShapesFromInputShapes(MakeNode("MatMul", 2), {Float({4, 5}), Float({6, 7})}));
}

}  // namespace
}  // namespace soma::importer
