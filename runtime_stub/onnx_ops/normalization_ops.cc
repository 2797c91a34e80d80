// normalization_ops.cc: Softmax, LogSoftmax, Hardmax and the normalisations
// (LayerNormalization, InstanceNormalization, BatchNormalization, GroupNormalization,
// MeanVarianceNormalization, LpNormalization).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

void RegisterNormalizationOps(OpTable& table);

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

absl::Status InvalidShape(const OpCall& call, const std::string& what, const HostTensor& tensor,
                          const std::string& expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      call.label, ": ", what, " has shape ", DimsToString(tensor.dims), "; expected ", expected));
}

// Softmax, LogSoftmax and Hardmax. Before opset 13 they flatten the input to 2-D at `axis`
// (default 1) and work on each row. From opset 13 on they work along `axis` (default -1).
Outputs RunSoftmaxFamily(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  const std::string& op_type = call.node.op_type();
  const bool flatten = call.opset < 13;
  const auto rank = static_cast<int64_t>(x->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", flatten ? 1 : -1),
                                 std::max<int64_t>(rank, 1)));

  AxisSplit split = SplitAtAxis(x->dims, axis);
  if (flatten) {
    split.axis *= split.inner;
    split.inner = 1;
  }

  HostTensor out = MakeTensor(x->elem_type, x->dims);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t inner = 0; inner < split.inner; ++inner) {
      const int64_t base = outer * split.axis * split.inner + inner;
      const double* in = x->values.data() + base;
      double* result = out.values.data() + base;
      const int64_t step = split.inner;
      double max_value = -std::numeric_limits<double>::infinity();
      int64_t max_index = 0;
      for (int64_t k = 0; k < split.axis; ++k) {
        if (in[k * step] > max_value) {
          max_value = in[k * step];
          max_index = k;
        }
      }

      if (op_type == "Hardmax") {
        for (int64_t k = 0; k < split.axis; ++k) result[k * step] = k == max_index ? 1.0 : 0.0;
        continue;
      }
      // The shifted exponentials go into the output first, so each is computed once.
      double sum = 0.0;
      for (int64_t k = 0; k < split.axis; ++k) {
        result[k * step] = std::exp(in[k * step] - max_value);
        sum += result[k * step];
      }
      if (op_type == "LogSoftmax") {
        const double log_sum = std::log(sum);
        for (int64_t k = 0; k < split.axis; ++k) {
          result[k * step] = in[k * step] - max_value - log_sum;
        }
      } else {
        const double inverse_sum = 1.0 / sum;
        for (int64_t k = 0; k < split.axis; ++k) result[k * step] *= inverse_sum;
      }
    }
  }
  RoundTensor(out);
  return SingleOutput(std::move(out));
}

// Index of each position of `inner_dims` into a parameter of shape `param_dims` broadcast
// unidirectionally to `inner_dims`.
absl::StatusOr<std::vector<int64_t>> ParameterIndexMap(const OpCall& call, const HostTensor& param,
                                                       const std::vector<int64_t>& inner_dims,
                                                       const std::string& what) {
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastDims(param.dims, inner_dims, call.label));
  if (dims != inner_dims) {
    return InvalidShape(call, what, param,
                        absl::StrCat("a shape that broadcasts to ", DimsToString(inner_dims)));
  }
  return BroadcastIndexMap(param.dims, inner_dims);
}

