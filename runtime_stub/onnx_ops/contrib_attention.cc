// contrib_attention.cc: the com.microsoft Attention operator (BERT and GPT-2 style
// self-attention with one fused QKV weight), as ONNX Runtime's contrib specification defines
// it.
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
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {
namespace {

// Input slots of com.microsoft Attention.
constexpr size_t kInputSlot = 0;
constexpr size_t kWeightsSlot = 1;
constexpr size_t kBiasSlot = 2;
constexpr size_t kMaskIndexSlot = 3;
constexpr size_t kPastSlot = 4;
constexpr size_t kRelativePositionBiasSlot = 5;
constexpr size_t kPastSequenceLengthSlot = 6;

// ONNX Runtime's default for masked scores before the mask_filter_value attribute existed.
constexpr float kDefaultMaskFilterValue = -10000.0f;

// Sizes of one Attention call: B, S, P (past) and T = P + S sequence positions, N heads.
struct AttentionDims {
  int64_t batch = 0;
  int64_t sequence = 0;
  int64_t input_hidden = 0;
  int64_t num_heads = 0;
  int64_t q_hidden = 0;
  int64_t k_hidden = 0;
  int64_t v_hidden = 0;
  int64_t head_size = 0;
  int64_t v_head_size = 0;
  int64_t past_sequence = 0;
  int64_t total_sequence = 0;
};

absl::Status CheckAttributes(const OpCall& call) {
  if (IntAttribute(call.node, "past_present_share_buffer", 0) != 0) {
    return UnsupportedAttribute(call.node, "past_present_share_buffer", "1",
                                "use separate past and present tensors");
  }
  if (IntAttribute(call.node, "do_rotary", 0) != 0) {
    return UnsupportedAttribute(call.node, "do_rotary", "1",
                                "apply rotary embeddings outside the Attention node");
  }
  for (const size_t slot : {kPastSequenceLengthSlot, size_t{7}}) {
    if (OptionalInput(call, slot) != nullptr) {
      return absl::UnimplementedError(absl::StrCat(
          call.label, ": input ", slot,
          " (past_sequence_length or later) is not supported; only inputs 0 to 5 are"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AttentionDims> ComputeDims(const OpCall& call, const HostTensor& input,
                                          const HostTensor& weights) {
  AttentionDims dims;
  if (input.dims.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": input must have rank 3 (batch, sequence, hidden), found ",
                     DimsToString(input.dims)));
  }
  dims.batch = input.dims[0];
  dims.sequence = input.dims[1];
  dims.input_hidden = input.dims[2];
  if (weights.dims.size() != 2 || weights.dims[0] != dims.input_hidden) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": weights must have dims [", dims.input_hidden,
        ", q+k+v hidden], found ", DimsToString(weights.dims)));
  }
  dims.num_heads = IntAttribute(call.node, "num_heads", 0);
  if (dims.num_heads <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": attribute 'num_heads' must be positive, found ", dims.num_heads));
  }

  const std::optional<std::vector<int64_t>> qkv_sizes =
      IntsAttribute(call.node, "qkv_hidden_sizes");
  if (qkv_sizes.has_value() && !qkv_sizes->empty()) {
    if (qkv_sizes->size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          call.label, ": attribute 'qkv_hidden_sizes' must have 3 values, found ",
          qkv_sizes->size()));
    }
    dims.q_hidden = (*qkv_sizes)[0];
    dims.k_hidden = (*qkv_sizes)[1];
    dims.v_hidden = (*qkv_sizes)[2];
  } else {
    dims.q_hidden = dims.k_hidden = dims.v_hidden = weights.dims[1] / 3;
  }
  if (dims.q_hidden + dims.k_hidden + dims.v_hidden != weights.dims[1]) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": weights have ", weights.dims[1], " columns but q, k and v hidden sizes ",
        dims.q_hidden, "+", dims.k_hidden, "+", dims.v_hidden, " need their sum"));
  }
  if (dims.q_hidden != dims.k_hidden || dims.q_hidden % dims.num_heads != 0 ||
      dims.v_hidden % dims.num_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": q and k hidden sizes must be equal and q and v hidden sizes divisible by ",
        "num_heads ", dims.num_heads, ", found q ", dims.q_hidden, ", k ", dims.k_hidden,
        ", v ", dims.v_hidden));
  }
  dims.head_size = dims.q_hidden / dims.num_heads;
  dims.v_head_size = dims.v_hidden / dims.num_heads;
  return dims;
}

