// tensor_op_tiling_test.cc: the tiling rules of tensor operations on hand-checked shapes.
#include "importer/tensor_op_tiling.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::importer {
namespace {

using ::testing::ElementsAre;

onnx::NodeProto MakeNode(const std::string& op_type) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name(op_type + "_0");
  return node;
}

void SetInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void SetInts(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (const int64_t value : values) attribute->add_ints(value);
}

int64_t AxisOf(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == "axis") return attribute.i();
  }
  return -100;
}

// A layer input held in the tensor of its own dims' canonical shape.
TensorOpSlot Natural(const std::vector<int64_t>& dims) {
  return {TensorOpSlot::Kind::kLayerInput, dims, CanonicalShapeOfDims(dims), {}};
}

TEST(CanonicalShapeOfDimsTest, FollowsTheRowMajorViewRule) {
  // Each rank maps to the documented row-major rank-4 view.
  EXPECT_EQ(CanonicalShapeOfDims({}), (graph::Shape{1, 1, 1, 1}));
  EXPECT_EQ(CanonicalShapeOfDims({7}), (graph::Shape{1, 7, 1, 1}));
  EXPECT_EQ(CanonicalShapeOfDims({2, 7}), (graph::Shape{2, 7, 1, 1}));
  EXPECT_EQ(CanonicalShapeOfDims({2, 3, 7}), (graph::Shape{6, 7, 1, 1}));
  EXPECT_EQ(CanonicalShapeOfDims({2, 3, 4, 5}), (graph::Shape{2, 3, 4, 5}));
  EXPECT_EQ(CanonicalShapeOfDims({2, 3, 4, 5, 6}), (graph::Shape{6, 4, 5, 6}));
}

TEST(TensorOpTilingTest, LayerNormOverLastAxisOfRank3IsParallelOverRows) {
  // LayerNormalization over the features of [2, 8, 16] normalises canonical C and tiles rows;
  // scale and bias are read whole as [16, 1, 1].
  onnx::NodeProto node = MakeNode("LayerNormalization");
  SetInt(node, "axis", -1);
  const TensorOpTiling tiling = ChooseTensorOpTiling(
      node, 17, {Natural({2, 8, 16}), Natural({16}), Natural({16})}, 0, {2, 8, 16},
      CanonicalShapeOfDims({2, 8, 16}));
  EXPECT_EQ(tiling.parallel_dims, 1);
  EXPECT_EQ(AxisOf(tiling.node), 1);
  ASSERT_EQ(tiling.input_dims.size(), 3u);
  EXPECT_THAT(tiling.input_dims[0], ElementsAre(16, 16, 1, 1));
  EXPECT_THAT(tiling.input_dims[1], ElementsAre(16, 1, 1));
  EXPECT_THAT(tiling.output_dims, ElementsAre(16, 16, 1, 1));
}

TEST(TensorOpTilingTest, SoftmaxOverKeysOfAttentionScoresTilesThreeDims) {
  // Softmax over the last axis of [1, 12, 64, 64] scores is independent along N, C and H.
  onnx::NodeProto node = MakeNode("Softmax");
  SetInt(node, "axis", -1);
  const TensorOpTiling tiling = ChooseTensorOpTiling(node, 13, {Natural({1, 12, 64, 64})}, 0,
                                                     {1, 12, 64, 64}, {1, 12, 64, 64});
  EXPECT_EQ(tiling.parallel_dims, 3);
  EXPECT_EQ(AxisOf(tiling.node), 3);
}

TEST(TensorOpTilingTest, OldSoftmaxFlattensFromItsAxis) {
  // Opset-11 Softmax over axis 1 of [4, 10] reduces canonical C and tiles N.
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(MakeNode("Softmax"), 11, {Natural({4, 10})}, 0, {4, 10}, {4, 10, 1, 1});
  EXPECT_EQ(tiling.parallel_dims, 1);
  EXPECT_EQ(AxisOf(tiling.node), 1);
}

TEST(TensorOpTilingTest, AddWithBiasVectorBroadcastsAlongRows) {
  // [2, 8, 16] + [16]: the bias is canonical (1, 16, 1, 1) and broadcasts along N.
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(MakeNode("Add"), 14, {Natural({2, 8, 16}), Natural({16})}, 0,
                           {2, 8, 16}, CanonicalShapeOfDims({2, 8, 16}));
  EXPECT_EQ(tiling.parallel_dims, 4);
  ASSERT_EQ(tiling.input_dims.size(), 2u);
  EXPECT_THAT(tiling.input_dims[1], ElementsAre(1, 16, 1, 1));
}

