// gpt2_block_model.cc: the GPT-2 block writer (gpt2-small-prefill, gpt2-small-decode,
// gpt2-xl-prefill, gpt2-xl-decode).
//
// Q, K and V have separate projections. Each weight is the [in, out] operand of a MatMul
// followed by a bias Add. GELU is the exact (Erf) form, written as the chain Div, Erf,
// Add, Mul, Mul.
#include "model_builder/gpt2_block_model.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model_builder/onnx_model_builder.h"
#include "model_builder/weight_generator.h"

namespace soma::model_builder {

namespace {

constexpr int64_t kOpset = 17;
constexpr float kLayerNormEpsilon = 1e-5f;
// The value GPT-2 adds to the scores of future tokens.
constexpr float kMaskedScore = -1e4f;

struct NamedSize {
  const char* name;
  int64_t d_model;
  int64_t heads;
  int64_t mlp_width;
  int64_t block_count;
  int64_t default_seq;
};

constexpr NamedSize kSmall{"gpt2-small", 768, 12, 3072, 12, 512};
constexpr NamedSize kXl{"gpt2-xl", 1600, 25, 6400, 48, 1024};

// Adds nodes and parameters for one block and counts its MACs and parameters.
class BlockWriter {
 public:
  BlockWriter(std::string graph_name, WeightMode mode, uint32_t seed)
      : builder_(std::move(graph_name), kOpset), weights_(seed), mode_(mode) {}

  OnnxModelBuilder& builder() { return builder_; }

  // A float parameter of `dims`: uniform in [low, high) in kRandom mode, a ConstantOfShape
  // filled with `fill` in kOmitted mode.
  void Parameter(const std::string& name, const std::vector<int64_t>& dims, float low,
                 float high, float fill) {
    const int64_t count = Count(dims);
    parameter_count_ += count;
    if (mode_ == WeightMode::kRandom) {
      builder_.AddInitializer(name, dims, weights_.Uniform(count, low, high));
      return;
    }
    Fill(name, dims, fill);
  }

  // A [in, out] MatMul weight: FanInScaled in kRandom mode, filled with 1 / in otherwise.
  void Weight(const std::string& name, int64_t in, int64_t out) {
    parameter_count_ += in * out;
    if (mode_ == WeightMode::kRandom) {
      builder_.AddInitializer(name, {in, out}, weights_.FanInScaled(in * out, in));
      return;
    }
    Fill(name, {in, out}, 1.0f / static_cast<float>(in));
  }

  // A scalar constant of shape [1].
  std::string Scalar(const std::string& name, float value) {
    builder_.AddInitializer(name, {1}, {value});
    return name;
  }

  // A one-input, one-output node `name` writing `name`_out.
  std::string Node(const std::string& op_type, const std::string& name,
                   const std::vector<std::string>& inputs) {
    const std::string output = name + "_out";
    builder_.AddNode(op_type, inputs, {output}, name);
    return output;
  }

  // LayerNormalization over the last axis with parameters `name`_gamma and `name`_beta.
  std::string LayerNorm(const std::string& name, const std::string& input, int64_t width) {
    Parameter(name + "_gamma", {width}, 0.5f, 1.5f, 1.0f);
    Parameter(name + "_beta", {width}, -0.1f, 0.1f, 0.0f);
    const std::string output = name + "_out";
    builder_.AddNode("LayerNormalization", {input, name + "_gamma", name + "_beta"}, {output},
                     name)
        .Int("axis", -1)
        .Float("epsilon", kLayerNormEpsilon);
    return output;
  }

  // MatMul of `input` ([rows, in] per batch) with the weight `name`_w [in, out], then the
  // bias Add `name`_bias with `name`_b [out].
  std::string Linear(const std::string& name, const std::string& input, int64_t rows, int64_t in,
                     int64_t out) {
    Weight(name + "_w", in, out);
    Parameter(name + "_b", {out}, -0.1f, 0.1f, 0.0f);
    mac_count_ += rows * in * out;
    const std::string product = Node("MatMul", name, {input, name + "_w"});
    return Node("Add", name + "_bias", {product, name + "_b"});
  }

  // MatMul of two activations; `macs` is the caller's count of its multiply-accumulates.
  std::string MatMul(const std::string& name, const std::string& left, const std::string& right,
                     int64_t macs) {
    mac_count_ += macs;
    return Node("MatMul", name, {left, right});
  }

  std::string Transpose(const std::string& name, const std::string& input,
                        const std::vector<int64_t>& perm) {
    const std::string output = name + "_out";
    builder_.AddNode("Transpose", {input}, {output}, name).Ints("perm", perm);
    return output;
  }

