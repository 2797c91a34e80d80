// lower_fully_connected.cc: Gemm and MatMul with a constant right operand to a
// kFullyConnected layer with weight [K, C*H*W, 1, 1], and MatMul of rank-4 (or higher)
// operands to a kMatMul layer. Other forms return Unimplemented and become tensor
// operations.
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"

namespace soma::importer {

namespace {

// The right operand as a [out_features, in_features] row-major weight. MakeWeight's
// `already_out_by_in` is true when the ONNX data has that layout (Gemm transB=1). Otherwise
// the data is [in, out] and is transposed here. A fill stays a fill and keeps its name.
struct FullyConnectedWeight {
  std::string name;
  int64_t in_features = 0;
  int64_t out_features = 0;
  graph::ConstantData data;
};

FullyConnectedWeight MakeWeight(const std::string& name, const ConstantTensor& constant,
                                bool already_out_by_in) {
  FullyConnectedWeight weight;
  const int64_t rows = constant.dims[0];
  const int64_t columns = constant.dims[1];
  weight.in_features = already_out_by_in ? columns : rows;
  weight.out_features = already_out_by_in ? rows : columns;
  if (already_out_by_in || constant.fill.has_value()) {
    weight.name = name;
    weight.data = constant.ToGraphData();
    return weight;
  }
  weight.name = absl::StrCat(name, "_transposed");
  weight.data.values.resize(rows * columns);
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t column = 0; column < columns; ++column) {
      weight.data.values[column * rows + row] = static_cast<float>(constant.At(row * columns + column));
    }
  }
  return weight;
}

// The left operand of a fully connected layer: the value's own tensor when it is in the
// canonical layout or is a [N, C*H*W] flatten of an (N, C, H, W) tensor (the layer flattens
// C*H*W itself), else a canonical copy.
absl::StatusOr<ActivationValue> FullyConnectedOperand(const NodeScope& scope,
                                                      LoweringContext& context,
                                                      const ActivationValue& input) {
  const graph::Shape& shape = context.graph().tensor(input.tensor).shape;
  const bool flattened = input.dims.size() == 2 && input.dims[0] == shape[graph::kN] &&
                         input.dims[1] == shape[graph::kC] * shape[graph::kH] * shape[graph::kW];
  if (flattened) return input;
  return CanonicalOperand(scope, context, scope.node.input(0));
}

// Checks that the activation's tensor contains `rows` rows of `in_features` elements each (a
// flattened view of a rank-4 tensor qualifies, because the layer flattens C*H*W).
absl::Status CheckInputFeatures(const NodeScope& scope, LoweringContext& context,
                                const ActivationValue& input, int64_t rows, int64_t in_features) {
  const graph::Shape& shape = context.graph().tensor(input.tensor).shape;
  const int64_t tensor_features = shape[graph::kC] * shape[graph::kH] * shape[graph::kW];
  if (shape[graph::kN] != rows || tensor_features != in_features) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": input '", scope.node.input(0), "' has shape ", DimsToString(input.dims),
        " (tensor ", graph::ShapeToString(shape), "), but the weight expects ", in_features,
        " input features per row"));
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeOutcome> AddFullyConnected(const NodeScope& scope, LoweringContext& context,
                                              const ActivationValue& input,
                                              FullyConnectedWeight weight,
                                              std::vector<float> scale, std::vector<float> bias,
                                              const std::vector<int64_t>& output_dims) {
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kFullyConnected;
  layer.params = graph::FullyConnectedParams{};
  layer.inputs = {input.tensor};
  layer.weight = context.ConstantGraphTensor(
      weight.name, graph::Shape{weight.out_features, weight.in_features, 1, 1},
      std::move(weight.data));
  layer.channel_scale = std::move(scale);
  layer.channel_bias = std::move(bias);
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), output_dims);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