Outputs RunLayerNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  const HostTensor* bias = OptionalInput(call, 2);
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  const auto rank = static_cast<int64_t>(x->dims.size());
  ASSIGN_OR_RETURN(const int64_t axis,
                   NormalizeAxis(call.node, IntAttribute(call.node, "axis", -1), rank));
  const double epsilon = FloatAttribute(call.node, "epsilon", 1e-5f);
  const int64_t stash_type = IntAttribute(call.node, "stash_type", kFloat);
  const std::vector<int64_t> inner_dims(x->dims.begin() + axis, x->dims.end());
  const int64_t outer_count =
      DimsProduct(std::vector<int64_t>(x->dims.begin(), x->dims.begin() + axis));
  const int64_t inner_count = DimsProduct(inner_dims);
  ASSIGN_OR_RETURN(std::vector<int64_t> scale_map,
                   ParameterIndexMap(call, *scale, inner_dims, "Scale"));
  std::vector<int64_t> bias_map;
  if (bias != nullptr) {
    ASSIGN_OR_RETURN(bias_map, ParameterIndexMap(call, *bias, inner_dims, "B"));
  }

  std::vector<int64_t> stat_dims(x->dims.begin(), x->dims.begin() + axis);
  stat_dims.resize(x->dims.size(), 1);
  const auto stat_type = static_cast<int32_t>(stash_type);

  HostTensor y = MakeTensor(x->elem_type, x->dims);
  HostTensor mean_out = MakeTensor(stat_type, stat_dims);
  HostTensor inv_std_out = MakeTensor(stat_type, stat_dims);
  for (int64_t outer = 0; outer < outer_count; ++outer) {
    const double* in = x->values.data() + outer * inner_count;
    double* out = y.values.data() + outer * inner_count;
    double sum = 0.0;
    for (int64_t k = 0; k < inner_count; ++k) sum += in[k];
    const double mean = RoundToType(sum / static_cast<double>(inner_count), stat_type);
    double squares = 0.0;
    for (int64_t k = 0; k < inner_count; ++k) squares += (in[k] - mean) * (in[k] - mean);
    const double variance = squares / static_cast<double>(inner_count);
    const double inv_std = RoundToType(1.0 / std::sqrt(variance + epsilon), stat_type);
    for (int64_t k = 0; k < inner_count; ++k) {
      double value = (in[k] - mean) * inv_std * scale->values[scale_map[k]];
      if (bias != nullptr) value += bias->values[bias_map[k]];
      out[k] = value;
    }
    mean_out.values[outer] = mean;
    inv_std_out.values[outer] = inv_std;
  }

  RoundTensor(y);
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(y));
  outputs.push_back(std::move(mean_out));
  outputs.push_back(std::move(inv_std_out));
  outputs.resize(std::min<size_t>(outputs.size(), std::max(1, call.node.output_size())));
  return outputs;
}

// Normalises each [n, c] slice of `x` with its own mean and variance, then applies a
// per-channel scale and bias.
Outputs RunInstanceNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* bias, RequiredInput(call, 2));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  if (x->dims.size() < 2) return InvalidShape(call, "input", *x, "rank 2 or more [N, C, ...]");
  const double epsilon = FloatAttribute(call.node, "epsilon", 1e-5f);
  const int64_t channels = x->dims[1];
  const int64_t spatial = DimsProduct(x->dims) / std::max<int64_t>(1, x->dims[0] * channels);
  if (scale->ElementCount() != channels || bias->ElementCount() != channels) {
    return InvalidShape(call, "scale or B", *scale, absl::StrCat("[", channels, "]"));
  }

  HostTensor y = MakeTensor(x->elem_type, x->dims);
  for (int64_t slice = 0; slice < x->dims[0] * channels; ++slice) {
    const int64_t channel = slice % channels;
    const double* in = x->values.data() + slice * spatial;
    double* out = y.values.data() + slice * spatial;
    double sum = 0.0;
    for (int64_t k = 0; k < spatial; ++k) sum += in[k];
    const double mean = sum / static_cast<double>(spatial);
    double squares = 0.0;
    for (int64_t k = 0; k < spatial; ++k) squares += (in[k] - mean) * (in[k] - mean);
    const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(spatial) + epsilon);
    for (int64_t k = 0; k < spatial; ++k) {
      out[k] = (in[k] - mean) * inv_std * scale->values[channel] + bias->values[channel];
    }
  }

  RoundTensor(y);
  return SingleOutput(std::move(y));
}

