// fill_reseeding_test.cc: ConstantOfShape weight fills become seeded random initializers.
#include "model_builder/fill_reseeding.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model_builder/onnx_model_builder.h"

namespace soma::model_builder {
namespace {

// x [2, 8] times a [8, 4] weight filled with `fill`, plus a [4] bias fill of 0 written
// without a value attribute, and an int64 fill that must stay.
onnx::ModelProto FilledModel(float fill) {
  OnnxModelBuilder builder("filled", 13);
  builder.AddInput("x", {2, 8});
  builder.AddInt64Initializer("w_shape", {2}, {8, 4});
  builder.AddInt64Initializer("b_shape", {1}, {4});
  builder.AddNode("ConstantOfShape", {"w_shape"}, {"w"}, "w_fill")
      .Tensor("value", FloatTensor("value", {1}, {fill}));
  builder.AddNode("ConstantOfShape", {"b_shape"}, {"b"}, "b_fill");
  builder.AddNode("ConstantOfShape", {"b_shape"}, {"i"}, "int_fill")
      .Tensor("value", Int64Tensor("value", {1}, {3}));
  builder.AddNode("MatMul", {"x", "w"}, {"m"}, "matmul");
  builder.AddNode("Add", {"m", "b"}, {"y"}, "add");
  builder.AddOutput("y", {2, 4});
  return builder.Build();
}

std::vector<float> FloatsOf(const onnx::TensorProto& tensor) {
  std::vector<float> values(tensor.raw_data().size() / sizeof(float));
  std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(float));
  return values;
}

const onnx::TensorProto* Initializer(const onnx::ModelProto& model, const std::string& name) {
  for (const onnx::TensorProto& tensor : model.graph().initializer()) {
    if (tensor.name() == name) return &tensor;
  }
  return nullptr;
}

TEST(FillReseedingTest, FloatFillsBecomeSpreadInitializers) {
  // The [8, 4] weight fill 0.01 becomes 32 zero-mean values in [-0.02, 0.02) that are not
  // all equal, the [4] bias fill 0 becomes values in [-0.02, 0.02), and the int64 fill
  // stays a node.
  onnx::ModelProto model = FilledModel(0.01f);
  const absl::StatusOr<int> replaced = ReseedConstantFills(model, 5);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(*replaced, 2);
  const onnx::TensorProto* weight = Initializer(model, "w");
  ASSERT_NE(weight, nullptr);
  EXPECT_THAT(weight->dims(), ::testing::ElementsAre(8, 4));
  const std::vector<float> values = FloatsOf(*weight);
  ASSERT_EQ(values.size(), 32u);
  bool negative = false;
  for (const float value : values) {
    EXPECT_GE(value, -0.02f);
    EXPECT_LT(value, 0.02f);
    negative = negative || value < 0.0f;
  }
  EXPECT_TRUE(negative);
  EXPECT_NE(values.front(), values.back());
  const onnx::TensorProto* bias = Initializer(model, "b");
  ASSERT_NE(bias, nullptr);
  for (const float value : FloatsOf(*bias)) {
    EXPECT_GE(value, -0.02f);
    EXPECT_LT(value, 0.02f);
  }
  std::vector<std::string> ops;
  for (const onnx::NodeProto& node : model.graph().node()) ops.push_back(node.name());
  EXPECT_THAT(ops, ::testing::ElementsAre("int_fill", "matmul", "add"));
}

TEST(FillReseedingTest, VectorFillsKeepTheirSign) {
  // A [4] fill of 1.0 (a BatchNormalization variance, say) stays in [0.5, 1.5).
  OnnxModelBuilder builder("variance", 13);
  builder.AddInt64Initializer("shape", {1}, {4});
  builder.AddNode("ConstantOfShape", {"shape"}, {"v"}, "fill")
      .Tensor("value", FloatTensor("value", {1}, {1.0f}));
  builder.AddOutput("v", {4});
  onnx::ModelProto model = builder.Build();
  ASSERT_TRUE(ReseedConstantFills(model, 3).ok());
  const onnx::TensorProto* variance = Initializer(model, "v");
  ASSERT_NE(variance, nullptr);
  for (const float value : FloatsOf(*variance)) {
    EXPECT_GE(value, 0.5f);
    EXPECT_LT(value, 1.5f);
  }
}

TEST(FillReseedingTest, SameSeedGivesSameBytes) {
  onnx::ModelProto first = FilledModel(-0.5f);
  onnx::ModelProto second = FilledModel(-0.5f);
  onnx::ModelProto other_seed = FilledModel(-0.5f);
  ASSERT_TRUE(ReseedConstantFills(first, 9).ok());
  ASSERT_TRUE(ReseedConstantFills(second, 9).ok());
  ASSERT_TRUE(ReseedConstantFills(other_seed, 10).ok());
  EXPECT_EQ(SerializeModel(first), SerializeModel(second));
  EXPECT_NE(SerializeModel(first), SerializeModel(other_seed));
}

}  // namespace
}  // namespace soma::model_builder