TEST(TensorOpTilingTest, BroadcastInsideMergedRowsFallsBackToAxisZeroSlices) {
  // [2, 8, 16] + [8, 16]: the second operand repeats inside canonical N, so the canonical
  // form does not apply; axis-0 slices of the first operand do, with the second read whole.
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(MakeNode("Add"), 14, {Natural({2, 8, 16}), Natural({8, 16})}, 0,
                           {2, 8, 16}, CanonicalShapeOfDims({2, 8, 16}));
  EXPECT_EQ(tiling.parallel_dims, 0);
  EXPECT_TRUE(tiling.axis0_sliced);
}

TEST(TensorOpTilingTest, HeadSplitTransposeOfAViewSlicesAxisZero) {
  // Transpose (0, 2, 1, 3) of a [2, 8, 4, 4] view of a (16, 16, 1, 1) tensor: axis-0 slices
  // are runs of 8 input rows and 1 output row.
  onnx::NodeProto node = MakeNode("Transpose");
  SetInts(node, "perm", {0, 2, 1, 3});
  const TensorOpSlot view{TensorOpSlot::Kind::kLayerInput, {2, 8, 4, 4}, {16, 16, 1, 1}, {}};
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(node, 13, {view}, 0, {2, 4, 8, 4}, {2, 4, 8, 4});
  EXPECT_EQ(tiling.parallel_dims, 0);
  EXPECT_TRUE(tiling.axis0_sliced);
}

TEST(TensorOpTilingTest, TransposeOfTrailingAxesKeepsLeadingDimsParallel) {
  // Transpose (0, 1, 3, 2) of a natural rank-4 tensor is parallel along N and C.
  onnx::NodeProto node = MakeNode("Transpose");
  SetInts(node, "perm", {0, 1, 3, 2});
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(node, 13, {Natural({2, 3, 4, 5})}, 0, {2, 3, 5, 4}, {2, 3, 5, 4});
  EXPECT_EQ(tiling.parallel_dims, 2);
}

TEST(TensorOpTilingTest, QuantizeWithScalarScaleKeepsTheScalarDims) {
  // QuantizeLinear of [2, 3, 4, 4] by a scalar scale tiles all four dims and reads the scale
  // as the scalar it is.
  const TensorOpTiling tiling = ChooseTensorOpTiling(
      MakeNode("QuantizeLinear"), 13,
      {Natural({2, 3, 4, 4}), Natural({}), {TensorOpSlot::Kind::kEmbedded, {}, {1, 1, 1, 1}, {}}}, 0,
      {2, 3, 4, 4}, {2, 3, 4, 4});
  EXPECT_EQ(tiling.parallel_dims, 4);
  ASSERT_EQ(tiling.input_dims.size(), 2u);
  EXPECT_TRUE(tiling.input_dims[1].empty());
}

TEST(TensorOpTilingTest, InstanceNormTilesBatchAndChannels) {
  // InstanceNormalization of [1, 32, 64, 64] is independent per channel; scale and bias stay
  // 1-D.
  const TensorOpTiling tiling = ChooseTensorOpTiling(
      MakeNode("InstanceNormalization"), 6,
      {Natural({1, 32, 64, 64}), Natural({32}), Natural({32})}, 0, {1, 32, 64, 64},
      {1, 32, 64, 64});
  EXPECT_EQ(tiling.parallel_dims, 2);
  ASSERT_EQ(tiling.input_dims.size(), 3u);
  EXPECT_THAT(tiling.input_dims[1], ElementsAre(32));
}

// An embedded integer constant with `values`.
TensorOpSlot Embedded(const std::vector<int64_t>& values) {
  return {TensorOpSlot::Kind::kEmbedded, {static_cast<int64_t>(values.size())}, {1, 1, 1, 1},
          values};
}

TEST(TensorOpTilingTest, SpatialPadTilesPlanes) {
  // Reflection padding of H and W keeps every (N, C) plane apart, in the input form
  // (opset 11+) and the attribute form (opset 2).
  const TensorOpTiling input_form = ChooseTensorOpTiling(
      MakeNode("Pad"), 13, {Natural({1, 8, 10, 10}), Embedded({0, 0, 2, 2, 0, 0, 2, 2})}, 0,
      {1, 8, 14, 14}, {1, 8, 14, 14});
  EXPECT_EQ(input_form.parallel_dims, 2);
  ASSERT_EQ(input_form.input_dims.size(), 1u);
  EXPECT_THAT(input_form.input_dims[0], ElementsAre(1, 8, 10, 10));
  onnx::NodeProto legacy = MakeNode("Pad");
  SetInts(legacy, "pads", {0, 0, 1, 0, 0, 0, 1, 0});
  EXPECT_EQ(ChooseTensorOpTiling(legacy, 2, {Natural({1, 8, 10, 10})}, 0, {1, 8, 12, 10},
                                 {1, 8, 12, 10})
                .parallel_dims,
            2);
  // The axes input (opset 18) names the padded axes.
  const TensorOpTiling with_axes = ChooseTensorOpTiling(
      MakeNode("Pad"), 18,
      {Natural({1, 8, 10, 10}), Embedded({1, 1, 0, 0}), {}, Embedded({-1, -2})}, 0,
      {1, 8, 11, 11},
      {1, 8, 11, 11});
  EXPECT_EQ(with_axes.parallel_dims, 2);
}

