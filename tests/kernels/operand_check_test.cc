// operand_check_test.cc: RunKernel rejects calls whose regions miss what the layer reads or
// writes, naming the layer, the operand and both boxes.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernel_test_util.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using graph::Box;
using ::soma::testing::ConvOptions;
using ::soma::testing::GraphBuilder;
using ::testing::HasSubstr;
using testing::Values;

// A 3x3 pad-1 conv "conv" from x [1,8,16,16] to [1,4,16,16], with buffers large enough for
// any region of its tensors and a call for output rows [4, 8) with exactly fitting regions.
class OperandCheckTest : public ::testing::Test {
 protected:
  OperandCheckTest() {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 8, 16, 16});
    builder.Output(builder.Conv("conv", x, 4, ConvOptions{}));
    graph_ = builder.Build();
    call_.layer = 0;
    call_.output_box = Box{{0, 0, 4, 0}, {1, 4, 8, 16}};
    const Box input_region{{0, 0, 3, 0}, {1, 8, 9, 16}};
    call_.inputs = {{input_.data(), input_region, input_region}};
    const Box weight_region = Box::Full({4, 8, 3, 3});
    call_.weight = {graph_.tensor(*graph_.layer(0).weight).constant->values.data(), weight_region,
                    weight_region};
    call_.output = {output_.data(), call_.output_box};
  }

  graph::LayerGraph graph_;
  Values input_ = Values(8 * 16 * 16, 1.0f);
  Values output_ = Values(4 * 16 * 16, 0.0f);
  KernelCall call_;
};

TEST_F(OperandCheckTest, AcceptsExactRegions) {
  // The fixture's call is valid as built.
  EXPECT_TRUE(RunKernel(graph_, call_).ok());
}

TEST_F(OperandCheckTest, RejectsInputRegionWithoutHalo) {
  // Output rows [4, 8) need input rows [3, 9); a region of rows [4, 8) lacks the halo.
  call_.inputs[0].region = Box{{0, 0, 4, 0}, {1, 8, 8, 16}};
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'conv' (Conv): input 0 region [0:1,0:8,4:8,0:16] of tensor 'x' does not "
            "contain the needed box [0:1,0:8,3:9,0:16]; pass a region that covers the box "
            "InputBox returns");
}

TEST_F(OperandCheckTest, RejectsWeightRegionMissingRows) {
  // Output channels [0, 4) need weight rows [0, 4); the region covers rows [0, 2) only.
  call_.weight.region = Box{{0, 0, 0, 0}, {2, 8, 3, 3}};
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'conv' (Conv): weight region [0:2,0:8,0:3,0:3] of tensor 'conv_w' does not "
            "contain the needed box [0:4,0:8,0:3,0:3]; pass a region that covers the rows "
            "WeightBox returns, restricted to the input channel slice");
}

TEST_F(OperandCheckTest, RejectsOutputRegionSmallerThanBox) {
  // The output region must contain the whole output box.
  call_.output.region = Box{{0, 0, 4, 0}, {1, 4, 6, 16}};
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'conv' (Conv): output region [0:1,0:4,4:6,0:16] of tensor 'conv_out' does "
            "not contain the needed box [0:1,0:4,4:8,0:16]; pass an output region that covers "
            "the output box");
}

TEST_F(OperandCheckTest, RejectsOutputBoxOutsideTensor) {
  // Rows [14, 18) run past the 16-row output tensor.
  call_.output_box = Box{{0, 0, 14, 0}, {1, 4, 18, 16}};
  call_.output.region = call_.output_box;
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'conv' (Conv): output box [0:1,0:4,14:18,0:16] lies outside tensor "
            "'conv_out' of shape [1,4,16,16]");
}

TEST_F(OperandCheckTest, RejectsWrongOperandCount) {
  // One input operand per layer input.
  call_.inputs.push_back(call_.inputs[0]);
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'conv' (Conv): the call has 2 input operands, expected 1 (one per layer "
            "input)");
}

TEST_F(OperandCheckTest, RejectsEmptyChannelSlice) {
  // The input box selects the reduction slice; an empty channel range is a caller bug.
  call_.inputs[0].box.hi[graph::kC] = 0;
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("selects input channels [0, 0), expected a non-empty "
                                          "slice of [0, 8)"));
}

TEST_F(OperandCheckTest, RejectsWeightOutsideChannelSlice) {
  // A partial sum over input channels [4, 8) needs weight columns [4, 8).
  call_.inputs[0].box.lo[graph::kC] = 4;
  call_.weight.region = Box{{0, 0, 0, 0}, {4, 4, 3, 3}};
  const absl::Status status = RunKernel(graph_, call_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("weight region [0:4,0:4,0:3,0:3] of tensor 'conv_w' does not contain "
                        "the needed box [0:4,4:8,0:3,0:3]"));
}

TEST(OperandCheckKindTest, RejectsPartialSumsOfGroupedConv) {
  // A grouped conv reads whole groups; an input box over part of a group is rejected.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 4, 2, 2});
  builder.Output(builder.Conv("gconv", x, 2, ConvOptions{.kernel = 1, .pad = 0, .groups = 2}));
  const graph::LayerGraph graph = builder.Build();
  const Values input(16, 1.0f);
  Values output(8, 0.0f);
  KernelCall call;
  call.layer = 0;
  const Box in_box{{0, 0, 0, 0}, {1, 1, 2, 2}};
  const Box region = Box::Full({1, 4, 2, 2});
  call.inputs = {{input.data(), region, in_box}};
  call.weight = {graph.tensor(*graph.layer(0).weight).constant->values.data(),
                 Box::Full({2, 2, 1, 1}), Box::Full({2, 2, 1, 1})};
  call.output_box = Box{{0, 0, 0, 0}, {1, 1, 2, 2}};
  call.output = {output.data(), Box::Full({1, 2, 2, 2})};
  const absl::Status status = RunKernel(graph, call);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'gconv' (Conv): input 0 box [0:1,0:1,0:2,0:2] selects a slice of the input "
            "channels [0, 2), but partial sums need groups == 1; pass whole groups");
}

TEST(OperandCheckKindTest, RejectsAccumulateOnPool) {
  // Only Conv and FullyConnected accumulate partial sums.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 2, 2});
  builder.Output(builder.MaxPool("pool", x, 2, 2));
  const graph::LayerGraph graph = builder.Build();
  const Values input(4, 1.0f);
  Values output(1, 0.0f);
  KernelCall call;
  call.layer = 0;
  call.inputs = {{input.data(), Box::Full({1, 1, 2, 2}), Box::Full({1, 1, 2, 2})}};
  call.output_box = Box::Full({1, 1, 1, 1});
  call.output = {output.data(), call.output_box};
  call.accumulate = true;
  const absl::Status status = RunKernel(graph, call);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "layer 'pool' (Pool): accumulate = true and final_partial = true, but partial sums "
            "apply to Conv and FullyConnected only; pass accumulate = false and final_partial = "
            "true");
}

TEST(OperandCheckKindTest, RejectsEpilogueOfWrongSize) {
  // channel_bias needs one value per output channel.
  GraphBuilder builder;
  const auto x = builder.Input("x", {1, 1, 1, 1});
  builder.Output(builder.FullyConnected("fc", x, 3));
  graph::LayerGraph graph = builder.Build();
  graph.layers[0].channel_bias = {1.0f, 2.0f};
  auto result = testing::RunWhole(graph, 0, {{1.0f}});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "layer 'fc' (FullyConnected): channel_bias has 2 values, expected 0 or 3 (one per "
            "output channel)");
}

}  // namespace
}  // namespace soma::kernels