  // Reshape to the constant target `name`_shape.
  std::string Reshape(const std::string& name, const std::string& input,
                      const std::vector<int64_t>& shape) {
    builder_.AddInt64Initializer(name + "_shape", {static_cast<int64_t>(shape.size())}, shape);
    return Node("Reshape", name, {input, name + "_shape"});
  }

  BuiltModel Finish() const {
    BuiltModel built;
    built.model = builder_.Build();
    built.mac_count = mac_count_;
    built.parameter_count = parameter_count_;
    return built;
  }

 private:
  static int64_t Count(const std::vector<int64_t>& dims) {
    int64_t count = 1;
    for (int64_t extent : dims) count *= extent;
    return count;
  }

  void Fill(const std::string& name, const std::vector<int64_t>& dims, float fill) {
    const std::string shape_name = name + "_shape";
    builder_.AddInt64Initializer(shape_name, {static_cast<int64_t>(dims.size())}, dims);
    builder_.AddNode("ConstantOfShape", {shape_name}, {name}, name + "_fill")
        .Tensor("value", FloatTensor("", {1}, {fill}));
  }

  OnnxModelBuilder builder_;
  WeightGenerator weights_;
  WeightMode mode_;
  int64_t mac_count_ = 0;
  int64_t parameter_count_ = 0;
};

// The [1, 1, S, S] causal mask: 0 where the key is at or before the query, kMaskedScore
// after it.
std::vector<float> CausalMask(int64_t seq) {
  std::vector<float> mask(static_cast<size_t>(seq * seq), 0.0f);
  for (int64_t query = 0; query < seq; ++query) {
    for (int64_t key = query + 1; key < seq; ++key) mask[query * seq + key] = kMaskedScore;
  }
  return mask;
}

// GELU in the Erf form: x * 0.5 * (1 + Erf(x / sqrt 2)), node by node.
std::string Gelu(BlockWriter& writer, const std::string& name, const std::string& input) {
  const std::string root2 = writer.Scalar(name + "_sqrt2", static_cast<float>(std::sqrt(2.0)));
  const std::string one = writer.Scalar(name + "_one", 1.0f);
  const std::string half = writer.Scalar(name + "_half", 0.5f);
  const std::string scaled = writer.Node("Div", name + "_div", {input, root2});
  const std::string erf = writer.Node("Erf", name + "_erf", {scaled});
  const std::string shifted = writer.Node("Add", name + "_add", {erf, one});
  const std::string product = writer.Node("Mul", name + "_mul", {input, shifted});
  return writer.Node("Mul", name + "_mul_half", {product, half});
}

}  // namespace

std::vector<std::string> Gpt2BlockNames() {
  return {"gpt2-small-decode", "gpt2-small-prefill", "gpt2-xl-decode", "gpt2-xl-prefill"};
}

absl::StatusOr<Gpt2BlockSpec> Gpt2BlockSpecFor(const std::string& name, int64_t batch,
                                               std::optional<int64_t> seq) {
  Gpt2BlockSpec spec;
  const NamedSize* size = nullptr;
  for (const NamedSize* candidate : {&kSmall, &kXl}) {
    for (const char* phase : {"-prefill", "-decode"}) {
      if (name != absl::StrCat(candidate->name, phase)) continue;
      size = candidate;
      spec.phase = std::string(phase) == "-prefill" ? Gpt2Phase::kPrefill : Gpt2Phase::kDecode;
    }
  }
  if (size == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown GPT-2 block '", name,
                                                   "'; known GPT-2 blocks: ",
                                                   absl::StrJoin(Gpt2BlockNames(), ", ")));
  }
  if (batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--batch ", batch, " must be at least 1"));
  }
  if (seq.has_value() && *seq < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--seq ", *seq, " must be at least 1"));
  }
  spec.d_model = size->d_model;
  spec.heads = size->heads;
  spec.mlp_width = size->mlp_width;
  spec.block_count = size->block_count;
  spec.seq = seq.value_or(size->default_seq);
  spec.batch = batch;
  return spec;
}

