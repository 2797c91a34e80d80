// shape_ops_test.cc: hand-checked cases for the shape, data-movement and indexing operators.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops {
namespace {

HostTensor Tensor(std::vector<int64_t> dims, std::vector<double> values, int32_t elem_type = 1) {
  HostTensor tensor;
  tensor.elem_type = elem_type;
  tensor.dims = std::move(dims);
  tensor.values = std::move(values);
  return tensor;
}

HostTensor Ints(std::vector<double> values) {
  const int64_t count = static_cast<int64_t>(values.size());
  return Tensor({count}, std::move(values), onnx::TensorProto::INT64);
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

std::vector<HostTensor> RunOk(const onnx::NodeProto& node, int64_t opset,
                            std::vector<const HostTensor*> inputs) {
  auto outputs = RunNode(node, opset, inputs);
  EXPECT_TRUE(outputs.ok()) << outputs.status();
  return outputs.ok() ? *outputs : std::vector<HostTensor>();
}

TEST(ShapeOpsTest, TransposeDefaultReversesAxes) {
  // Without perm, Transpose reverses the axes: a 2x3 matrix becomes its 3x2 transpose.
  const HostTensor x = Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto out = RunOk(Node("Transpose", 1), 13, {&x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(out[0].values, (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(ShapeOpsTest, TransposeWithPerm3d) {
  // perm [1, 0, 2] swaps the two leading axes of a 2x2x2 tensor.
  const HostTensor x = Tensor({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  onnx::NodeProto node = Node("Transpose", 1);
  SetInts(node, "perm", {1, 0, 2});
  const auto out = RunOk(node, 13, {&x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{0, 1, 4, 5, 2, 3, 6, 7}));
}

TEST(ShapeOpsTest, TransposeRejectsBadPerm) {
  // A perm that repeats an axis is rejected with the node name.
  const HostTensor x = Tensor({2, 2}, {0, 1, 2, 3});
  onnx::NodeProto node = Node("Transpose", 1);
  SetInts(node, "perm", {0, 0});
  const auto out = RunNode(node, 13, {&x});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("node 'n' (op 'Transpose')"), std::string::npos);
  EXPECT_NE(out.status().message().find("is not a permutation"), std::string::npos);
}

TEST(ShapeOpsTest, ReshapeCopiesZeroAndInfersMinusOne) {
  // Shape [0, -1] keeps dim 0 and infers the rest; with allowzero a 0 means an empty dim.
  const HostTensor x = Tensor({2, 3, 4}, std::vector<double>(24, 1.0));
  const HostTensor shape = Ints({0, -1});
  const auto out = RunOk(Node("Reshape", 2), 14, {&x, &shape});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{2, 12}));

  const HostTensor empty = Tensor({0, 3}, {});
  const HostTensor zero_shape = Ints({3, 0});
  onnx::NodeProto node = Node("Reshape", 2);
  SetInt(node, "allowzero", 1);
  const auto zero_out = RunOk(node, 14, {&empty, &zero_shape});
  ASSERT_EQ(zero_out.size(), 1u);
  EXPECT_EQ(zero_out[0].dims, (std::vector<int64_t>{3, 0}));
}

TEST(ShapeOpsTest, ReshapeRejectsCountMismatch) {
  // A target shape with another element count is rejected and both counts are named.
  const HostTensor x = Tensor({2, 3}, std::vector<double>(6, 0.0));
  const HostTensor shape = Ints({4, 2});
  const auto out = RunNode(Node("Reshape", 2), 14, {&x, &shape});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("holds 8 elements"), std::string::npos);
}

TEST(ShapeOpsTest, ConcatAlongMiddleAxis) {
  // Concat on axis 1 interleaves rows of both inputs.
  const HostTensor a = Tensor({2, 1}, {1, 2});
  const HostTensor b = Tensor({2, 2}, {3, 4, 5, 6});
  onnx::NodeProto node = Node("Concat", 2);
  SetInt(node, "axis", -1);
  const auto out = RunOk(node, 13, {&a, &b});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out[0].values, (std::vector<double>{1, 3, 4, 2, 5, 6}));
}

TEST(ShapeOpsTest, SplitAttributeInputAndNumOutputs) {
  // Split sizes come from the attribute before opset 13, from input 1 after, and
  // num_outputs (opset 18) gives ceil-sized parts with a smaller last part.
  const HostTensor x = Tensor({5}, {1, 2, 3, 4, 5});
  onnx::NodeProto attribute_form = Node("Split", 1, 2);
  SetInts(attribute_form, "split", {2, 3});
  const auto old = RunOk(attribute_form, 11, {&x});
  ASSERT_EQ(old.size(), 2u);
  EXPECT_EQ(old[1].values, (std::vector<double>{3, 4, 5}));

  const HostTensor sizes = Ints({4, 1});
  const auto input_form = RunOk(Node("Split", 2, 2), 13, {&x, &sizes});
  ASSERT_EQ(input_form.size(), 2u);
  EXPECT_EQ(input_form[1].values, (std::vector<double>{5}));

  onnx::NodeProto num_outputs = Node("Split", 1, 2);
  SetInt(num_outputs, "num_outputs", 2);
  const auto parts = RunOk(num_outputs, 18, {&x});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].values, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(parts[1].values, (std::vector<double>{4, 5}));
}

TEST(ShapeOpsTest, SliceNegativeStepAndHugeEnd) {
  // A step of -1 from INT64_MAX down to INT64_MIN reverses the axis; clamping avoids overflow.
  const HostTensor x = Tensor({4}, {1, 2, 3, 4});
  const HostTensor starts = Ints({static_cast<double>(std::numeric_limits<int64_t>::max())});
  const HostTensor ends = Ints({static_cast<double>(std::numeric_limits<int64_t>::min())});
  const HostTensor axes = Ints({0});
  const HostTensor steps = Ints({-1});
  const auto out = RunOk(Node("Slice", 5), 13, {&x, &starts, &ends, &axes, &steps});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{4, 3, 2, 1}));
}

TEST(ShapeOpsTest, SliceOpset1Attributes) {
  // Before opset 10 starts, ends and axes are attributes.
  const HostTensor x = Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  onnx::NodeProto node = Node("Slice", 1);
  SetInts(node, "starts", {1});
  SetInts(node, "ends", {3});
  SetInts(node, "axes", {1});
  const auto out = RunOk(node, 9, {&x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{2, 3, 5, 6}));
}

TEST(ShapeOpsTest, GatherNegativeIndexAndRejectsOutOfRange) {
  // Index -1 reads the last row; index 3 on a dim of 3 is rejected.
  const HostTensor x = Tensor({3, 2}, {1, 2, 3, 4, 5, 6});
  const HostTensor indices = Ints({-1, 0});
  const auto out = RunOk(Node("Gather", 2), 13, {&x, &indices});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (std::vector<double>{5, 6, 1, 2}));

