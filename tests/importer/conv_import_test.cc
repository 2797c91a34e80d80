// conv_import_test.cc: Conv lowering: window geometry, groups, bias and attribute errors.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "model_builder/weight_generator.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindLayer;
using ::soma::importer::testing::Import;
using ::testing::HasSubstr;

struct ConvCase {
  std::vector<int64_t> input;
  std::vector<int64_t> weight;
};

// A model with one Conv node `conv` over input `x`; `configure` sets its attributes.
model_builder::OnnxModelBuilder ConvModel(const ConvCase& shapes,
                                          void (*configure)(model_builder::NodeAttributeWriter&),
                                          bool bias = false) {
  auto builder = BuilderWithInput(shapes.input);
  model_builder::WeightGenerator weights(7);
  int64_t count = 1;
  for (int64_t extent : shapes.weight) count *= extent;
  builder.AddInitializer("w", shapes.weight, weights.Uniform(count, -1.0f, 1.0f));
  std::vector<std::string> inputs = {"x", "w"};
  if (bias) {
    builder.AddInitializer("b", {shapes.weight[0]}, weights.Uniform(shapes.weight[0], -1, 1));
    inputs.push_back("b");
  }
  auto node = builder.AddNode("Conv", inputs, {"y"}, "conv");
  configure(node);
  builder.AddOutput("y", {});
  return builder;
}

TEST(ConvImportTest, ExplicitPadsStridesAndBias) {
  // Explicit asymmetric pads and strides give the ONNX output extent and land in ConvParams.
  auto builder = ConvModel({{1, 3, 10, 9}, {4, 3, 3, 3}}, [](auto& node) {
    node.Ints("pads", {1, 0, 2, 1}).Ints("strides", {2, 3});
  }, /*bias=*/true);
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* conv = FindLayer(result->graph, "conv");
  ASSERT_NE(conv, nullptr);
  const auto& params = conv->Params<graph::ConvParams>();
  EXPECT_EQ(params.pad_top, 1);
  EXPECT_EQ(params.pad_left, 0);
  EXPECT_EQ(params.pad_bottom, 2);
  EXPECT_EQ(params.pad_right, 1);
  EXPECT_EQ(params.stride_h, 2);
  EXPECT_EQ(params.stride_w, 3);
  // H: (10 + 3 - 3) / 2 + 1 = 6; W: (9 + 1 - 3) / 3 + 1 = 3.
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 4, 6, 3}));
  EXPECT_EQ(conv->channel_bias.size(), 4u);
  EXPECT_TRUE(conv->channel_scale.empty());
  EXPECT_EQ(result->graph.tensor(*conv->weight).shape, (graph::Shape{4, 3, 3, 3}));
}

TEST(ConvImportTest, SameUpperPutsOddPaddingAtTheEnd) {
  // SAME_UPPER with stride 2 on an even extent needs one padding row, placed at the end.
  auto builder = ConvModel({{1, 2, 8, 8}, {2, 2, 3, 3}}, [](auto& node) {
    node.String("auto_pad", "SAME_UPPER").Ints("strides", {2, 2});
  });
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& params = result->graph.layer(0).Params<graph::ConvParams>();
  EXPECT_EQ(params.pad_top, 0);
  EXPECT_EQ(params.pad_bottom, 1);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, 4, 4}));
}

TEST(ConvImportTest, SameLowerPutsOddPaddingAtTheBeginning) {
  // SAME_LOWER mirrors SAME_UPPER: the odd padding row goes first.
  auto builder = ConvModel({{1, 2, 8, 8}, {2, 2, 2, 2}}, [](auto& node) {
    node.String("auto_pad", "SAME_LOWER");
  });
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& params = result->graph.layer(0).Params<graph::ConvParams>();
  EXPECT_EQ(params.pad_top, 1);
  EXPECT_EQ(params.pad_bottom, 0);
  EXPECT_EQ(params.pad_left, 1);
  EXPECT_EQ(params.pad_right, 0);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, 8, 8}));
}

TEST(ConvImportTest, ValidIgnoresPads) {
  // VALID uses no padding even when pads are present.
  auto builder = ConvModel({{1, 2, 7, 7}, {2, 2, 3, 3}}, [](auto& node) {
    node.String("auto_pad", "VALID").Ints("strides", {2, 2});
  });
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& params = result->graph.layer(0).Params<graph::ConvParams>();
  EXPECT_EQ(params.pad_top + params.pad_bottom + params.pad_left + params.pad_right, 0);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, 3, 3}));
}