Outputs RunGroupNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* bias, RequiredInput(call, 2));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  if (x->dims.size() < 2) return InvalidShape(call, "input", *x, "rank 2 or more [N, C, ...]");
  const double epsilon = FloatAttribute(call.node, "epsilon", 1e-5f);
  const int64_t num_groups = IntAttribute(call.node, "num_groups", 0);
  const int64_t channels = x->dims[1];
  if (num_groups <= 0 || channels % num_groups != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": attribute 'num_groups' = ", num_groups,
                     " must be positive and divide the channel count ", channels));
  }

  // Opset 18 gives one scale and bias per group, opset 21 one per channel.
  const bool per_channel = scale->ElementCount() == channels;
  if (!per_channel && scale->ElementCount() != num_groups) {
    return InvalidShape(call, "scale", *scale,
                        absl::StrCat("[", channels, "] or [", num_groups, "]"));
  }
  if (bias->ElementCount() != scale->ElementCount()) {
    return InvalidShape(call, "bias", *bias, DimsToString(scale->dims));
  }

  const int64_t channels_per_group = channels / num_groups;
  const int64_t spatial = DimsProduct(x->dims) / std::max<int64_t>(1, x->dims[0] * channels);
  const int64_t group_size = channels_per_group * spatial;

  HostTensor y = MakeTensor(x->elem_type, x->dims);
  for (int64_t group_index = 0; group_index < x->dims[0] * num_groups; ++group_index) {
    const double* in = x->values.data() + group_index * group_size;
    double* out = y.values.data() + group_index * group_size;
    double sum = 0.0;
    for (int64_t k = 0; k < group_size; ++k) sum += in[k];
    const double mean = sum / static_cast<double>(group_size);
    double squares = 0.0;
    for (int64_t k = 0; k < group_size; ++k) squares += (in[k] - mean) * (in[k] - mean);
    const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(group_size) + epsilon);
    const int64_t group = group_index % num_groups;
    for (int64_t k = 0; k < group_size; ++k) {
      const int64_t param = per_channel ? group * channels_per_group + k / spatial : group;
      out[k] = (in[k] - mean) * inv_std * scale->values[param] + bias->values[param];
    }
  }

  RoundTensor(y);
  return SingleOutput(std::move(y));
}

Outputs RunBatchNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* scale, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* bias, RequiredInput(call, 2));
  ASSIGN_OR_RETURN(const HostTensor* input_mean, RequiredInput(call, 3));
  ASSIGN_OR_RETURN(const HostTensor* input_var, RequiredInput(call, 4));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  if (x->dims.size() < 2) return InvalidShape(call, "input", *x, "rank 2 or more [N, C, ...]");
  const double epsilon = FloatAttribute(call.node, "epsilon", 1e-5f);
  const double momentum = FloatAttribute(call.node, "momentum", 0.9f);
  const bool training = call.opset >= 14 && IntAttribute(call.node, "training_mode", 0) != 0;
  if (call.opset < 9 && IntAttribute(call.node, "spatial", 1) == 0) {
    return UnsupportedAttribute(call.node, "spatial", "0",
                                "only spatial=1 (one statistic per channel) is supported");
  }

  const int64_t batch = x->dims[0];
  const int64_t channels = x->dims[1];
  const int64_t spatial = DimsProduct(x->dims) / std::max<int64_t>(1, batch * channels);
  for (const HostTensor* param : {scale, bias, input_mean, input_var}) {
    if (param->ElementCount() != channels) {
      return InvalidShape(call, "scale, B, mean or var", *param,
                          absl::StrCat("[", channels, "] (one value per channel)"));
    }
  }

  // Training mode normalises with the batch statistics (population variance) and also
  // returns the updated running mean and variance.
  std::vector<double> mean = input_mean->values;
  std::vector<double> variance = input_var->values;
  HostTensor running_mean = MakeTensor(input_mean->elem_type, input_mean->dims);
  HostTensor running_var = MakeTensor(input_var->elem_type, input_var->dims);
  if (training) {
    const auto count = static_cast<double>(batch * spatial);
    for (int64_t c = 0; c < channels; ++c) {
      double sum = 0.0;
      for (int64_t n = 0; n < batch; ++n) {
        const double* in = x->values.data() + (n * channels + c) * spatial;
        for (int64_t k = 0; k < spatial; ++k) sum += in[k];
      }
      const double batch_mean = sum / count;
      double squares = 0.0;
      for (int64_t n = 0; n < batch; ++n) {
        const double* in = x->values.data() + (n * channels + c) * spatial;
        for (int64_t k = 0; k < spatial; ++k)
          squares += (in[k] - batch_mean) * (in[k] - batch_mean);
      }
      running_mean.values[c] = input_mean->values[c] * momentum + batch_mean * (1.0 - momentum);
      running_var.values[c] = input_var->values[c] * momentum + squares / count * (1.0 - momentum);
      mean[c] = batch_mean;
      variance[c] = squares / count;
    }
  }

  HostTensor y = MakeTensor(x->elem_type, x->dims);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (n * channels + c) * spatial;
      const double inv_std = 1.0 / std::sqrt(variance[c] + epsilon);
      for (int64_t k = 0; k < spatial; ++k) {
        y.values[base + k] =
            (x->values[base + k] - mean[c]) * inv_std * scale->values[c] + bias->values[c];
      }
    }
  }

  RoundTensor(y);
  RoundTensor(running_mean);
  RoundTensor(running_var);
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(y));
  if (training) {
    outputs.push_back(std::move(running_mean));
    outputs.push_back(std::move(running_var));
  }
  return outputs;
}