  const HostTensor bad = Ints({3});
  const auto error = RunNode(Node("Gather", 2), 13, {&x, &bad});
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.status().message().find("index 3 is out of range"), std::string::npos);
}

TEST(ShapeOpsTest, SqueezeAndUnsqueezeBothForms) {
  // Axes are an attribute before opset 13 and an input from opset 13.
  const HostTensor x = Tensor({1, 3, 1}, {1, 2, 3});
  onnx::NodeProto squeeze = Node("Squeeze", 1);
  SetInts(squeeze, "axes", {0});
  EXPECT_EQ(RunOk(squeeze, 11, {&x})[0].dims, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(RunOk(Node("Squeeze", 1), 13, {&x})[0].dims, (std::vector<int64_t>{3}));

  const HostTensor axes = Ints({0, -1});
  const HostTensor row = Tensor({3}, {1, 2, 3});
  EXPECT_EQ(RunOk(Node("Unsqueeze", 2), 13, {&row, &axes})[0].dims,
            (std::vector<int64_t>{1, 3, 1}));
}

TEST(ShapeOpsTest, ExpandBroadcastsBothWays) {
  // Expand of [3, 1] to [2, 1, 3] gives [2, 3, 3] (bidirectional broadcast).
  const HostTensor x = Tensor({3, 1}, {1, 2, 3});
  const HostTensor shape = Ints({2, 1, 3});
  const auto out = RunOk(Node("Expand", 2), 13, {&x, &shape});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dims, (std::vector<int64_t>{2, 3, 3}));
  EXPECT_EQ(out[0].values[3], 2.0);
}