absl::StatusOr<BuiltModel> BuildGpt2Block(const Gpt2BlockSpec& spec, WeightMode weights,
                                          uint32_t seed) {
  if (spec.d_model < 1 || spec.heads < 1 || spec.mlp_width < 1 || spec.seq < 1 ||
      spec.batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GPT-2 block: every extent must be at least 1, found D ", spec.d_model, ", heads ",
        spec.heads, ", MLP ", spec.mlp_width, ", seq ", spec.seq, ", batch ", spec.batch));
  }
  if (spec.d_model % spec.heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat("GPT-2 block: D ", spec.d_model,
                                                   " is not a multiple of the ", spec.heads,
                                                   " heads; choose D = heads * dk"));
  }
  const bool decode = spec.phase == Gpt2Phase::kDecode;
  const int64_t batch = spec.batch;
  const int64_t d_model = spec.d_model;
  const int64_t heads = spec.heads;
  const int64_t head_width = d_model / heads;
  // Tokens processed now (queries) and tokens attended to (keys).
  const int64_t queries = decode ? 1 : spec.seq;
  const int64_t keys = decode ? spec.seq + 1 : spec.seq;
  const int64_t rows = batch * queries;
  BlockWriter writer(decode ? "gpt2_block_decode" : "gpt2_block_prefill", weights, seed);
  OnnxModelBuilder& builder = writer.builder();

  // Step 1: inputs and the attention's projections, split into heads [B, H, queries, dk].
  builder.AddInput("x", {batch, queries, d_model});
  if (decode) {
    builder.AddInput("past_key", {batch, heads, spec.seq, head_width});
    builder.AddInput("past_value", {batch, heads, spec.seq, head_width});
  }
  const std::string ln1 = writer.LayerNorm("ln_1", "x", d_model);
  const std::vector<int64_t> split_shape = {batch, queries, heads, head_width};
  const std::vector<int64_t> to_heads = {0, 2, 1, 3};
  std::string q = writer.Linear("attn.q", ln1, rows, d_model, d_model);
  q = writer.Transpose("attn.q_heads", writer.Reshape("attn.q_split", q, split_shape), to_heads);
  std::string k = writer.Linear("attn.k", ln1, rows, d_model, d_model);
  k = writer.Reshape("attn.k_split", k, split_shape);
  std::string v = writer.Linear("attn.v", ln1, rows, d_model, d_model);
  v = writer.Transpose("attn.v_heads", writer.Reshape("attn.v_split", v, split_shape), to_heads);

  // Step 2: K^T as [B, H, dk, keys]; in decode form the new token joins the cache first.
  std::string k_transposed;
  if (decode) {
    k = writer.Transpose("attn.k_heads", k, to_heads);
    builder.AddNode("Concat", {"past_key", k}, {"present_key"}, "attn.present_key").Int("axis", 2);
    builder.AddNode("Concat", {"past_value", v}, {"present_value"}, "attn.present_value")
        .Int("axis", 2);
    v = "present_value";
    k_transposed = writer.Transpose("attn.k_transposed", "present_key", {0, 1, 3, 2});
  } else {
    k_transposed = writer.Transpose("attn.k_transposed", k, {0, 2, 3, 1});
  }

  // Step 3: scores, scale, causal mask, softmax, and the weighted sum of V.
  const int64_t attention_macs = batch * heads * queries * keys * head_width;
  std::string scores = writer.MatMul("attn.scores", q, k_transposed, attention_macs);
  const std::string scale = writer.Scalar(
      "attn.scale_factor", static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_width))));
  scores = writer.Node("Mul", "attn.scale", {scores, scale});
  if (!decode) {
    builder.AddInitializer("attn.causal_mask", {1, 1, spec.seq, spec.seq}, CausalMask(spec.seq));
    scores = writer.Node("Add", "attn.mask", {scores, "attn.causal_mask"});
  }
  const std::string probabilities = "attn.softmax_out";
  builder.AddNode("Softmax", {scores}, {probabilities}, "attn.softmax").Int("axis", -1);
  std::string attended = writer.MatMul("attn.context", probabilities, v, attention_macs);

  // Step 4: merge the heads, project, and add the residual.
  attended = writer.Transpose("attn.merge_heads", attended, to_heads);
  attended = writer.Reshape("attn.merge", attended, {batch, queries, d_model});
  const std::string projected = writer.Linear("attn.out", attended, rows, d_model, d_model);
  const std::string hidden = writer.Node("Add", "residual_1", {"x", projected});

  // Step 5: the MLP and the second residual.
  const std::string ln2 = writer.LayerNorm("ln_2", hidden, d_model);
  std::string mlp = writer.Linear("mlp.fc", ln2, rows, d_model, spec.mlp_width);
  mlp = Gelu(writer, "mlp.gelu", mlp);
  mlp = writer.Linear("mlp.proj", mlp, rows, spec.mlp_width, d_model);
  builder.AddNode("Add", {hidden, mlp}, {"y"}, "residual_2");

  builder.AddOutput("y", {batch, queries, d_model});
  if (decode) {
    builder.AddOutput("present_key", {batch, heads, keys, head_width});
    builder.AddOutput("present_value", {batch, heads, keys, head_width});
  }
  return writer.Finish();
}

}  // namespace soma::model_builder