TEST(ConvImportTest, GroupedDilatedAndDepthwise) {
  // Groups, dilations and the depthwise case (groups == channels) are kept, and the MAC
  // count uses C / groups.
  auto grouped = ConvModel({{1, 8, 12, 12}, {6, 4, 3, 3}}, [](auto& node) {
    node.Int("group", 2).Ints("dilations", {2, 2}).Ints("pads", {2, 2, 2, 2});
  });
  auto result = Import(grouped);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& params = result->graph.layer(0).Params<graph::ConvParams>();
  EXPECT_EQ(params.groups, 2);
  EXPECT_EQ(params.dilation_h, 2);
  EXPECT_EQ(params.dilation_w, 2);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 6, 12, 12}));
  EXPECT_EQ(result->graph.MacCount(), 6 * 12 * 12 * 4 * 9);

  auto depthwise = ConvModel({{1, 8, 6, 6}, {8, 1, 3, 3}}, [](auto& node) {
    node.Int("group", 8).Ints("pads", {1, 1, 1, 1});
  });
  result = Import(depthwise);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layer(0).Params<graph::ConvParams>().groups, 8);
  EXPECT_EQ(result->graph.MacCount(), 8 * 6 * 6 * 9);
}

TEST(ConvImportTest, OneDimensionalConvIsTensorOpWithMacs) {
  // A Conv over [N, C, L] has no conv layer form because rank 3 is rows x features. It runs
  // as a tensor op that counts its multiply-accumulates.
  auto builder = ConvModel({{1, 2, 10}, {3, 2, 3}}, [](auto& node) {
    node.Ints("pads", {1, 1}).Ints("strides", {2});
  });
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer& layer = result->graph.layer(0);
  ASSERT_EQ(layer.kind, graph::LayerKind::kTensorOp);
  const auto& params = layer.Params<graph::TensorOpParams>();
  EXPECT_EQ(params.output_dims, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(params.mac_count, 1 * 3 * 5 * 2 * 3);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{3, 5, 1, 1}));
  EXPECT_EQ(result->graph.OutputOf(0).onnx_dims, (std::vector<int64_t>{1, 3, 5}));
}

TEST(ConvImportTest, RejectsUnknownAutoPad) {
  // An auto_pad value outside the ONNX set is an invalid attribute naming node and value.
  auto builder = ConvModel({{1, 2, 8, 8}, {2, 2, 3, 3}}, [](auto& node) {
    node.String("auto_pad", "SAME_MIDDLE");
  });
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "test.onnx: node 'conv' (op 'Conv'): attribute 'auto_pad' has invalid value "
            "'SAME_MIDDLE'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
}

TEST(ConvImportTest, RejectsGroupThatDoesNotDivideChannels) {
  // group must divide the input channels and match the weight's channels per group.
  auto builder = ConvModel({{1, 6, 8, 8}, {4, 2, 3, 3}}, [](auto& node) {
    node.Int("group", 4);
  });
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'conv' (op 'Conv'): attribute 'group' has invalid value 4"));
}

TEST(ConvImportTest, RejectsZeroStride) {
  // A stride of 0 is rejected with the attribute and its value.
  auto builder = ConvModel({{1, 2, 8, 8}, {2, 2, 3, 3}}, [](auto& node) {
    node.Ints("strides", {1, 0});
  });
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'conv' (op 'Conv'): attribute 'strides' has invalid value [1, 0]; "
                        "every entry must be at least 1"));
}

TEST(ConvImportTest, RejectsKernelShapeThatDisagreesWithWeight) {
  // kernel_shape must equal the weight's spatial extents.
  auto builder = ConvModel({{1, 2, 8, 8}, {2, 2, 3, 3}}, [](auto& node) {
    node.Ints("kernel_shape", {5, 5});
  });
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("attribute 'kernel_shape' has invalid value "
                                                   "[5, 5]; the weight's spatial extents are "
                                                   "[3, 3]"));
}

TEST(ConvImportTest, WeightThatIsAGraphInputIsTensorOp) {
  // A weight computed at run time has no conv layer form; the Conv reads both operands as
  // a tensor op.
  auto builder = BuilderWithInput({1, 2, 4, 4});
  builder.AddInput("w", {2, 2, 1, 1});
  builder.AddNode("Conv", {"x", "w"}, {"y"}, "conv");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer& layer = result->graph.layer(0);
  ASSERT_EQ(layer.kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(layer.inputs.size(), 2u);
  EXPECT_EQ(layer.Params<graph::TensorOpParams>().mac_count, 1 * 2 * 4 * 4 * 2);
}

}  // namespace
}  // namespace soma::importer
