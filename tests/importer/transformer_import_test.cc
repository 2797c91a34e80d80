// transformer_import_test.cc: attention blocks, layer normalization and GELU patterns, and
// the generic tensor-op lowering on models built in the test.
#include <cmath>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"
#include "importer/importer.h"
#include "importer/op_lowering.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::FindLayer;
using ::soma::importer::testing::FindPlacement;
using ::soma::importer::testing::Import;
using ::testing::HasSubstr;

const graph::TensorOpParams& TensorOp(const graph::Layer& layer) {
  return layer.Params<graph::TensorOpParams>();
}

// Adds `name` = MatMul(input, W) + b with constant W [in, out] and b [out].
std::string AddProjection(model_builder::OnnxModelBuilder& builder, const std::string& name,
                          const std::string& input, int64_t in, int64_t out) {
  builder.AddInitializer(name + "_w", {in, out}, std::vector<float>(in * out, 0.01f));
  builder.AddInitializer(name + "_b", {out}, std::vector<float>(out, 0.5f));
  builder.AddNode("MatMul", {input, name + "_w"}, {name + "_mm"}, name);
  builder.AddNode("Add", {name + "_mm", name + "_b"}, {name + "_out"}, name + "_bias");
  return name + "_out";
}

// Adds a reshape of `input` [1, 8, 16] to [1, 8, 2, 8] and a Transpose with `perm`.
std::string AddHeads(model_builder::OnnxModelBuilder& builder, const std::string& name,
                     const std::string& input, const std::vector<int64_t>& perm) {
  builder.AddNode("Reshape", {input, "heads_shape"}, {name + "_heads"}, name + "_reshape");
  builder.AddNode("Transpose", {name + "_heads"}, {name + "_t"}, name + "_transpose")
      .Ints("perm", perm);
  return name + "_t";
}