TEST(ShapeOpsTest, PadModes) {
  // Reflect, edge and wrap pads of [1, 2, 3] by two on each side.
  const HostTensor x = Tensor({3}, {1, 2, 3});
  const HostTensor pads = Ints({2, 2});
  const struct {
    std::string mode;
    std::vector<double> expected;
  } cases[] = {{"constant", {0, 0, 1, 2, 3, 0, 0}},
               {"reflect", {3, 2, 1, 2, 3, 2, 1}},
               {"edge", {1, 1, 1, 2, 3, 3, 3}},
               {"wrap", {2, 3, 1, 2, 3, 1, 2}}};
  for (const auto& test_case : cases) {
    onnx::NodeProto node = Node("Pad", 2);
    SetString(node, "mode", test_case.mode);
    const auto out = RunOk(node, 19, {&x, &pads});
    ASSERT_EQ(out.size(), 1u) << test_case.mode;
    EXPECT_EQ(out[0].values, test_case.expected) << test_case.mode;
  }
}

TEST(ShapeOpsTest, PadRejectsUnknownMode) {
  // An unknown mode is Unimplemented and names the attribute and its value.
  const HostTensor x = Tensor({3}, {1, 2, 3});
  const HostTensor pads = Ints({1, 1});
  onnx::NodeProto node = Node("Pad", 2);
  SetString(node, "mode", "mirror");
  const auto out = RunNode(node, 19, {&x, &pads});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(out.status().message().find("attribute 'mode' = mirror"), std::string::npos);
}

TEST(ShapeOpsTest, ResizeNearestAndLinear) {
  // Doubling [1, 2] with asymmetric nearest repeats each value; half_pixel linear blends.
  const HostTensor x = Tensor({1, 2}, {1, 2});
  const HostTensor scales = Tensor({2}, {1, 2});
  onnx::NodeProto nearest = Node("Resize", 3);
  nearest.set_input(1, "");
  SetString(nearest, "coordinate_transformation_mode", "asymmetric");
  SetString(nearest, "nearest_mode", "floor");
  EXPECT_EQ(RunOk(nearest, 13, {&x, nullptr, &scales})[0].values,
            (std::vector<double>{1, 1, 2, 2}));

  onnx::NodeProto linear = Node("Resize", 3);
  SetString(linear, "mode", "linear");
  EXPECT_EQ(RunOk(linear, 13, {&x, nullptr, &scales})[0].values,
            (std::vector<double>{1, 1.25, 1.75, 2}));
}

TEST(ShapeOpsTest, TopKKeepsLowerIndexOnTies) {
  // Equal values keep the lower index first.
  const HostTensor x = Tensor({4}, {3, 5, 5, 1});
  const HostTensor k = Ints({2});
  const auto out = RunOk(Node("TopK", 2, 2), 11, {&x, &k});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].values, (std::vector<double>{5, 5}));
  EXPECT_EQ(out[1].values, (std::vector<double>{1, 2}));
  EXPECT_EQ(out[1].elem_type, onnx::TensorProto::INT64);
}

TEST(ShapeOpsTest, ConstantValueInts) {
  // value_ints makes a 1-D INT64 tensor.
  onnx::NodeProto node = Node("Constant", 0);
  SetInts(node, "value_ints", {4, 5});
  const auto out = RunOk(node, 13, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].elem_type, onnx::TensorProto::INT64);
  EXPECT_EQ(out[0].values, (std::vector<double>{4, 5}));
}

}  // namespace
}  // namespace soma::onnx_ops
