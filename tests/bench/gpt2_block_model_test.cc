// gpt2_block_model_test.cc: the GPT-2 blocks have the analytic MAC and parameter counts,
// the documented inputs, outputs and opset, and reject invalid options.
#include "model_builder/gpt2_block_model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model_builder/benchmark_models.h"
#include "model_builder/onnx_model_builder.h"

namespace soma::model_builder {
namespace {

using ::testing::HasSubstr;

struct Dims {
  int64_t d_model;
  int64_t mlp_width;
};

// MatMul MACs of one prefill block over B sequences of S tokens: Q, K, V and the output
// projection (4 B S D^2), the MLP (2 B S D F), and Q K^T plus the weighted sum of V, each
// B H S S dk = B S^2 D.
int64_t PrefillMacs(Dims dims, int64_t batch, int64_t seq) {
  const int64_t d = dims.d_model;
  const int64_t f = dims.mlp_width;
  return batch * seq * (4 * d * d + 2 * d * f) + 2 * batch * seq * seq * d;
}

// The same for one decode step: one token per sequence against L cached plus one new key.
int64_t DecodeMacs(Dims dims, int64_t batch, int64_t cached) {
  const int64_t d = dims.d_model;
  const int64_t f = dims.mlp_width;
  return batch * (4 * d * d + 2 * d * f) + 2 * batch * (cached + 1) * d;
}

BuiltModel BuildOrDie(const std::string& name, int64_t batch, std::optional<int64_t> seq) {
  BenchmarkModelOptions options;
  options.weights = WeightMode::kOmitted;
  options.batch = batch;
  options.seq = seq;
  absl::StatusOr<BuiltModel> built = BuildBenchmarkModel(name, options);
  EXPECT_TRUE(built.ok()) << name << ": " << built.status();
  return built.ok() ? *std::move(built) : BuiltModel{};
}

std::vector<int64_t> ShapeOf(const onnx::ValueInfoProto& value) {
  std::vector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension& dim : value.type().tensor_type().shape().dim()) {
    shape.push_back(dim.dim_value());
  }
  return shape;
}

TEST(Gpt2BlockModelTest, MacsMatchAnalyticCount) {
  // Every form at its default length and at a short one, batches 1 and 4.
  const Dims small{768, 3072};
  const Dims xl{1600, 6400};
  for (int64_t batch : {1, 4}) {
    SCOPED_TRACE(batch);
    EXPECT_EQ(BuildOrDie("gpt2-small-prefill", batch, {}).mac_count,
              PrefillMacs(small, batch, 512));
    EXPECT_EQ(BuildOrDie("gpt2-small-decode", batch, {}).mac_count, DecodeMacs(small, batch, 512));
    EXPECT_EQ(BuildOrDie("gpt2-xl-prefill", batch, {}).mac_count, PrefillMacs(xl, batch, 1024));
    EXPECT_EQ(BuildOrDie("gpt2-xl-decode", batch, {}).mac_count, DecodeMacs(xl, batch, 1024));
    EXPECT_EQ(BuildOrDie("gpt2-small-prefill", batch, 8).mac_count, PrefillMacs(small, batch, 8));
    EXPECT_EQ(BuildOrDie("gpt2-xl-decode", batch, 8).mac_count, DecodeMacs(xl, batch, 8));
  }
  // GPT-2 small at 512 tokens: 4.03 GMAC per block.
  EXPECT_EQ(BuildOrDie("gpt2-small-prefill", 1, {}).mac_count, 4026531840);
}

TEST(Gpt2BlockModelTest, ParametersMatchGpt2Block) {
  // One block holds 12 D^2 + 13 D parameters: Q, K, V and output projections with biases,
  // the MLP with biases, and two LayerNormalizations. GPT-2 small: 7,087,872.
  EXPECT_EQ(BuildOrDie("gpt2-small-prefill", 1, {}).parameter_count, 12 * 768 * 768 + 13 * 768);
  EXPECT_EQ(BuildOrDie("gpt2-xl-decode", 1, {}).parameter_count, 12 * 1600 * 1600 + 13 * 1600);
  EXPECT_EQ(BuildOrDie("gpt2-small-prefill", 1, {}).parameter_count, 7087872);
}

TEST(Gpt2BlockModelTest, PrefillInputsAndOutputs) {
  // Prefill: one input x [B, S, D], one output y of the same shape, opset 17.
  const BuiltModel built = BuildOrDie("gpt2-small-prefill", 4, 16);
  const onnx::GraphProto& graph = built.model.graph();
  ASSERT_EQ(graph.input_size(), 1);
  EXPECT_EQ(ShapeOf(graph.input(0)), (std::vector<int64_t>{4, 16, 768}));
  ASSERT_EQ(graph.output_size(), 1);
  EXPECT_EQ(graph.output(0).name(), "y");
  EXPECT_EQ(ShapeOf(graph.output(0)), (std::vector<int64_t>{4, 16, 768}));
  ASSERT_EQ(built.model.opset_import_size(), 1);
  EXPECT_EQ(built.model.opset_import(0).version(), 17);
}

TEST(Gpt2BlockModelTest, DecodeInputsAndOutputs) {
  // Decode: x [B, 1, D] and the cache [B, H, L, dk] in; y and the cache grown by one out.
  const BuiltModel built = BuildOrDie("gpt2-xl-decode", 2, 32);
  const onnx::GraphProto& graph = built.model.graph();
  ASSERT_EQ(graph.input_size(), 3);
  EXPECT_EQ(ShapeOf(graph.input(0)), (std::vector<int64_t>{2, 1, 1600}));
  EXPECT_EQ(graph.input(1).name(), "past_key");
  EXPECT_EQ(ShapeOf(graph.input(1)), (std::vector<int64_t>{2, 25, 32, 64}));
  EXPECT_EQ(graph.input(2).name(), "past_value");
  ASSERT_EQ(graph.output_size(), 3);
  EXPECT_EQ(ShapeOf(graph.output(0)), (std::vector<int64_t>{2, 1, 1600}));
  EXPECT_EQ(graph.output(1).name(), "present_key");
  EXPECT_EQ(ShapeOf(graph.output(1)), (std::vector<int64_t>{2, 25, 33, 64}));
  EXPECT_EQ(graph.output(2).name(), "present_value");
  EXPECT_EQ(ShapeOf(graph.output(2)), (std::vector<int64_t>{2, 25, 33, 64}));
}

TEST(Gpt2BlockModelTest, GeluIsErfPattern) {
  // The MLP's GELU is Div by sqrt 2, Erf, Add 1, Mul by x and Mul by 0.5, and the block has
  // two LayerNormalization nodes and no Gelu node.
  const BuiltModel built = BuildOrDie("gpt2-small-prefill", 1, 8);
  std::vector<std::string> gelu_ops;
  int layer_norms = 0;
  for (const onnx::NodeProto& node : built.model.graph().node()) {
    if (node.name().rfind("mlp.gelu", 0) == 0) gelu_ops.push_back(node.op_type());
    layer_norms += node.op_type() == "LayerNormalization";
    EXPECT_NE(node.op_type(), "Gelu");
  }
  EXPECT_EQ(gelu_ops, (std::vector<std::string>{"Div", "Erf", "Add", "Mul", "Mul"}));
  EXPECT_EQ(layer_norms, 2);
}

TEST(Gpt2BlockModelTest, OmittedWeightsKeepFileSmall) {
  // With omitted weights only the causal mask (S x S floats) is stored.
  const BuiltModel built = BuildOrDie("gpt2-small-prefill", 1, {});
  EXPECT_LT(SerializeModel(built.model).size(), 512u * 512u * 4u + 64u * 1024u);
  EXPECT_LT(SerializeModel(BuildOrDie("gpt2-small-decode", 1, {}).model).size(), 64u * 1024u);
}

TEST(Gpt2BlockModelTest, InvalidOptionsAreRejected) {
  // Sequence and batch must be positive, --seq is for GPT-2 only and --input-size for CNNs.
  BenchmarkModelOptions options;
  options.seq = 0;
  EXPECT_THAT(BuildBenchmarkModel("gpt2-small-prefill", options).status().message(),
              HasSubstr("--seq 0 must be at least 1"));
  EXPECT_THAT(BuildBenchmarkModel("resnet50", options).status().message(),
              HasSubstr("--seq applies to the GPT-2 blocks only"));
  options.seq.reset();
  options.input_size = 32;
  EXPECT_THAT(BuildBenchmarkModel("gpt2-xl-decode", options).status().message(),
              HasSubstr("--input-size applies to the CNNs only"));
  EXPECT_THAT(Gpt2BlockSpecFor("gpt2-medium-prefill", 1, {}).status().message(),
              HasSubstr("unknown GPT-2 block 'gpt2-medium-prefill'"));
  Gpt2BlockSpec spec;
  spec.d_model = 30;
  spec.heads = 4;
  EXPECT_THAT(BuildGpt2Block(spec, WeightMode::kOmitted, 1).status().message(),
              HasSubstr("D 30 is not a multiple of the 4 heads"));
}

TEST(Gpt2BlockModelTest, NamedSpecsFollowGpt2) {
  // Small: D 768, 12 heads, MLP 3072, 12 blocks, 512 tokens; XL: 1600, 25, 6400, 48, 1024.
  absl::StatusOr<Gpt2BlockSpec> small = Gpt2BlockSpecFor("gpt2-small-decode", 16, {});
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->d_model, 768);
  EXPECT_EQ(small->heads, 12);
  EXPECT_EQ(small->mlp_width, 3072);
  EXPECT_EQ(small->block_count, 12);
  EXPECT_EQ(small->seq, 512);
  EXPECT_EQ(small->batch, 16);
  EXPECT_EQ(small->phase, Gpt2Phase::kDecode);
  absl::StatusOr<Gpt2BlockSpec> xl = Gpt2BlockSpecFor("gpt2-xl-prefill", 1, 64);
  ASSERT_TRUE(xl.ok()) << xl.status();
  EXPECT_EQ(xl->d_model, 1600);
  EXPECT_EQ(xl->heads, 25);
  EXPECT_EQ(xl->mlp_width, 6400);
  EXPECT_EQ(xl->block_count, 48);
  EXPECT_EQ(xl->seq, 64);
  EXPECT_EQ(xl->phase, Gpt2Phase::kPrefill);
}

}  // namespace
}  // namespace soma::model_builder
