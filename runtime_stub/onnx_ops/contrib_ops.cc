// contrib_ops.cc: com.microsoft contrib operators of ONNX Runtime (activations, FusedMatMul,
// BiasAdd) and the experimental operators of ONNX 1.0 to 1.2 (Crop, ImageScaler, Affine,
// ScaledTanh, ParametricSoftplus). Also registers the transformer kernels of
// contrib_attention.cc and contrib_normalization.cc.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "onnx_ops/contrib_kernels.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {
namespace {

// sqrt(2 / pi) and the cubic coefficient of the tanh approximation of GELU.
constexpr double kGeluTanhScale = 0.7978845608028654;
constexpr double kGeluTanhCubic = 0.044715;
// QuickGelu's default alpha: x * sigmoid(1.702 x) approximates GELU.
constexpr float kDefaultQuickGeluAlpha = 1.702f;

double GeluErf(double x) { return 0.5 * x * (1.0 + std::erf(x * M_SQRT1_2)); }

double GeluTanh(double x) {
  return 0.5 * x * (1.0 + std::tanh(kGeluTanhScale * (x + kGeluTanhCubic * x * x * x)));
}

// A copy of input 0; InvalidArgument when absent or not numeric.
absl::StatusOr<HostTensor> NumericInput(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *input, 0));
  return *input;
}

// Input 0, plus input `bias_slot` when present (broadcast to input 0's dims), as a new
// tensor of input 0's element type. Addition happens in the element type, as in ONNX
// Runtime's fused kernels.
absl::StatusOr<HostTensor> InputPlusBias(const OpCall& call, size_t bias_slot) {
  ASSIGN_OR_RETURN(HostTensor sum, NumericInput(call));
  const HostTensor* bias = OptionalInput(call, bias_slot);
  if (bias == nullptr) return sum;
  ASSIGN_OR_RETURN(const std::vector<int64_t> dims,
                   BroadcastDims(sum.dims, bias->dims, call.label));
  if (dims != sum.dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": bias with dims ", DimsToString(bias->dims),
        " must broadcast to the input dims ", DimsToString(sum.dims)));
  }
  BroadcastCursor cursor(bias->dims, sum.dims);
  for (double& value : sum.values) {
    value = RoundToType(value + bias->values[cursor.offset()], sum.elem_type);
    cursor.Advance();
  }
  return sum;
}

// Applies `function` to every element and rounds to the element type.
template <typename Function>
std::vector<HostTensor> MapValues(HostTensor tensor, Function function) {
  for (double& value : tensor.values) value = function(value);
  RoundTensor(tensor);
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(tensor));
  return outputs;
}

absl::StatusOr<std::vector<HostTensor>> RunFastGelu(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor sum, InputPlusBias(call, 1));
  return MapValues(std::move(sum), GeluTanh);
}

absl::StatusOr<std::vector<HostTensor>> RunBiasGelu(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor sum, InputPlusBias(call, 1));
  return MapValues(std::move(sum), GeluErf);
}

absl::StatusOr<std::vector<HostTensor>> RunGelu(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor input, NumericInput(call));
  return MapValues(std::move(input), GeluErf);
}

absl::StatusOr<std::vector<HostTensor>> RunQuickGelu(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor input, NumericInput(call));
  const double alpha = FloatAttribute(call.node, "alpha", kDefaultQuickGeluAlpha);
  return MapValues(std::move(input),
                   [alpha](double x) { return x / (1.0 + std::exp(-alpha * x)); });
}

// BiasAdd: X + bias + skip, with X and skip [N, S, C] and bias [C].
absl::StatusOr<std::vector<HostTensor>> RunBiasAdd(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor sum, InputPlusBias(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* skip, RequiredInput(call, 2));
  if (skip->dims != sum.dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": skip must have the input dims ", DimsToString(sum.dims), ", found ",
        DimsToString(skip->dims)));
  }
  for (size_t i = 0; i < sum.values.size(); ++i) sum.values[i] += skip->values[i];
  return MapValues(std::move(sum), [](double x) { return x; });
}

