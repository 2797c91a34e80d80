// contrib_normalization.cc: ONNX Runtime's fused normalisation operators:
// SkipLayerNormalization, SkipSimplifiedLayerNormalization, SimplifiedLayerNormalization and
// EmbedLayerNormalization.
#include <algorithm>
#include <cmath>
#include <cstdint>
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

// ONNX Runtime's schema defaults for the epsilon attribute.
constexpr float kDefaultFusedEpsilon = 1e-12f;
constexpr float kDefaultSimplifiedEpsilon = 1e-5f;

// InvalidArgument unless `tensor` contains exactly `count` elements.
absl::Status CheckVector(const OpCall& call, const HostTensor& tensor, const char* name,
                         int64_t count) {
  if (tensor.ElementCount() != count) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": input ", name, " must have ",
                                                   count, " elements (the hidden size), found ",
                                                   DimsToString(tensor.dims)));
  }
  return absl::OkStatus();
}

// Normalises one row in place and returns its mean and 1/sqrt(variance + epsilon). With
// `simplified`, the mean is not subtracted (RMS normalisation) and the returned mean is 0.
struct RowStatistics {
  double mean = 0.0;
  double inv_std_var = 0.0;
};
RowStatistics NormalizeRow(const double* row, int64_t size, double epsilon, bool simplified,
                           double* normalized) {
  RowStatistics statistics;
  if (!simplified) {
    double sum = 0.0;
    for (int64_t i = 0; i < size; ++i) sum += row[i];
    statistics.mean = sum / static_cast<double>(size);
  }
  double square_sum = 0.0;
  for (int64_t i = 0; i < size; ++i) {
    const double centered = row[i] - statistics.mean;
    square_sum += centered * centered;
  }
  statistics.inv_std_var = 1.0 / std::sqrt(square_sum / static_cast<double>(size) + epsilon);
  for (int64_t i = 0; i < size; ++i) {
    normalized[i] = (row[i] - statistics.mean) * statistics.inv_std_var;
  }
  return statistics;
}

// Shared body of SkipLayerNormalization and SkipSimplifiedLayerNormalization: inputs are
// input, skip, gamma, then (beta, bias) or (bias).
absl::StatusOr<std::vector<HostTensor>> RunSkipNormalization(const OpCall& call,
                                                             bool simplified) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* skip, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* gamma, RequiredInput(call, 2));
  const HostTensor* beta = simplified ? nullptr : OptionalInput(call, 3);
  const HostTensor* bias = OptionalInput(call, simplified ? 3 : 4);
  if (input->dims.size() < 2 || input->dims.size() > 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": input must have rank 2 or 3 with the hidden size last, found ",
        DimsToString(input->dims)));
  }
  const int64_t hidden = input->dims.back();
  ASSIGN_OR_RETURN(const std::vector<int64_t> broadcast,
                   BroadcastDims(input->dims, skip->dims, call.label));
  if (broadcast != input->dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": skip with dims ", DimsToString(skip->dims),
        " must broadcast to the input dims ", DimsToString(input->dims)));
  }
  RETURN_IF_ERROR(CheckVector(call, *gamma, "gamma", hidden));
  if (beta != nullptr) RETURN_IF_ERROR(CheckVector(call, *beta, "beta", hidden));
  if (bias != nullptr) RETURN_IF_ERROR(CheckVector(call, *bias, "bias", hidden));
  const double epsilon = FloatAttribute(call.node, "epsilon", kDefaultFusedEpsilon);

  std::vector<int64_t> statistics_dims = input->dims;
  statistics_dims.back() = 1;
  HostTensor output = MakeTensor(input->elem_type, input->dims);
  HostTensor mean = MakeTensor(kFloat, statistics_dims);
  HostTensor inv_std_var = MakeTensor(kFloat, statistics_dims);
  HostTensor sum = MakeTensor(input->elem_type, input->dims);
  BroadcastCursor skip_cursor(skip->dims, input->dims);
  const int64_t rows = input->ElementCount() / std::max<int64_t>(hidden, 1);
  std::vector<double> normalized(hidden);
  for (int64_t row = 0; row < rows; ++row) {
    double* row_sum = &sum.values[row * hidden];
    for (int64_t i = 0; i < hidden; ++i) {
      double value = input->values[row * hidden + i] + skip->values[skip_cursor.offset()];
      if (bias != nullptr) value += bias->values[i];
      // The sum is formed in float, as ONNX Runtime's kernels do for float and float16.
      row_sum[i] = RoundToType(value, kFloat);
      skip_cursor.Advance();
    }
    const RowStatistics statistics =
        NormalizeRow(row_sum, hidden, epsilon, simplified, normalized.data());
    mean.values[row] = statistics.mean;
    inv_std_var.values[row] = statistics.inv_std_var;
    for (int64_t i = 0; i < hidden; ++i) {
      double value = normalized[i] * gamma->values[i];
      if (beta != nullptr) value += beta->values[i];
      output.values[row * hidden + i] = value;
    }
  }
  RoundTensor(output);
  RoundTensor(mean);
  RoundTensor(inv_std_var);
  RoundTensor(sum);

  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(output));
  if (call.node.output_size() > 1) outputs.push_back(std::move(mean));
  if (call.node.output_size() > 2) outputs.push_back(std::move(inv_std_var));
  if (call.node.output_size() > 3) outputs.push_back(std::move(sum));
  return outputs;
}