absl::Status CheckPast(const OpCall& call, const HostTensor& past, AttentionDims& dims) {
  const std::vector<int64_t> expected = {2, dims.batch, dims.num_heads,
                                         past.dims.size() == 5 ? past.dims[3] : 0,
                                         dims.head_size};
  if (past.dims != expected || dims.head_size != dims.v_head_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": past must have dims [2, batch, num_heads, past_sequence, head_size] = ",
        DimsToString(expected), " with equal k and v head sizes, found ",
        DimsToString(past.dims)));
  }
  dims.past_sequence = past.dims[3];
  return absl::OkStatus();
}

// Additive mask of one batch entry, S x T: 0 where a query may attend a key, else
// `filter_value`. Covers mask_index forms [B] (end positions), [2B] (end then start
// positions), [B, T] and [B, S, T] (1 keeps, 0 masks) and the causal mask.
absl::StatusOr<std::vector<float>> BuildMask(const OpCall& call, const AttentionDims& dims,
                                             const HostTensor* mask_index, int64_t batch_index,
                                             float filter_value) {
  const int64_t rows = dims.sequence;
  const int64_t columns = dims.total_sequence;
  std::vector<float> mask(rows * columns, 0.0f);
  if (mask_index != nullptr) {
    const std::vector<int64_t>& mask_dims = mask_index->dims;
    const std::vector<double>& values = mask_index->values;
    if (mask_dims.size() == 1 &&
        (mask_dims[0] == dims.batch || mask_dims[0] == 2 * dims.batch)) {
      const int64_t end = static_cast<int64_t>(values[batch_index]);
      const int64_t start =
          mask_dims[0] == 2 * dims.batch ? static_cast<int64_t>(values[dims.batch + batch_index])
                                         : 0;
      for (int64_t row = 0; row < rows; ++row) {
        for (int64_t column = 0; column < columns; ++column) {
          if (column >= end || column < start) mask[row * columns + column] = filter_value;
        }
      }
    } else if (mask_dims == std::vector<int64_t>{dims.batch, columns}) {
      for (int64_t row = 0; row < rows; ++row) {
        for (int64_t column = 0; column < columns; ++column) {
          if (values[batch_index * columns + column] <= 0) {
            mask[row * columns + column] = filter_value;
          }
        }
      }
    } else if (mask_dims == std::vector<int64_t>{dims.batch, rows, columns}) {
      for (int64_t index = 0; index < rows * columns; ++index) {
        if (values[batch_index * rows * columns + index] <= 0) mask[index] = filter_value;
      }
    } else {
      return absl::UnimplementedError(absl::StrCat(
          call.label, ": input mask_index with dims ", DimsToString(mask_dims),
          " is not supported; expected [batch], [2*batch], [batch, total_sequence] or ",
          "[batch, sequence, total_sequence] with batch ", dims.batch, ", sequence ", rows,
          ", total_sequence ", columns));
    }
  }
  if (IntAttribute(call.node, "unidirectional", 0) != 0) {
    for (int64_t row = 0; row < rows; ++row) {
      for (int64_t column = dims.past_sequence + row + 1; column < columns; ++column) {
        mask[row * columns + column] = filter_value;
      }
    }
  }
  return mask;
}

