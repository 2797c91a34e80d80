// lower_fully_connected.cc: Gemm and MatMul with a constant right operand to a
// kFullyConnected layer with weight [K, C*H*W, 1, 1].
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"

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
  absl::Status status = CheckInputFeatures(scope, context, *input, input->dims[0],
                                           weight.in_features);
  if (!status.ok()) return status;

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
  const std::vector<int64_t> output_dims = {input->dims[0], weight.out_features};
  return AddFullyConnected(scope, context, *input, std::move(weight), std::move(scale),
                           std::move(bias), output_dims);
}

absl::StatusOr<NodeOutcome> LowerMatMul(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  if (context.FindActivation(scope.node.input(1)) != nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": both operands are computed at run time; only MatMul with a constant "
        "right operand (a fully connected layer) is supported"));
  }
  auto b = context.ConstantInput(scope, 1, "weight");
  if (!b.ok()) return b.status();
  if (input->dims.empty() || input->dims.size() > 2) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": left operand '", scope.node.input(0), "' has shape ",
        DimsToString(input->dims), "; only rank-1 and rank-2 left operands are supported"));
  }
  if ((*b)->dims.size() != 2) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": right operand '", scope.node.input(1), "' has shape ",
        DimsToString((*b)->dims), "; only a rank-2 constant right operand is supported"));
  }
  FullyConnectedWeight weight = MakeWeight(scope.node.input(1), **b, /*already_out_by_in=*/false);
  const int64_t rows = input->dims.size() == 2 ? input->dims[0] : 1;
  if (weight.in_features != input->dims.back()) {
    return absl::InvalidArgumentError(absl::StrCat(
        scope.label, ": operands ", DimsToString(input->dims), " and ",
        DimsToString((*b)->dims), " disagree on the reduction extent"));
  }
  absl::Status status = CheckInputFeatures(scope, context, *input, rows, weight.in_features);
  if (!status.ok()) return status;
  std::vector<int64_t> output_dims = {weight.out_features};
  if (input->dims.size() == 2) output_dims.insert(output_dims.begin(), rows);
  return AddFullyConnected(scope, context, *input, std::move(weight), {}, {}, output_dims);
}

}  // namespace soma::importer