// Row `index` of an embedding table [rows, hidden]; InvalidArgument when out of range.
absl::StatusOr<const double*> EmbeddingRow(const OpCall& call, const HostTensor& table,
                                           const char* name, double index) {
  const int64_t row = ClampToInt64(index);
  if (row < 0 || row >= table.dims[0]) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": index ", row, " into ", name,
                                                   " is out of range [0, ", table.dims[0], ")"));
  }
  return &table.values[row * table.dims[1]];
}

}  // namespace

absl::StatusOr<std::vector<HostTensor>> RunSkipLayerNormalization(const OpCall& call) {
  return RunSkipNormalization(call, /*simplified=*/false);
}

absl::StatusOr<std::vector<HostTensor>> RunSkipSimplifiedLayerNormalization(
    const OpCall& call) {
  return RunSkipNormalization(call, /*simplified=*/true);
}

absl::StatusOr<std::vector<HostTensor>> RunSimplifiedLayerNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  const int64_t rank = static_cast<int64_t>(input->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", -1), rank));
  const AxisSplit split = SplitAtAxis(input->dims, axis);
  const int64_t normalized_size = split.axis * split.inner;
  if (scale->ElementCount() != normalized_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": scale must have ", normalized_size,
        " elements (the product of the normalised dims), found ", DimsToString(scale->dims)));
  }
  const double epsilon = FloatAttribute(call.node, "epsilon", kDefaultSimplifiedEpsilon);

  std::vector<int64_t> statistics_dims = input->dims;
  for (int64_t i = axis; i < rank; ++i) statistics_dims[i] = 1;
  HostTensor output = MakeTensor(input->elem_type, input->dims);
  HostTensor inv_std_var = MakeTensor(kFloat, statistics_dims);
  std::vector<double> normalized(normalized_size);
  for (int64_t row = 0; row < split.outer; ++row) {
    const RowStatistics statistics =
        NormalizeRow(&input->values[row * normalized_size], normalized_size, epsilon,
                     /*simplified=*/true, normalized.data());
    inv_std_var.values[row] = statistics.inv_std_var;
    for (int64_t i = 0; i < normalized_size; ++i) {
      output.values[row * normalized_size + i] = normalized[i] * scale->values[i];
    }
  }
  RoundTensor(output);
  RoundTensor(inv_std_var);

  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(output));
  if (call.node.output_size() > 1) outputs.push_back(std::move(inv_std_var));
  return outputs;
}