TEST(TensorOpTilingTest, ChannelOrRuntimePadReadsWhole) {
  // Pads on C (even when they cancel out, so that C keeps its extent) move data between
  // planes, and run-time pads are unknown at compile time.
  const TensorOpTiling shifted = ChooseTensorOpTiling(
      MakeNode("Pad"), 13, {Natural({1, 8, 10, 10}), Embedded({0, 1, 0, 0, 0, -1, 0, 0})}, 0,
      {1, 8, 10, 10}, {1, 8, 10, 10});
  EXPECT_EQ(shifted.parallel_dims, 0);
  const TensorOpTiling run_time = ChooseTensorOpTiling(
      MakeNode("Pad"), 13, {Natural({1, 8, 10, 10}), Natural({8})}, 0, {1, 8, 12, 12},
      {1, 8, 12, 12});
  EXPECT_EQ(run_time.parallel_dims, 0);
  const TensorOpTiling axes_on_channels = ChooseTensorOpTiling(
      MakeNode("Pad"), 18,
      {Natural({1, 8, 10, 10}), Embedded({1, 0, -1, 0}), {}, Embedded({1, 2})}, 0,
      {1, 8, 10, 10},
      {1, 8, 10, 10});
  EXPECT_EQ(axes_on_channels.parallel_dims, 0);
}

TEST(TensorOpTilingTest, CropTilesPlanes) {
  // The legacy Crop cuts H and W only.
  onnx::NodeProto crop = MakeNode("Crop");
  SetInts(crop, "border", {1, 1, 1, 1});
  const TensorOpTiling tiling = ChooseTensorOpTiling(crop, 1, {Natural({1, 16, 10, 10})}, 0,
                                                     {1, 16, 8, 8}, {1, 16, 8, 8});
  EXPECT_EQ(tiling.parallel_dims, 2);
}

TEST(TensorOpTilingTest, OneGroupConvTransposeTilesPlanes) {
  // ConvTranspose [1, 4, 5, 5] x [4, 6, 3, 3] -> [1, 6, 11, 11]: the data, the weight and
  // the bias keep their dims; grouped forms and explicit full output shapes read whole.
  const std::vector<TensorOpSlot> slots = {Natural({1, 4, 5, 5}), Natural({4, 6, 3, 3}),
                                           Natural({6})};
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(MakeNode("ConvTranspose"), 13, slots, 0, {1, 6, 11, 11},
                           {1, 6, 11, 11});
  EXPECT_EQ(tiling.parallel_dims, 2);
  ASSERT_EQ(tiling.input_dims.size(), 3u);
  EXPECT_THAT(tiling.input_dims[1], ElementsAre(4, 6, 3, 3));
  EXPECT_THAT(tiling.input_dims[2], ElementsAre(6));
  onnx::NodeProto grouped = MakeNode("ConvTranspose");
  SetInt(grouped, "group", 2);
  EXPECT_EQ(ChooseTensorOpTiling(grouped, 13,
                                 {Natural({1, 4, 5, 5}), Natural({4, 3, 3, 3}), Natural({6})},
                                 0, {1, 6, 11, 11}, {1, 6, 11, 11})
                .parallel_dims,
            0);
  onnx::NodeProto full_shape = MakeNode("ConvTranspose");
  SetInts(full_shape, "output_shape", {1, 6, 11, 11});
  EXPECT_EQ(ChooseTensorOpTiling(full_shape, 13, slots, 0, {1, 6, 11, 11}, {1, 6, 11, 11})
                .parallel_dims,
            0);
}

TEST(TensorOpTilingTest, HostAndRunTimeIndexedOperatorsReadWholeTensors) {
  // Control flow runs on the host whole; Gather with run-time indices may read any row.
  const TensorOpTiling host =
      ChooseTensorOpTiling(MakeNode("If"), 13, {Natural({1})}, 0, {4, 4}, {4, 4, 1, 1});
  EXPECT_EQ(host.parallel_dims, 0);
  EXPECT_FALSE(host.axis0_sliced);
  const TensorOpTiling gather = ChooseTensorOpTiling(
      MakeNode("Gather"), 13, {Natural({4, 8}), Natural({3})}, 0, {3, 8}, {3, 8, 1, 1});
  EXPECT_EQ(gather.parallel_dims, 0);
  EXPECT_FALSE(gather.axis0_sliced);
}

}  // namespace
}  // namespace soma::importer