// Gemm's C as a per-output-feature bias times beta; C must not vary along rows.
absl::StatusOr<std::vector<float>> GemmBias(const NodeScope& scope, const ConstantTensor& c,
                                            int64_t out_features, float beta) {
  const std::vector<int64_t>& dims = c.dims;
  const int64_t count = c.ElementCount();
  const bool per_feature = count == 1 || (dims.size() >= 1 && dims.back() == out_features &&
                                          count == out_features);
  if (!per_feature) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": C '", scope.node.input(2), "' has shape ", DimsToString(dims),
        "; only a bias per output feature ([", out_features, "], [1, ", out_features,
        "] or a scalar) is supported"));
  }
  std::vector<float> bias(out_features);
  for (int64_t k = 0; k < out_features; ++k) bias[k] = beta * c.At(count == 1 ? 0 : k);
  return bias;
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerGemm(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  auto b = context.ConstantInput(scope, 1, "weight");
  if (!b.ok()) return b.status();
  auto trans_a = scope.attributes.Int("transA", 0);
  if (!trans_a.ok()) return trans_a.status();
  auto trans_b = scope.attributes.Int("transB", 0);
  if (!trans_b.ok()) return trans_b.status();
  auto alpha = scope.attributes.Float("alpha", 1.0f);
  if (!alpha.ok()) return alpha.status();
  auto beta = scope.attributes.Float("beta", 1.0f);
  if (!beta.ok()) return beta.status();

  if (*trans_a != 0) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": transA=", *trans_a, " is not supported; only transA=0 lowers to a "
        "fully connected layer"));
  }
  if (*trans_b != 0 && *trans_b != 1) {
    return scope.attributes.InvalidValue("transB", absl::StrCat(*trans_b), "expected 0 or 1");
  }
  if (input->dims.size() != 2 || (*b)->dims.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": Gemm needs rank-2 operands; found A ", DimsToString(input->dims),
        " and B ", DimsToString((*b)->dims)));
  }
  FullyConnectedWeight weight = MakeWeight(scope.node.input(1), **b, *trans_b == 1);
  if (weight.in_features != input->dims[1]) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": A ", DimsToString(input->dims), " and B ", DimsToString((*b)->dims),
        " (transB=", *trans_b, ") disagree on the reduction extent"));
  }
  std::vector<float> scale;
  if (*alpha != 1.0f) scale.assign(weight.out_features, *alpha);
  std::vector<float> bias;
  if (LoweringContext::HasInput(scope, 2)) {
    auto c = context.ConstantInput(scope, 2, "bias");
    if (!c.ok()) return c.status();
    auto gemm_bias = GemmBias(scope, **c, weight.out_features, *beta);
    if (!gemm_bias.ok()) return gemm_bias.status();
    bias = std::move(*gemm_bias);
  }
  auto operand = FullyConnectedOperand(scope, context, *input);
  if (!operand.ok()) return operand.status();
  absl::Status status = CheckInputFeatures(scope, context, *operand, input->dims[0],
                                           weight.in_features);
  if (!status.ok()) return status;
  const std::vector<int64_t> output_dims = {input->dims[0], weight.out_features};
  return AddFullyConnected(scope, context, *operand, std::move(weight), std::move(scale),
                           std::move(bias), output_dims);
}