absl::StatusOr<std::vector<HostTensor>> RunEmbedLayerNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* input_ids, RequiredInput(call, 0));
  const HostTensor* segment_ids = OptionalInput(call, 1);
  ASSIGN_OR_RETURN(const HostTensor* word_embedding, RequiredInput(call, 2));
  ASSIGN_OR_RETURN(const HostTensor* position_embedding, RequiredInput(call, 3));
  const HostTensor* segment_embedding = OptionalInput(call, 4);
  ASSIGN_OR_RETURN(const HostTensor* gamma, RequiredInput(call, 5));
  ASSIGN_OR_RETURN(const HostTensor* beta, RequiredInput(call, 6));
  const HostTensor* mask = OptionalInput(call, 7);
  const HostTensor* position_ids = OptionalInput(call, 8);

  // Step 1: check shapes. Segment ids and the segment table come together or not at all.
  if (input_ids->dims.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": input_ids must have rank 2 (batch, sequence), found ",
        DimsToString(input_ids->dims)));
  }
  const int64_t batch = input_ids->dims[0];
  const int64_t sequence = input_ids->dims[1];
  if (word_embedding->dims.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": word_embedding must have rank 2 (vocabulary, hidden), found ",
        DimsToString(word_embedding->dims)));
  }
  const int64_t hidden = word_embedding->dims[1];
  const std::vector<const HostTensor*> tables = {position_embedding, segment_embedding};
  for (const HostTensor* table : tables) {
    if (table != nullptr && (table->dims.size() != 2 || table->dims[1] != hidden)) {
      return absl::InvalidArgumentError(absl::StrCat(
          call.label, ": position and segment embeddings must have dims [rows, ", hidden,
          "], found ", DimsToString(table->dims)));
    }
  }
  if ((segment_ids == nullptr) != (segment_embedding == nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": segment_ids and segment_embedding must both be given or both be absent"));
  }
  for (const HostTensor* ids : {segment_ids, mask}) {
    if (ids != nullptr && ids->dims != input_ids->dims) {
      return absl::InvalidArgumentError(absl::StrCat(
          call.label, ": segment_ids and mask must have the input_ids dims ",
          DimsToString(input_ids->dims), ", found ", DimsToString(ids->dims)));
    }
  }
  if (position_ids != nullptr && position_ids->dims != input_ids->dims &&
      position_ids->dims != std::vector<int64_t>{1, sequence}) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": position_ids must have dims [batch, sequence] or [1, sequence], found ",
        DimsToString(position_ids->dims)));
  }
  RETURN_IF_ERROR(CheckVector(call, *gamma, "gamma", hidden));
  RETURN_IF_ERROR(CheckVector(call, *beta, "beta", hidden));
  const double epsilon = FloatAttribute(call.node, "epsilon", kDefaultFusedEpsilon);

  // Step 2: sum the embeddings of every token, then normalise.
  HostTensor output = MakeTensor(word_embedding->elem_type, {batch, sequence, hidden});
  HostTensor embedding_sum = MakeTensor(word_embedding->elem_type, {batch, sequence, hidden});
  std::vector<double> normalized(hidden);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t s = 0; s < sequence; ++s) {
      const int64_t token = b * sequence + s;
      ASSIGN_OR_RETURN(const double* word,
                       EmbeddingRow(call, *word_embedding, "word_embedding",
                                    input_ids->values[token]));
      double position_index = static_cast<double>(s);
      if (position_ids != nullptr) {
        position_index = position_ids->values[position_ids->dims[0] == 1 ? s : token];
      }
      ASSIGN_OR_RETURN(const double* position,
                       EmbeddingRow(call, *position_embedding, "position_embedding",
                                    position_index));
      const double* segment = nullptr;
      if (segment_embedding != nullptr) {
        ASSIGN_OR_RETURN(segment, EmbeddingRow(call, *segment_embedding, "segment_embedding",
                                               segment_ids->values[token]));
      }
      double* row_sum = &embedding_sum.values[token * hidden];
      for (int64_t i = 0; i < hidden; ++i) {
        double value = word[i] + position[i];
        if (segment != nullptr) value += segment[i];
        row_sum[i] = RoundToType(value, kFloat);
      }
      NormalizeRow(row_sum, hidden, epsilon, /*simplified=*/false, normalized.data());
      for (int64_t i = 0; i < hidden; ++i) {
        output.values[token * hidden + i] = normalized[i] * gamma->values[i] + beta->values[i];
      }
    }
  }
  RoundTensor(output);
  RoundTensor(embedding_sum);

  // Step 3: mask_index counts the ones of each mask row (0 without a mask).
  HostTensor mask_index = MakeTensor(kInt32, {batch});
  if (mask != nullptr) {
    for (int64_t b = 0; b < batch; ++b) {
      int64_t ones = 0;
      for (int64_t s = 0; s < sequence; ++s) ones += mask->values[b * sequence + s] == 1.0;
      mask_index.values[b] = static_cast<double>(ones);
    }
  }

  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(output));
  if (call.node.output_size() > 1) outputs.push_back(std::move(mask_index));
  if (call.node.output_size() > 2) outputs.push_back(std::move(embedding_sum));
  return outputs;
}

}  // namespace soma::onnx_ops