TEST(TransformerImportTest, AttentionBlockLayersAndPlacements) {
  // One self-attention block over x [1, 8, 16] with two heads. The projections are fully
  // connected layers with folded biases, and Q*K^T and scores*V are matmul layers. The head
  // transposes, the scaling Div, the last-axis Softmax of rank 4 and the LayerNormalization
  // operator are tensor ops.
  auto builder = BuilderWithInput({1, 8, 16}, /*opset=*/17);
  builder.AddInt64Initializer("heads_shape", {4}, {1, 8, 2, 8});
  builder.AddInt64Initializer("merge_shape", {3}, {1, 8, 16});
  builder.AddInitializer("scale", {}, {std::sqrt(8.0f)});
  builder.AddInitializer("gamma", {16}, std::vector<float>(16, 1.0f));
  builder.AddInitializer("beta", {16}, std::vector<float>(16, 0.0f));
  const std::string q = AddHeads(builder, "q", AddProjection(builder, "q_proj", "x", 16, 16),
                                 {0, 2, 1, 3});
  const std::string k = AddHeads(builder, "k", AddProjection(builder, "k_proj", "x", 16, 16),
                                 {0, 2, 3, 1});
  const std::string v = AddHeads(builder, "v", AddProjection(builder, "v_proj", "x", 16, 16),
                                 {0, 2, 1, 3});
  builder.AddNode("MatMul", {q, k}, {"scores"}, "qk");
  builder.AddNode("Div", {"scores", "scale"}, {"scaled"}, "scale_div");
  builder.AddNode("Softmax", {"scaled"}, {"probs"}, "softmax").Int("axis", -1);
  builder.AddNode("MatMul", {"probs", v}, {"context"}, "pv");
  builder.AddNode("Transpose", {"context"}, {"context_t"}, "merge_transpose")
      .Ints("perm", {0, 2, 1, 3});
  builder.AddNode("Reshape", {"context_t", "merge_shape"}, {"merged"}, "merge_reshape");
  const std::string out = AddProjection(builder, "o_proj", "merged", 16, 16);
  builder.AddNode("Add", {out, "x"}, {"residual"}, "residual");
  builder.AddNode("LayerNormalization", {"residual", "gamma", "beta"}, {"y"}, "ln")
      .Int("axis", -1);
  builder.AddOutput("y", {1, 8, 16});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::LayerGraph& graph = result->graph;
  EXPECT_TRUE(graph.Verify().ok());

  const graph::Layer* q_proj = FindLayer(graph, "q_proj");
  ASSERT_NE(q_proj, nullptr);
  EXPECT_EQ(q_proj->kind, graph::LayerKind::kFullyConnected);
  EXPECT_EQ(q_proj->channel_bias, std::vector<float>(16, 0.5f));
  EXPECT_EQ(graph.tensor(q_proj->output).shape, (graph::Shape{8, 16, 1, 1}));
  EXPECT_EQ(FindPlacement(result->placement, "q_proj_bias")->kind, PlacementKind::kFolded);
  EXPECT_EQ(FindPlacement(result->placement, "q_reshape")->kind, PlacementKind::kFolded);

  const graph::Layer* transpose = FindLayer(graph, "k_transpose");
  ASSERT_NE(transpose, nullptr);
  EXPECT_EQ(transpose->kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(TensorOp(*transpose).input_dims, (std::vector<std::vector<int64_t>>{{1, 8, 2, 8}}));
  EXPECT_EQ(TensorOp(*transpose).output_dims, (std::vector<int64_t>{1, 2, 8, 8}));

  const graph::Layer* qk = FindLayer(graph, "qk");
  ASSERT_NE(qk, nullptr);
  EXPECT_EQ(qk->kind, graph::LayerKind::kMatMul);
  ASSERT_EQ(qk->inputs.size(), 2u);
  EXPECT_EQ(graph.tensor(qk->output).shape, (graph::Shape{1, 2, 8, 8}));
  const graph::Layer* pv = FindLayer(graph, "pv");
  ASSERT_NE(pv, nullptr);
  EXPECT_EQ(pv->kind, graph::LayerKind::kMatMul);

  const graph::Layer* softmax = FindLayer(graph, "softmax");
  ASSERT_NE(softmax, nullptr);
  EXPECT_EQ(softmax->kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(FindLayer(graph, "scale_div")->kind, graph::LayerKind::kTensorOp);

  // The merged heads [1, 8, 16] are a view of the transposed (1, 8, 2, 8) tensor, so the
  // output projection reads a canonical copy.
  const graph::Layer* copy = FindLayer(graph, "o_proj/reshape_merged");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(FindLayer(graph, "o_proj")->inputs[0], copy->output);

  const graph::Layer* ln = FindLayer(graph, "ln");
  ASSERT_NE(ln, nullptr);
  EXPECT_EQ(ln->kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(TensorOp(*ln).op_type, "LayerNormalization");
  EXPECT_EQ(TensorOp(*ln).opset, 17);
  EXPECT_EQ(ln->inputs.size(), 3u);  // the residual sum, gamma and beta
  for (const Placement& placement : result->placement) {
    EXPECT_NE(placement.kind, PlacementKind::kError) << placement.node_name;
  }
}

// Adds the decomposed layer normalization of `input` over the last axis; returns its output.
std::string AddDecomposedLayerNorm(model_builder::OnnxModelBuilder& builder,
                                   const std::string& input, int64_t features) {
  builder.AddInitializer("two", {}, {2.0f});
  builder.AddInitializer("eps", {}, {1e-5f});
  builder.AddInitializer("ln_gamma", {features}, std::vector<float>(features, 2.0f));
  builder.AddInitializer("ln_beta", {features}, std::vector<float>(features, 1.0f));
  builder.AddNode("ReduceMean", {input}, {"mean"}, "mean").Ints("axes", {-1});
  builder.AddNode("Sub", {input, "mean"}, {"centered"}, "center");
  builder.AddNode("Pow", {"centered", "two"}, {"squared"}, "square");
  builder.AddNode("ReduceMean", {"squared"}, {"variance"}, "variance").Ints("axes", {-1});
  builder.AddNode("Add", {"variance", "eps"}, {"variance_eps"}, "add_eps");
  builder.AddNode("Sqrt", {"variance_eps"}, {"stddev"}, "sqrt");
  builder.AddNode("Div", {"centered", "stddev"}, {"normalized"}, "normalize");
  builder.AddNode("Mul", {"normalized", "ln_gamma"}, {"scaled"}, "gamma_mul");
  builder.AddNode("Add", {"scaled", "ln_beta"}, {"ln_out"}, "beta_add");
  return "ln_out";
}

TEST(TransformerImportTest, DecomposedLayerNormBecomesOneTensorOp) {
  // The nine-node decomposition over the last axis is one LayerNormalization tensor op
  // named after its last node; the other eight nodes fold into it.
  auto builder = BuilderWithInput({2, 4, 8}, /*opset=*/13);
  builder.AddNode("Relu", {"x"}, {"r"}, "relu");
  const std::string out = AddDecomposedLayerNorm(builder, "r", 8);
  builder.AddNode("Relu", {out}, {"y"}, "relu_out");
  builder.AddOutput("y", {2, 4, 8});

  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* ln = FindLayer(result->graph, "beta_add");
  ASSERT_NE(ln, nullptr);
  ASSERT_EQ(ln->kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(TensorOp(*ln).op_type, "LayerNormalization");
  EXPECT_EQ(TensorOp(*ln).opset, 17);
  // The normalisation is independent along the rows, so it runs on canonical shapes.
  EXPECT_GT(TensorOp(*ln).parallel_dims, 0);
  EXPECT_EQ(TensorOp(*ln).output_dims, (std::vector<int64_t>{8, 8, 1, 1}));
  EXPECT_EQ(ln->origins.size(), 9u);
  EXPECT_EQ(ln->origins.front(), "beta_add");
  onnx::NodeProto node;
  ASSERT_TRUE(node.ParseFromString(TensorOp(*ln).node_proto));
  EXPECT_EQ(node.input_size(), 3);
  EXPECT_EQ(node.input(0), "r");
  const Placement* beta_add = FindPlacement(result->placement, "beta_add");
  EXPECT_EQ(beta_add->kind, PlacementKind::kNpu);
  for (const char* name : {"mean", "center", "square", "variance", "add_eps", "sqrt",
                           "normalize", "gamma_mul"}) {
    const Placement* member = FindPlacement(result->placement, name);
    EXPECT_EQ(member->kind, PlacementKind::kFolded) << name;
    EXPECT_EQ(member->layer, beta_add->layer) << name;
  }
}

TEST(TransformerImportTest, LayerNormOtherAxisNodeByNode) {
  // Reducing axis 1 is no layer normalization over the features: each node is lowered on
  // its own, and none is an error.
  auto builder = BuilderWithInput({2, 4, 8}, /*opset=*/13);
  builder.AddInitializer("two", {}, {2.0f});
  builder.AddInitializer("eps", {}, {1e-5f});
  builder.AddNode("ReduceMean", {"x"}, {"mean"}, "mean").Ints("axes", {1});
  builder.AddNode("Sub", {"x", "mean"}, {"centered"}, "center");
  builder.AddNode("Pow", {"centered", "two"}, {"squared"}, "square");
  builder.AddNode("ReduceMean", {"squared"}, {"variance"}, "variance").Ints("axes", {1});
  builder.AddNode("Add", {"variance", "eps"}, {"variance_eps"}, "add_eps");
  builder.AddNode("Sqrt", {"variance_eps"}, {"stddev"}, "sqrt");
  builder.AddNode("Div", {"centered", "stddev"}, {"y"}, "normalize");
  builder.AddOutput("y", {2, 4, 8});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(FindLayer(result->graph, "mean")->kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(FindPlacement(result->placement, "sqrt")->kind, PlacementKind::kNpu);
  EXPECT_EQ(FindLayer(result->graph, "normalize")->Params<graph::TensorOpParams>().op_type,
            "Div");
}

TEST(TransformerImportTest, ErfGeluFoldsInBothForms) {
  // x * 0.5 * (1 + Erf(x / sqrt(2))) after a projection folds into its epilogue as kGelu. The
  // form with Mul by 1/sqrt(2) and the operands in the other order folds too.
  for (const bool divide : {true, false}) {
    auto builder = BuilderWithInput({2, 8, 16}, /*opset=*/13);
    builder.AddInitializer("sqrt2", {}, {std::sqrt(2.0f)});
    builder.AddInitializer("rsqrt2", {}, {1.0f / std::sqrt(2.0f)});
    builder.AddInitializer("one", {}, {1.0f});
    builder.AddInitializer("half", {}, {0.5f});
    const std::string h = AddProjection(builder, "fc", "x", 16, 32);
    if (divide) {
      builder.AddNode("Div", {h, "sqrt2"}, {"s"}, "scale");
    } else {
      builder.AddNode("Mul", {"rsqrt2", h}, {"s"}, "scale");
    }
    builder.AddNode("Erf", {"s"}, {"e"}, "erf");
    builder.AddNode("Add", {"one", "e"}, {"a"}, "plus_one");
    if (divide) {
      builder.AddNode("Mul", {h, "a"}, {"p"}, "times_x");
      builder.AddNode("Mul", {"p", "half"}, {"y"}, "times_half");
    } else {
      builder.AddNode("Mul", {"half", h}, {"p"}, "times_half");
      builder.AddNode("Mul", {"a", "p"}, {"y"}, "times_x");
    }
    builder.AddOutput("y", {2, 8, 32});
    auto result = Import(builder);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->graph.layers.size(), 1u) << (divide ? "Div form" : "Mul form");
    const graph::Layer& fc = result->graph.layer(0);
    EXPECT_EQ(fc.kind, graph::LayerKind::kFullyConnected);
    ASSERT_EQ(fc.activations.size(), 1u);
    EXPECT_EQ(fc.activations[0].kind, graph::ActivationKind::kGelu);
    for (const char* name : {"scale", "erf", "plus_one", "times_x", "times_half"}) {
      const Placement* placement = FindPlacement(result->placement, name);
      EXPECT_EQ(placement->kind, PlacementKind::kFolded) << name;
      EXPECT_EQ(placement->detail, "GELU folded into FullyConnected 'fc'") << name;
    }
  }
}

TEST(TransformerImportTest, TanhGeluOnGraphInputIsActivationLayer) {
  // The tanh form on a value without a foldable producer is one kActivation layer with
  // kGeluTanh; a lone Tanh after a projection folds as kTanh.
  auto builder = BuilderWithInput({4, 16}, /*opset=*/13);
  builder.AddInitializer("three", {}, {3.0f});
  builder.AddInitializer("cubic", {}, {0.044715f});
  builder.AddInitializer("sqrt_2_over_pi", {}, {std::sqrt(2.0f / static_cast<float>(M_PI))});
  builder.AddInitializer("one", {}, {1.0f});
  builder.AddInitializer("half", {}, {0.5f});

  builder.AddNode("Mul", {"x", "half"}, {"h"}, "half_x");
  builder.AddNode("Pow", {"x", "three"}, {"x3"}, "cube");
  builder.AddNode("Mul", {"x3", "cubic"}, {"c"}, "cubic_term");
  builder.AddNode("Add", {"x", "c"}, {"inner"}, "inner_sum");
  builder.AddNode("Mul", {"inner", "sqrt_2_over_pi"}, {"u"}, "scale");
  builder.AddNode("Tanh", {"u"}, {"t"}, "tanh");
  builder.AddNode("Add", {"t", "one"}, {"a"}, "plus_one");
  builder.AddNode("Mul", {"h", "a"}, {"g"}, "gelu_out");
  const std::string projected = AddProjection(builder, "fc", "g", 16, 16);
  builder.AddNode("Tanh", {projected}, {"y"}, "final_tanh");
  builder.AddOutput("y", {4, 16});

  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* gelu = FindLayer(result->graph, "gelu_out");
  ASSERT_NE(gelu, nullptr);
  EXPECT_EQ(gelu->kind, graph::LayerKind::kActivation);
  ASSERT_EQ(gelu->activations.size(), 1u);
  EXPECT_EQ(gelu->activations[0].kind, graph::ActivationKind::kGeluTanh);
  EXPECT_EQ(gelu->origins.size(), 8u);
  EXPECT_EQ(FindPlacement(result->placement, "tanh")->layer,
            FindPlacement(result->placement, "gelu_out")->layer);
  const graph::Layer* fc = FindLayer(result->graph, "fc");
  ASSERT_NE(fc, nullptr);
  ASSERT_EQ(fc->activations.size(), 1u);
  EXPECT_EQ(fc->activations[0].kind, graph::ActivationKind::kTanh);
}

TEST(TransformerImportTest, ShapeSubgraphFoldsToStaticReshape) {
  // Shape -> Gather -> Unsqueeze -> Concat, Size, Range and Cast on the known dims fold to
  // constants, so the Reshape target is static and the Reshape is a view.
  auto builder = BuilderWithInput({2, 3, 4}, /*opset=*/13);
  builder.AddInt64Initializer("zero", {}, {0});
  builder.AddInt64Initializer("minus_one", {1}, {-1});
  builder.AddInt64Initializer("axes0", {1}, {0});
  builder.AddInt64Initializer("step", {}, {1});
  builder.AddNode("Shape", {"x"}, {"shape"}, "shape");
  builder.AddNode("Gather", {"shape", "zero"}, {"batch"}, "gather").Int("axis", 0);
  builder.AddNode("Unsqueeze", {"batch", "axes0"}, {"batch1"}, "unsqueeze");
  builder.AddNode("Concat", {"batch1", "minus_one"}, {"target"}, "concat").Int("axis", 0);
  builder.AddNode("Reshape", {"x", "target"}, {"y"}, "reshape");
  builder.AddNode("Size", {"x"}, {"size"}, "size");
  builder.AddNode("Range", {"zero", "size", "step"}, {"range"}, "range");
  builder.AddNode("Cast", {"range"}, {"range_float"}, "cast").Int("to", 1);
  builder.AddOutput("y", {2, 12});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->graph.layers.empty() ||
              result->graph.layer(0).kind == graph::LayerKind::kTensorOp);
  for (const char* name : {"shape", "gather", "unsqueeze", "concat", "size", "range", "cast"}) {
    EXPECT_EQ(FindPlacement(result->placement, name)->kind, PlacementKind::kFolded) << name;
  }
  EXPECT_EQ(FindPlacement(result->placement, "range")->detail,
            "constant folded to shape [24]");
  EXPECT_EQ(FindPlacement(result->placement, "reshape")->detail,
            "view of tensor 'x' as [2, 12]");
  EXPECT_EQ(result->graph.tensor(result->graph.outputs[0]).onnx_dims,
            (std::vector<int64_t>{2, 12}));
}

TEST(TransformerImportTest, ValueDependentOutputShapeIsError) {
  // NonZero's output extent depends on the data, which the importer cannot know.
  auto builder = BuilderWithInput({2, 3}, /*opset=*/13);
  builder.AddNode("NonZero", {"x"}, {"y"}, "nonzero");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("output shape of node 'nonzero' (op 'NonZero') depends on run-time "
                        "values"));
}

TEST(TransformerImportTest, UnsupportedAttributeValueNamesNodeAndAttribute) {
  // An attribute value the interpreter does not implement fails with the node, the
  // attribute and the value.
  auto builder = BuilderWithInput({1, 8, 2, 2}, /*opset=*/13);
  builder.AddNode("DepthToSpace", {"x"}, {"y"}, "d2s").Int("blocksize", 2).String("mode", "ABC");
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'd2s' (op 'DepthToSpace'): attribute 'mode' = ABC is not "
                        "supported"));
}