// input x weights + bias for all B*S rows: [B*S, q_hidden + k_hidden + v_hidden], rounded to
// the element type as a fused GEMM output would be.
std::vector<double> ProjectQkv(const HostTensor& input, const HostTensor& weights,
                               const HostTensor* bias, const AttentionDims& dims) {
  const int64_t rows = dims.batch * dims.sequence;
  const int64_t columns = weights.dims[1];
  std::vector<double> projected(rows * columns, 0.0);
  for (int64_t row = 0; row < rows; ++row) {
    double* out = &projected[row * columns];
    for (int64_t inner = 0; inner < dims.input_hidden; ++inner) {
      const double x = input.values[row * dims.input_hidden + inner];
      const double* w = &weights.values[inner * columns];
      for (int64_t column = 0; column < columns; ++column) out[column] += x * w[column];
    }
    for (int64_t column = 0; column < columns; ++column) {
      if (bias != nullptr) out[column] += bias->values[column];
      out[column] = RoundToType(out[column], input.elem_type);
    }
  }
  return projected;
}

}  // namespace

absl::StatusOr<std::vector<HostTensor>> RunAttention(const OpCall& call) {
  // Step 1: check attributes and shapes.
  RETURN_IF_ERROR(CheckAttributes(call));
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, kInputSlot));
  ASSIGN_OR_RETURN(const HostTensor* weights, RequiredInput(call, kWeightsSlot));
  const HostTensor* bias = OptionalInput(call, kBiasSlot);
  const HostTensor* mask_index = OptionalInput(call, kMaskIndexSlot);
  const HostTensor* past = OptionalInput(call, kPastSlot);
  const HostTensor* position_bias = OptionalInput(call, kRelativePositionBiasSlot);
  ASSIGN_OR_RETURN(AttentionDims dims, ComputeDims(call, *input, *weights));
  if (bias != nullptr && bias->ElementCount() != weights->dims[1]) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": bias must have ", weights->dims[1], " elements, found ",
        DimsToString(bias->dims)));
  }
  if (past != nullptr) RETURN_IF_ERROR(CheckPast(call, *past, dims));
  dims.total_sequence = dims.past_sequence + dims.sequence;
  const std::vector<int64_t> bias_dims = {dims.num_heads, dims.sequence, dims.total_sequence};
  int64_t position_bias_batches = 0;
  if (position_bias != nullptr) {
    const std::vector<int64_t>& found = position_bias->dims;
    if (found.size() != 4 || (found[0] != 1 && found[0] != dims.batch) ||
        std::vector<int64_t>(found.begin() + 1, found.end()) != bias_dims) {
      return absl::InvalidArgumentError(absl::StrCat(
          call.label, ": relative_position_bias must have dims [batch or 1, ", dims.num_heads,
          ", ", dims.sequence, ", ", dims.total_sequence, "], found ", DimsToString(found)));
    }
    position_bias_batches = found[0];
  }

  // Step 2: project, then gather keys and values of past and current positions.
  const std::vector<double> qkv = ProjectQkv(*input, *weights, bias, dims);
  const int64_t qkv_columns = weights->dims[1];
  HostTensor present = MakeTensor(input->elem_type, {2, dims.batch, dims.num_heads,
                                                     dims.total_sequence, dims.head_size});
  // keys and values: [B, N, T, head_size] each.
  std::vector<double> keys(dims.batch * dims.k_hidden * dims.total_sequence);
  std::vector<double> values(dims.batch * dims.v_hidden * dims.total_sequence);
  for (int64_t b = 0; b < dims.batch; ++b) {
    for (int64_t h = 0; h < dims.num_heads; ++h) {
      for (int64_t t = 0; t < dims.total_sequence; ++t) {
        const int64_t key_base = ((b * dims.num_heads + h) * dims.total_sequence + t);
        for (int64_t d = 0; d < dims.head_size; ++d) {
          double key;
          if (t < dims.past_sequence) {
            key = past->values[((b * dims.num_heads + h) * dims.past_sequence + t) *
                                   dims.head_size + d];
          } else {
            key = qkv[(b * dims.sequence + t - dims.past_sequence) * qkv_columns +
                      dims.q_hidden + h * dims.head_size + d];
          }
          keys[key_base * dims.head_size + d] = key;
        }
        for (int64_t d = 0; d < dims.v_head_size; ++d) {
          double value;
          if (t < dims.past_sequence) {
            const int64_t past_values = dims.batch * dims.num_heads * dims.past_sequence *
                                        dims.head_size;
            value = past->values[past_values +
                                 ((b * dims.num_heads + h) * dims.past_sequence + t) *
                                     dims.head_size + d];
          } else {
            value = qkv[(b * dims.sequence + t - dims.past_sequence) * qkv_columns +
                        dims.q_hidden + dims.k_hidden + h * dims.v_head_size + d];
          }
          values[key_base * dims.v_head_size + d] = value;
        }
      }
    }
  }
  if (dims.head_size == dims.v_head_size) {
    std::copy(keys.begin(), keys.end(), present.values.begin());
    std::copy(values.begin(), values.end(), present.values.begin() + keys.size());
  }

  // Step 3: softmax(scale * Q K^T + mask + relative position bias) V per batch and head.
  // Scores are formed in float, as ONNX Runtime's CPU kernel does, so a fully masked row
  // gives the same uniform weights.
  const float scale_attribute = FloatAttribute(call.node, "scale", 0.0f);
  const double scale = scale_attribute != 0.0f
                           ? scale_attribute
                           : 1.0 / std::sqrt(static_cast<double>(dims.head_size));
  const float filter_value =
      FloatAttribute(call.node, "mask_filter_value", kDefaultMaskFilterValue);
  HostTensor output = MakeTensor(input->elem_type, {dims.batch, dims.sequence, dims.v_hidden});
  std::vector<double> probabilities(dims.total_sequence);
  for (int64_t b = 0; b < dims.batch; ++b) {
    ASSIGN_OR_RETURN(const std::vector<float> mask,
                     BuildMask(call, dims, mask_index, b, filter_value));
    for (int64_t h = 0; h < dims.num_heads; ++h) {
      const int64_t head_base = (b * dims.num_heads + h) * dims.total_sequence;
      for (int64_t s = 0; s < dims.sequence; ++s) {
        const double* query = &qkv[(b * dims.sequence + s) * qkv_columns + h * dims.head_size];
        double max_score = -INFINITY;
        for (int64_t t = 0; t < dims.total_sequence; ++t) {
          const double* key = &keys[(head_base + t) * dims.head_size];
          double dot = 0.0;
          for (int64_t d = 0; d < dims.head_size; ++d) dot += query[d] * key[d];
          float score = static_cast<float>(dot * scale) + mask[s * dims.total_sequence + t];
          if (position_bias != nullptr) {
            const int64_t bias_batch = position_bias_batches == 1 ? 0 : b;
            score += static_cast<float>(
                position_bias->values[((bias_batch * dims.num_heads + h) * dims.sequence + s) *
                                          dims.total_sequence + t]);
          }
          probabilities[t] = score;
          max_score = std::max(max_score, probabilities[t]);
        }
        double sum = 0.0;
        for (double& probability : probabilities) {
          probability = std::exp(probability - max_score);
          sum += probability;
        }
        double* out = &output.values[(b * dims.sequence + s) * dims.v_hidden +
                                     h * dims.v_head_size];
        for (int64_t t = 0; t < dims.total_sequence; ++t) {
          const double weight = probabilities[t] / sum;
          const double* value = &values[(head_base + t) * dims.v_head_size];
          for (int64_t d = 0; d < dims.v_head_size; ++d) out[d] += weight * value[d];
        }
      }
    }
  }
  RoundTensor(output);
  RoundTensor(present);

  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(output));
  if (call.node.output_size() > 1) outputs.push_back(std::move(present));
  return outputs;
}

}  // namespace soma::onnx_ops