namespace {

// MatMul of rank-4 (or higher) operands whose canonical shapes are (a0, a1, M, K) and
// (b0, b1, K, N) with broadcastable batch extents, as a kMatMul layer. A constant right
// operand may have a lower rank; it is aligned to the left operand's rank.
absl::StatusOr<NodeOutcome> LowerBatchedMatMul(const NodeScope& scope, LoweringContext& context,
                                               const ActivationValue& a) {
  const std::string& b_name = scope.node.input(1);
  const ConstantTensor* b_constant = context.FindConstant(b_name);
  const ActivationValue* b_activation = context.FindActivation(b_name);
  const std::vector<int64_t> b_dims = b_constant != nullptr ? b_constant->dims
                                      : b_activation != nullptr ? b_activation->dims
                                                                : std::vector<int64_t>{};
  const size_t rank = a.dims.size();
  const bool shapes_fit = rank >= 4 && b_dims.size() >= 2 &&
                          (b_constant != nullptr ? b_dims.size() <= rank : b_dims.size() == rank);
  if (!shapes_fit || (b_activation == nullptr && b_constant == nullptr)) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": operands ", DimsToString(a.dims), " and ", DimsToString(b_dims),
        " are neither a fully connected layer nor a batched product of rank-4 operands"));
  }
  const std::vector<int64_t> b_aligned = AlignToRank(b_dims, rank);
  if (a.dims[rank - 1] != b_aligned[rank - 2]) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": operands ", DimsToString(a.dims), " and ", DimsToString(b_dims),
        " disagree on the reduction extent"));
  }
  const std::vector<int64_t> a_batch(a.dims.begin(), a.dims.end() - 2);
  const std::vector<int64_t> b_batch(b_aligned.begin(), b_aligned.end() - 2);
  const std::optional<std::vector<int64_t>> batch = BroadcastDims(a_batch, b_batch);
  if (!batch) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": the batch dimensions of ", DimsToString(a.dims), " and ",
        DimsToString(b_dims), " do not broadcast"));
  }
  std::vector<int64_t> output_dims = *batch;
  output_dims.push_back(a.dims[rank - 2]);
  output_dims.push_back(b_aligned[rank - 1]);
  const graph::Shape a_shape = CanonicalShape(a.dims);
  const graph::Shape b_shape = CanonicalShape(b_aligned);
  const graph::Shape output_shape = CanonicalShape(output_dims);
  for (int axis : {graph::kN, graph::kC}) {
    const bool a_fits = a_shape[axis] == output_shape[axis] || a_shape[axis] == 1;
    const bool b_fits = b_shape[axis] == output_shape[axis] || b_shape[axis] == 1;
    if (!a_fits || !b_fits) {
      return absl::UnimplementedError(absl::StrCat(
          scope.label, ": the batch broadcast of ", DimsToString(a.dims), " and ",
          DimsToString(b_dims), " is not expressible on canonical shapes"));
    }
  }

  auto a_operand = CanonicalOperand(scope, context, scope.node.input(0));
  if (!a_operand.ok()) return a_operand.status();
  graph::TensorId b_tensor = -1;
  if (b_constant != nullptr) {
    b_tensor = context.ConstantGraphTensor(b_name, b_shape, b_constant->ToGraphData());
  } else {
    auto b_operand = CanonicalOperand(scope, context, b_name);
    if (!b_operand.ok()) return b_operand.status();
    b_tensor = b_operand->tensor;
  }
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kMatMul;
  layer.params = graph::MatMulParams{};
  layer.inputs = {a_operand->tensor, b_tensor};
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), output_dims);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerMatMul(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  if (!LoweringContext::HasInput(scope, 1)) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": input 1 is missing"));
  }
  const ConstantTensor* b = context.FindConstant(scope.node.input(1));
  // A rows x features left operand (rank 1 to 3) with a rank-2 constant is fully connected.
  const bool fully_connected = b != nullptr && b->dims.size() == 2 && !input->dims.empty() &&
                               input->dims.size() <= 3;
  if (!fully_connected) return LowerBatchedMatMul(scope, context, *input);
  FullyConnectedWeight weight = MakeWeight(scope.node.input(1), *b, /*already_out_by_in=*/false);
  if (weight.in_features != input->dims.back()) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": operands ", DimsToString(input->dims), " and ", DimsToString(b->dims),
        " disagree on the reduction extent"));
  }
  const int64_t rows = DimsElementCount(input->dims) / input->dims.back();
  auto operand = FullyConnectedOperand(scope, context, *input);
  if (!operand.ok()) return operand.status();
  absl::Status status = CheckInputFeatures(scope, context, *operand, rows, weight.in_features);
  if (!status.ok()) return status;
  std::vector<int64_t> output_dims(input->dims.begin(), input->dims.end() - 1);
  output_dims.push_back(weight.out_features);
  return AddFullyConnected(scope, context, *operand, std::move(weight), {}, {}, output_dims);
}

}  // namespace soma::importer
