// new_layer_kinds_pipeline_test.cc: an attention block (MatMul and vector tensor operations)
// and a host tensor operation between convs, scheduled by every strategy, emitted as a
// command stream and replayed at all three levels.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "alloc/buffer_allocation.h"
#include "arch/cost_model.h"
#include "codegen/codegen.h"
#include "kernels/reference_executor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "replay/functional_replay.h"
#include "replay/structural_replay.h"
#include "replay/timing_replay.h"
#include "schedule/plan_layout.h"
#include "schedule/strategy.h"
#include "util/graph_builder.h"

namespace soma::replay {
namespace {

using graph::LayerGraph;
using graph::TensorId;
using schedule::StrategyKind;
using soma::testing::GraphBuilder;
using soma::testing::TensorOpSpec;
using ::testing::HasSubstr;

arch::ArchConfig SmallAccelerator() {
  arch::ArchConfig config;
  config.name = "new-kinds-test";
  config.clock_hz = 1'000'000'000;
  config.pe_rows = 2;
  config.pe_cols = 2;
  config.vector_width = 8;
  config.lanes = 8;
  config.vector_ops_per_cycle = 64;
  config.buffer_bytes = 64 * 1024;
  config.buffer_alignment_bytes = 64;
  config.buffer_bandwidth_bytes_per_cycle = 64;
  config.dram_bandwidth_bytes_per_second = 8'000'000'000;
  config.dma_queues = 2;
  config.activation_bytes = 1;
  config.weight_bytes = 1;
  config.mac_energy_pj = 0.02;
  config.vector_op_energy_pj = 0.09;
  config.buffer_read_energy_pj_per_byte = 1.5;
  config.buffer_write_energy_pj_per_byte = 1.6;
  config.dram_energy_pj_per_byte = 80;
  return config;
}

onnx::NodeProto Node(const std::string& op_type, const std::vector<std::string>& inputs) {
  onnx::NodeProto node;
  node.set_name(op_type + "_node");
  node.set_op_type(op_type);
  for (const std::string& input : inputs) node.add_input(input);
  node.add_output(op_type + "_out");
  return node;
}

void AddIntsAttribute(const std::string& name, const std::vector<int64_t>& values,
                      onnx::NodeProto* node) {
  onnx::AttributeProto* attribute = node->add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (int64_t value : values) attribute->add_ints(value);
}

void AddIntAttribute(const std::string& name, int64_t value, onnx::NodeProto* node) {
  onnx::AttributeProto* attribute = node->add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

// A Reshape of an [8, 16] feature matrix to the canonical matrix (1, 1, 8, 16) that a MatMul
// operand needs. The target shape is an embedded int64 constant.
TensorId ReshapeToMatrix(GraphBuilder& builder, const std::string& name, TensorId input) {
  onnx::TensorProto shape;
  shape.set_data_type(onnx::TensorProto::INT64);
  shape.add_dims(4);
  for (int64_t extent : {1, 1, 8, 16}) shape.add_int64_data(extent);
  TensorOpSpec spec;
  spec.op_type = "Reshape";
  spec.node_proto = Node("Reshape", {"features", "shape"}).SerializeAsString();
  spec.embedded_inputs = {{1, shape.SerializeAsString()}};
  spec.input_dims = {{8, 16}};
  spec.output_shape = {1, 1, 8, 16};
  return builder.TensorOp(name, {input}, spec);
}

// X [8, 64] -> FC Q, K, V -> Transpose of K -> MatMul Q*K^T -> Softmax -> MatMul scores*V.
LayerGraph AttentionBlock() {
  GraphBuilder builder("attention");
  const TensorId x = builder.Input("x", {8, 64, 1, 1});
  const TensorId q = ReshapeToMatrix(builder, "q_matrix", builder.FullyConnected("q", x, 16));
  const TensorId k = builder.FullyConnected("k", x, 16);
  const TensorId v = ReshapeToMatrix(builder, "v_matrix", builder.FullyConnected("v", x, 16));

  onnx::NodeProto transpose = Node("Transpose", {"k"});
  AddIntsAttribute("perm", {1, 0}, &transpose);
  TensorOpSpec transpose_spec;
  transpose_spec.op_type = "Transpose";
  transpose_spec.node_proto = transpose.SerializeAsString();
  transpose_spec.input_dims = {{8, 16}};
  transpose_spec.output_shape = {1, 1, 16, 8};
  transpose_spec.output_dims = {16, 8};
  const TensorId k_transposed = builder.TensorOp("k_transpose", {k}, transpose_spec);

  const TensorId scores = builder.MatMul("scores", q, k_transposed);
  onnx::NodeProto softmax = Node("Softmax", {"scores"});
  AddIntAttribute("axis", -1, &softmax);
  TensorOpSpec softmax_spec;
  softmax_spec.op_type = "Softmax";
  softmax_spec.node_proto = softmax.SerializeAsString();
  softmax_spec.input_dims = {{8, 8}};
  softmax_spec.output_shape = {1, 1, 8, 8};
  softmax_spec.output_dims = {8, 8};
  const TensorId probabilities = builder.TensorOp("softmax", {scores}, softmax_spec);
  builder.Output(builder.MatMul("context", probabilities, v));
  return builder.Build();
}

// conv -> Relu on the host -> conv.
LayerGraph HostOpBetweenConvs() {
  GraphBuilder builder("host_relu");
  const TensorId x = builder.Input("x", {1, 8, 16, 16});
  const TensorId c1 = builder.Conv("conv1", x, 16, {.relu = false});
  TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.node_proto = Node("Relu", {"conv1_out"}).SerializeAsString();
  spec.output_shape = {1, 16, 16, 16};
  spec.unit = graph::ExecutionUnit::kHost;
  spec.host_reason = "marked host by the test";
  const TensorId relu = builder.TensorOp("host_relu", {c1}, spec);
  builder.Output(builder.Conv("conv2", relu, 8));
  return builder.Build();
}

// Two activations multiplied, (1, 1, 64, 128) x (1, 1, 128, 64) at 8 KiB each, then a tensor
// operation on the product. In a 16 KiB buffer the MatMul must be tiled.
LayerGraph LargeMatMul() {
  GraphBuilder builder("large_matmul");
  const TensorId a = builder.Input("a", {1, 1, 64, 128});
  const TensorId b = builder.Input("b", {1, 1, 128, 64});
  const TensorId product = builder.MatMul("product", a, b);
  TensorOpSpec spec;
  spec.op_type = "Relu";
  spec.node_proto = Node("Relu", {"product"}).SerializeAsString();
  spec.output_shape = {1, 1, 64, 64};
  builder.Output(builder.TensorOp("relu", {product}, spec));
  return builder.Build();
}

// x (1, 4, 8, 8) plus a constant (1, 4, 1, 1) per-channel offset, as an ONNX Add tensor
// operation whose second operand is a float constant graph tensor.
LayerGraph TensorOpWithConstant() {
  GraphBuilder builder("tensor_op_constant");
  const TensorId x = builder.Input("x", {1, 4, 8, 8});
  const TensorId offset = builder.Constant("offset", {1, 4, 1, 1});
  TensorOpSpec spec;
  spec.op_type = "Add";
  spec.node_proto = Node("Add", {"x", "offset"}).SerializeAsString();
  spec.output_shape = {1, 4, 8, 8};
  builder.Output(builder.TensorOp("add", {x, offset}, spec));
  return builder.Build();
}

struct Replayed {
  schedule::Program program;
  StructuralReport structural;
  TimingReport timing;
  FunctionalReport functional;
};

// Schedules, allocates, emits and replays `graph` with `strategy`, failing the test on an
// error.
void CompileAndReplay(const LayerGraph& graph, StrategyKind strategy, Replayed* out,
                      int64_t buffer_bytes = 64 * 1024) {
  arch::ArchConfig config_for_test = SmallAccelerator();
  config_for_test.buffer_bytes = buffer_bytes;
  const arch::CostModel cost_model(config_for_test);
  schedule::ScheduleOptions options;
  options.strategy = strategy;
  options.stage1_rounds = 100;
  options.stage2_rounds = 500;
  options.buffer_passes = 1;
  absl::StatusOr<schedule::Program> program = schedule::RunStrategy(graph, cost_model, options);
  ASSERT_TRUE(program.ok()) << program.status();
  const arch::ArchConfig& config = cost_model.config();
  absl::StatusOr<alloc::BufferAllocation> allocation =
      alloc::AllocateBuffer(*program, config.buffer_bytes, config.buffer_alignment_bytes);
  ASSERT_TRUE(allocation.ok()) << allocation.status();
  absl::StatusOr<stream::CommandStream> command_stream =
      codegen::EmitCommandStream(graph, *program, *allocation, config);
  ASSERT_TRUE(command_stream.ok()) << command_stream.status();

  absl::StatusOr<StructuralReport> structural = ReplayStructural(*command_stream);
  ASSERT_TRUE(structural.ok()) << structural.status();
  absl::StatusOr<TimingReport> timing = ReplayTiming(*command_stream);
  ASSERT_TRUE(timing.ok()) << timing.status();
  FunctionalOptions functional_options;
  functional_options.seed = 7;
  functional_options.tolerance = 1e-6;
  absl::StatusOr<FunctionalReport> functional =
      ReplayFunctional(*command_stream, functional_options);
  ASSERT_TRUE(functional.ok()) << functional.status();
  out->program = *std::move(program);
  out->structural = *std::move(structural);
  out->timing = *std::move(timing);
  out->functional = *std::move(functional);
}

class NewLayerKindsPipelineTest : public ::testing::TestWithParam<StrategyKind> {};

TEST_P(NewLayerKindsPipelineTest, AttentionBlockReplaysExactly) {
  // Every replay level accepts the attention block's stream, the timing equals the
  // scheduler's estimate, and the outputs equal the reference executor's.
  const LayerGraph graph = AttentionBlock();
  Replayed replayed;
  ASSERT_NO_FATAL_FAILURE(CompileAndReplay(graph, GetParam(), &replayed));
  EXPECT_TRUE(replayed.structural.ok()) << replayed.structural.Summary();
  EXPECT_TRUE(replayed.timing.ok()) << replayed.timing.Summary();
  EXPECT_EQ(replayed.timing.latency_cycles, replayed.program.latency_cycles);
  EXPECT_TRUE(replayed.functional.ok()) << replayed.functional.Summary();
  ASSERT_EQ(replayed.functional.outputs.size(), 1u);
  EXPECT_LE(replayed.functional.outputs[0].error, 1e-6);
}

TEST_P(NewLayerKindsPipelineTest, HostTensorOpBetweenConvsReplaysExactly) {
  // A host tensor operation runs as one tile between two convs, and the stream
  // replays at all three levels.
  const LayerGraph graph = HostOpBetweenConvs();
  Replayed replayed;
  ASSERT_NO_FATAL_FAILURE(CompileAndReplay(graph, GetParam(), &replayed));
  EXPECT_TRUE(replayed.structural.ok()) << replayed.structural.Summary();
  EXPECT_TRUE(replayed.timing.ok()) << replayed.timing.Summary();
  EXPECT_EQ(replayed.timing.latency_cycles, replayed.program.latency_cycles);
  EXPECT_TRUE(replayed.functional.ok()) << replayed.functional.Summary();
  ASSERT_EQ(replayed.functional.outputs.size(), 1u);
  EXPECT_LE(replayed.functional.outputs[0].error, 1e-6);
  int host_tiles = 0;
  for (const schedule::ComputeOp& op : replayed.program.compute_ops) host_tiles += op.layer == 1;
  EXPECT_EQ(host_tiles, 1);
}

TEST_P(NewLayerKindsPipelineTest, TiledMatMulReplaysExactly) {
  // A MatMul cut into several tiles by the 16 KiB buffer replays at all three levels.
  const LayerGraph graph = LargeMatMul();
  Replayed replayed;
  ASSERT_NO_FATAL_FAILURE(CompileAndReplay(graph, GetParam(), &replayed, 16 * 1024));
  EXPECT_TRUE(replayed.structural.ok()) << replayed.structural.Summary();
  EXPECT_TRUE(replayed.timing.ok()) << replayed.timing.Summary();
  EXPECT_EQ(replayed.timing.latency_cycles, replayed.program.latency_cycles);
  EXPECT_TRUE(replayed.functional.ok()) << replayed.functional.Summary();
  int matmul_tiles = 0;
  for (const schedule::ComputeOp& op : replayed.program.compute_ops) matmul_tiles += op.layer == 0;
  EXPECT_GT(matmul_tiles, 1);
}

TEST_P(NewLayerKindsPipelineTest, TensorOpConstantOperandReplaysExactly) {
  // A float constant that a tensor operation reads is loaded from DRAM like any operand, and
  // the stream replays at all three levels.
  const LayerGraph graph = TensorOpWithConstant();
  Replayed replayed;
  ASSERT_NO_FATAL_FAILURE(CompileAndReplay(graph, GetParam(), &replayed));
  EXPECT_TRUE(replayed.structural.ok()) << replayed.structural.Summary();
  EXPECT_TRUE(replayed.timing.ok()) << replayed.timing.Summary();
  EXPECT_TRUE(replayed.functional.ok()) << replayed.functional.Summary();
  int constant_loads = 0;
  for (const schedule::TransferOp& transfer : replayed.program.transfers) {
    constant_loads += transfer.tensor == 1 && transfer.direction == schedule::TransferDirection::kLoad;
  }
  EXPECT_EQ(constant_loads, 1);
}

INSTANTIATE_TEST_SUITE_P(Strategies, NewLayerKindsPipelineTest,
                         ::testing::Values(StrategyKind::kLayerByLayer, StrategyKind::kCocco,
                                           StrategyKind::kSoma),
                         [](const ::testing::TestParamInfo<StrategyKind>& info) {
                           return std::string(schedule::StrategyKindName(info.param));
                         });

// Rows of `features` (8 x 64) times the rows of FC weight `weight` (16 x 64), plus the
// builder's bias of 0.02: an 8 x 16 matrix.
std::vector<double> Project(const std::vector<float>& features, const graph::Tensor& weight) {
  std::vector<double> out(8 * 16);
  for (int row = 0; row < 8; ++row) {
    for (int column = 0; column < 16; ++column) {
      double sum = 0;
      for (int k = 0; k < 64; ++k) {
        sum += static_cast<double>(features[row * 64 + k]) *
               static_cast<double>(weight.constant->values[column * 64 + k]);
      }
      out[row * 16 + column] = sum + 0.02;
    }
  }
  return out;
}

TEST(NewLayerKindsReferenceTest, AttentionMatchesFormula) {
  // The reference executor's attention output equals softmax(Q K^T) V computed in double
  // from the graph's weights, so MatMul, Reshape, Transpose and Softmax compute what they
  // claim and not only what the replay repeats.
  const LayerGraph graph = AttentionBlock();
  std::vector<float> x(8 * 64);
  for (size_t index = 0; index < x.size(); ++index) {
    x[index] = static_cast<float>(std::sin(0.37 * static_cast<double>(index)));
  }
  const auto outputs = kernels::ExecuteReference(graph, {{graph.inputs[0], x}});
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  const std::vector<float>& actual = outputs->at(graph.outputs[0]);
  ASSERT_EQ(actual.size(), 8u * 16u);

  const auto weight_of = [&](const std::string& layer_name) -> const graph::Tensor& {
    for (const graph::Layer& layer : graph.layers) {
      if (layer.name == layer_name) return graph.tensor(*layer.weight);
    }
    return graph.tensor(0);
  };
  const std::vector<double> q = Project(x, weight_of("q"));
  const std::vector<double> k = Project(x, weight_of("k"));
  const std::vector<double> v = Project(x, weight_of("v"));
  for (int row = 0; row < 8; ++row) {
    std::vector<double> scores(8);
    for (int column = 0; column < 8; ++column) {
      for (int d = 0; d < 16; ++d) scores[column] += q[row * 16 + d] * k[column * 16 + d];
    }
    const double max_score = *std::max_element(scores.begin(), scores.end());
    double total = 0;
    for (double& score : scores) total += score = std::exp(score - max_score);
    for (int d = 0; d < 16; ++d) {
      double expected = 0;
      for (int column = 0; column < 8; ++column) expected += scores[column] / total * v[column * 16 + d];
      EXPECT_NEAR(actual[row * 16 + d], expected, 1e-5 * (1 + std::abs(expected)))
          << "row " << row << " feature " << d;
    }
  }
}

TEST(NewLayerKindsPlanTest, TiledTensorOpIsRejected) {
  // A sub-group that contains a tensor operation without tiling runs as one tile.
  const LayerGraph graph = HostOpBetweenConvs();
  schedule::FusionPlan plan;
  plan.order = {0, 1, 2};
  plan.group_starts = {true, false, false};
  plan.subgroup_starts = {false, false, false};
  plan.tile_counts = {4};
  const absl::StatusOr<schedule::PlanLayout> layout = schedule::LayOutPlan(graph, plan);
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(layout.status().message(),
            "sub-group 0 (layers 'conv1', 'host_relu', 'conv2') has tile count 4, but tensor op "
            "layer 'host_relu' (Relu) reads its inputs whole and runs as one tile; set the "
            "sub-group's tile count to 1");
}

TEST(NewLayerKindsPlanTest, MatMulChannelSplitIsRejected) {
  // MatMul layers take no output-channel splits.
  const LayerGraph graph = AttentionBlock();
  schedule::FusionPlan plan;
  const int layer_count = static_cast<int>(graph.layers.size());
  for (int layer = 0; layer < layer_count; ++layer) plan.order.push_back(layer);
  plan.group_starts.assign(layer_count, true);
  plan.subgroup_starts.assign(layer_count, false);
  plan.tile_counts.assign(layer_count, 1);
  plan.channel_splits.assign(layer_count, 1);
  const int scores = 6;
  ASSERT_EQ(graph.layer(scores).name, "scores");
  plan.tile_counts[scores] = 2;
  plan.channel_splits[scores] = 2;
  const absl::StatusOr<schedule::PlanLayout> layout = schedule::LayOutPlan(graph, plan);
  EXPECT_THAT(layout.status().message(),
              HasSubstr("splits the output channels of a MatMul layer; channel splits are "
                        "supported for convolutions"));
}

}  // namespace
}  // namespace soma::replay