// FusedMatMul: alpha * op(A) x op(B), where op transposes the last two axes when transA /
// transB is set; batch axes broadcast as in MatMul.
absl::StatusOr<std::vector<HostTensor>> RunFusedMatMul(const OpCall& call) {
  for (const char* name : {"transBatchA", "transBatchB"}) {
    if (IntAttribute(call.node, name, 0) != 0) {
      return UnsupportedAttribute(call.node, name, "1", "transpose the batch axes before");
    }
  }
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* b, RequiredInput(call, 1));
  if (a->dims.empty() || b->dims.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": inputs must have rank 1 or more, found ",
                     DimsToString(a->dims), " and ", DimsToString(b->dims)));
  }
  const bool a_vector = a->dims.size() == 1;
  const bool b_vector = b->dims.size() == 1;
  const bool trans_a = !a_vector && IntAttribute(call.node, "transA", 0) != 0;
  const bool trans_b = !b_vector && IntAttribute(call.node, "transB", 0) != 0;
  std::vector<int64_t> a_dims = a_vector ? std::vector<int64_t>{1, a->dims[0]} : a->dims;
  std::vector<int64_t> b_dims = b_vector ? std::vector<int64_t>{b->dims[0], 1} : b->dims;
  const int64_t a_rows = a_dims[a_dims.size() - 2];
  const int64_t a_columns = a_dims.back();
  const int64_t b_rows = b_dims[b_dims.size() - 2];
  const int64_t b_columns = b_dims.back();
  const int64_t m = trans_a ? a_columns : a_rows;
  const int64_t k = trans_a ? a_rows : a_columns;
  const int64_t n = trans_b ? b_rows : b_columns;
  if ((trans_b ? b_columns : b_rows) != k) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": inner dims differ: A ", DimsToString(a->dims), " and B ",
        DimsToString(b->dims), " with transA ", trans_a, ", transB ", trans_b));
  }
  const std::vector<int64_t> a_batch(a_dims.begin(), a_dims.end() - 2);
  const std::vector<int64_t> b_batch(b_dims.begin(), b_dims.end() - 2);
  ASSIGN_OR_RETURN(const std::vector<int64_t> batch,
                   BroadcastDims(a_batch, b_batch, call.label));
  const std::vector<int64_t> a_map = BroadcastIndexMap(a_batch, batch);
  const std::vector<int64_t> b_map = BroadcastIndexMap(b_batch, batch);

  std::vector<int64_t> output_dims = batch;
  if (!a_vector) output_dims.push_back(m);
  if (!b_vector) output_dims.push_back(n);
  HostTensor output = MakeTensor(a->elem_type, output_dims);
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  for (int64_t batch_index = 0; batch_index < DimsProduct(batch); ++batch_index) {
    const double* a_matrix = &a->values[a_map[batch_index] * a_rows * a_columns];
    const double* b_matrix = &b->values[b_map[batch_index] * b_rows * b_columns];
    double* out = &output.values[batch_index * m * n];
    for (int64_t row = 0; row < m; ++row) {
      for (int64_t column = 0; column < n; ++column) {
        double dot = 0.0;
        for (int64_t inner = 0; inner < k; ++inner) {
          const double a_value = trans_a ? a_matrix[inner * a_columns + row]
                                         : a_matrix[row * a_columns + inner];
          const double b_value = trans_b ? b_matrix[column * b_columns + inner]
                                         : b_matrix[inner * b_columns + column];
          dot += a_value * b_value;
        }
        out[row * n + column] = alpha * dot;
      }
    }
  }
  RoundTensor(output);
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(output));
  return outputs;
}

// ---- Experimental operators of ONNX 1.0 to 1.2 ----

absl::StatusOr<std::vector<HostTensor>> RunAffine(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor input, NumericInput(call));
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  const double beta = FloatAttribute(call.node, "beta", 0.0f);
  return MapValues(std::move(input), [alpha, beta](double x) { return alpha * x + beta; });
}

absl::StatusOr<std::vector<HostTensor>> RunScaledTanh(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor input, NumericInput(call));
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  const double beta = FloatAttribute(call.node, "beta", 1.0f);
  return MapValues(std::move(input),
                   [alpha, beta](double x) { return alpha * std::tanh(beta * x); });
}

absl::StatusOr<std::vector<HostTensor>> RunParametricSoftplus(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor input, NumericInput(call));
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  const double beta = FloatAttribute(call.node, "beta", 1.0f);
  return MapValues(std::move(input),
                   [alpha, beta](double x) { return alpha * std::log1p(std::exp(beta * x)); });
}

// InvalidArgument unless `input` is a rank-4 NCHW tensor.
absl::Status CheckImage(const OpCall& call, const HostTensor& input) {
  if (input.dims.size() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": input must have rank 4 (N, C, H, W), found ", DimsToString(input.dims)));
  }
  return absl::OkStatus();
}