TEST(TransformerImportTest, IntegerInputsFeedTensorOps) {
  // An int64 graph input (token ids) feeds a Gather of a float embedding table.
  model_builder::OnnxModelBuilder builder("test", 13);
  builder.AddTypedInput("ids", onnx::TensorProto::INT64, {1, 5});
  builder.AddInitializer("table", {10, 4}, std::vector<float>(40, 0.25f));
  builder.AddNode("Gather", {"table", "ids"}, {"y"}, "embed");
  builder.AddOutput("y", {1, 5, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const graph::Layer* embed = FindLayer(result->graph, "embed");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(TensorOp(*embed).input_elem_types,
            (std::vector<int32_t>{onnx::TensorProto::FLOAT, onnx::TensorProto::INT64}));
  EXPECT_EQ(TensorOp(*embed).input_slots, (std::vector<int>{0, 1}));
  EXPECT_EQ(result->graph.tensor(embed->inputs[0]).shape, (graph::Shape{10, 4, 1, 1}));
  EXPECT_TRUE(result->graph.tensor(embed->inputs[0]).IsConstant());
}

TEST(TransformerImportTest, SupportedOperatorRowsNamePlacement) {
  // The --soma-supported-ops rows are sorted, name the domain and give each placement.
  const std::vector<SupportedOperatorRow> rows = SupportedOperatorRows();
  ASSERT_FALSE(rows.empty());
  std::map<std::string, SupportedOperatorRow> by_name;
  for (size_t index = 0; index < rows.size(); ++index) {
    if (index > 0) {
      EXPECT_LT(rows[index - 1].name, rows[index].name);
    }
    by_name[rows[index].name] = rows[index];
  }
  ASSERT_EQ(by_name.count("ai.onnx.MatMul"), 1u);
  EXPECT_EQ(by_name["ai.onnx.MatMul"].placement,
            "npu fully_connected or npu matmul or vector tensor op");
  ASSERT_EQ(by_name.count("ai.onnx.Loop"), 1u);
  EXPECT_EQ(by_name["ai.onnx.Loop"].placement, "host");
  ASSERT_EQ(by_name.count("ai.onnx.Transpose"), 1u);
  EXPECT_EQ(by_name["ai.onnx.Transpose"].placement, "vector tensor op");
  ASSERT_EQ(by_name.count("com.microsoft.FastGelu"), 1u);
  EXPECT_EQ(by_name["com.microsoft.FastGelu"].placement, "host");
}

}  // namespace
}  // namespace soma::importer