Outputs RunMeanVarianceNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  const std::vector<int64_t> axes =
      IntsAttribute(call.node, "axes").value_or(std::vector<int64_t>{0, 2, 3});
  const auto rank = static_cast<int64_t>(x->dims.size());
  ASSIGN_OR_RETURN(const std::vector<bool> reduced, AxisFlags(call, axes, rank));
  std::vector<int64_t> kept_dims = x->dims;
  for (int64_t axis = 0; axis < rank; ++axis) {
    if (reduced[axis]) kept_dims[axis] = 1;
  }

  const int64_t slots = DimsProduct(kept_dims);
  const auto count = static_cast<double>(x->ElementCount() / std::max<int64_t>(1, slots));
  std::vector<double> sum(slots, 0.0);
  std::vector<double> squares(slots, 0.0);
  const std::vector<int64_t> slot_of = BroadcastIndexMap(kept_dims, x->dims);
  for (size_t i = 0; i < x->values.size(); ++i) {
    sum[slot_of[i]] += x->values[i];
    squares[slot_of[i]] += x->values[i] * x->values[i];
  }

  // The specification's function body: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9).

  HostTensor y = MakeTensor(x->elem_type, x->dims);
  for (size_t i = 0; i < x->values.size(); ++i) {
    const double mean = sum[slot_of[i]] / count;
    const double variance = squares[slot_of[i]] / count - mean * mean;
    y.values[i] = (x->values[i] - mean) / (std::sqrt(std::max(variance, 0.0)) + 1e-9);
  }

  RoundTensor(y);
  return SingleOutput(std::move(y));
}

Outputs RunLpNormalization(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  const int64_t p = IntAttribute(call.node, "p", 2);
  if (p != 1 && p != 2) {
    return UnsupportedAttribute(call.node, "p", absl::StrCat(p), "use 1 or 2");
  }
  ASSIGN_OR_RETURN(const int64_t axis, NormalizeAxis(call.node, IntAttribute(call.node, "axis", -1),
                                                     static_cast<int64_t>(x->dims.size())));
  const AxisSplit split = SplitAtAxis(x->dims, axis);

  HostTensor y = MakeTensor(x->elem_type, x->dims);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t inner = 0; inner < split.inner; ++inner) {
      const int64_t base = outer * split.axis * split.inner + inner;
      double norm = 0.0;
      for (int64_t k = 0; k < split.axis; ++k) {
        const double value = x->values[base + k * split.inner];
        norm += p == 1 ? std::fabs(value) : value * value;
      }
      if (p == 2) norm = std::sqrt(norm);
      for (int64_t k = 0; k < split.axis; ++k) {
        const int64_t index = base + k * split.inner;
        // NOTE: a zero norm gives 0, as ONNX Runtime does, where a plain division would give NaN.
        y.values[index] = norm == 0.0 ? 0.0 : x->values[index] / norm;
      }
    }
  }

  RoundTensor(y);
  return SingleOutput(std::move(y));
}

}  // namespace

void RegisterNormalizationOps(OpTable& table) {
  table["/Softmax"] = {RunSoftmaxFamily, ""};
  table["/LogSoftmax"] = {RunSoftmaxFamily, ""};
  table["/Hardmax"] = {RunSoftmaxFamily, ""};
  table["/LayerNormalization"] = {RunLayerNormalization, ""};
  table["/InstanceNormalization"] = {RunInstanceNormalization, ""};
  table["/BatchNormalization"] = {RunBatchNormalization,
                                  "spatial=0 (opsets before 9) is not supported"};
  table["/GroupNormalization"] = {RunGroupNormalization, ""};
  table["/MeanVarianceNormalization"] = {RunMeanVarianceNormalization, ""};
  table["/LpNormalization"] = {RunLpNormalization, ""};
}

}  // namespace soma::onnx_ops