// ImageScaler: y = scale * x + bias[c].
absl::StatusOr<std::vector<HostTensor>> RunImageScaler(const OpCall& call) {
  ASSIGN_OR_RETURN(HostTensor image, NumericInput(call));
  RETURN_IF_ERROR(CheckImage(call, image));
  const double scale = FloatAttribute(call.node, "scale", 1.0f);
  const std::vector<float> bias =
      FloatsAttribute(call.node, "bias").value_or(std::vector<float>());
  const int64_t channels = image.dims[1];
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != channels) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": attribute 'bias' must have one value per channel (", channels,
        "), found ", bias.size()));
  }
  const int64_t plane = image.dims[2] * image.dims[3];
  for (int64_t index = 0; index < image.ElementCount(); ++index) {
    const int64_t channel = (index / plane) % channels;
    image.values[index] = scale * image.values[index] + (bias.empty() ? 0.0 : bias[channel]);
  }
  return MapValues(std::move(image), [](double x) { return x; });
}

// Crop: border = (left, top, right, bottom); with scale = (height, width) the crop starts
// at (top, left) and has that size, otherwise every border is removed.
absl::StatusOr<std::vector<HostTensor>> RunCrop(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckImage(call, *input));
  const std::vector<int64_t> border =
      IntsAttribute(call.node, "border").value_or(std::vector<int64_t>());
  const std::vector<int64_t> scale =
      IntsAttribute(call.node, "scale").value_or(std::vector<int64_t>());
  if (border.size() != 4 || (!scale.empty() && scale.size() != 2)) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": attribute 'border' needs 4 values and 'scale' 0 or 2, found ",
        border.size(), " and ", scale.size()));
  }

  const int64_t height = input->dims[2];
  const int64_t width = input->dims[3];
  const int64_t left = border[0];
  const int64_t top = border[1];
  const int64_t bottom_limit = scale.empty() ? height - border[3] : top + scale[0];
  const int64_t right_limit = scale.empty() ? width - border[2] : left + scale[1];
  if (left < 0 || top < 0 || bottom_limit > height || right_limit > width ||
      bottom_limit <= top || right_limit <= left) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": crop rows [", top, ", ", bottom_limit, ") and columns [", left, ", ",
        right_limit, ") do not fit the input of ", height, "x", width));
  }

  const int64_t out_height = bottom_limit - top;
  const int64_t out_width = right_limit - left;
  HostTensor output =
      MakeTensor(input->elem_type, {input->dims[0], input->dims[1], out_height, out_width});
  const int64_t planes = input->dims[0] * input->dims[1];
  for (int64_t plane = 0; plane < planes; ++plane) {
    for (int64_t row = 0; row < out_height; ++row) {
      const double* source = &input->values[(plane * height + top + row) * width + left];
      double* target = &output.values[(plane * out_height + row) * out_width];
      std::copy(source, source + out_width, target);
    }
  }
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(output));
  return outputs;
}

}  // namespace

void RegisterContribOps(OpTable& table) {
  const std::string ms = "com.microsoft/";
  table[ms + "Attention"] = {
      RunAttention,
      "mask_index of rank 4, past_present_share_buffer, do_rotary and inputs from "
      "past_sequence_length on not supported"};
  table[ms + "SkipLayerNormalization"] = {RunSkipLayerNormalization, ""};
  table[ms + "SkipSimplifiedLayerNormalization"] = {RunSkipSimplifiedLayerNormalization, ""};
  table[ms + "EmbedLayerNormalization"] = {RunEmbedLayerNormalization, ""};
  table[ms + "FastGelu"] = {RunFastGelu, ""};
  table[ms + "BiasGelu"] = {RunBiasGelu, ""};
  table[ms + "Gelu"] = {RunGelu, ""};
  table[ms + "QuickGelu"] = {RunQuickGelu, ""};
  table[ms + "BiasAdd"] = {RunBiasAdd, ""};
  table[ms + "FusedMatMul"] = {RunFusedMatMul, "transBatchA and transBatchB not supported"};
  // ONNX Runtime registers SimplifiedLayerNormalization in the default domain.
  table["/SimplifiedLayerNormalization"] = {RunSimplifiedLayerNormalization, ""};

  table["/Affine"] = {RunAffine, ""};
  table["/Crop"] = {RunCrop, ""};
  table["/ImageScaler"] = {RunImageScaler, ""};
  table["/ParametricSoftplus"] = {RunParametricSoftplus, ""};
  table["/ScaledTanh"] = {RunScaledTanh, ""};
}

}  // namespace soma::onnx_ops
