// quantized_linear_ops.cc: integer and quantized MatMul and Conv (MatMulInteger,
// QLinearMatMul, ConvInteger, QLinearConv).
//
// Zero points are subtracted first and products accumulate in double. The sums are exact
// while they stay below 2^53, which 16-bit inputs guarantee for K < 2^21. The quantized forms
// then requantize with round half to even and saturation.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/neural_window.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

void RegisterQuantizedLinearOps(OpTable& table);

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

// The matrix axis that a 1-D scale or zero point runs along.
enum class ParamAxis {
  kRow,     // A 1-D parameter has one value per row (M) of a matrix [..., M, K].
  kColumn,  // A 1-D parameter has one value per column (N) of a matrix [..., K, N].
};

// For each element of a tensor of `target_dims`, the index of its value in `param`:
// scalars apply everywhere, 1-D parameters per row or column, others broadcast.
absl::StatusOr<std::vector<int64_t>> ParamIndexMap(const OpCall& call, const HostTensor& param,
                                                   const std::vector<int64_t>& target_dims,
                                                   ParamAxis axis, const std::string& what) {
  if (param.values.size() == 1) {
    return std::vector<int64_t>(static_cast<size_t>(DimsProduct(target_dims)), 0);
  }
  std::vector<int64_t> dims = param.dims;
  if (dims.size() == 1 && axis == ParamAxis::kRow) dims.push_back(1);
  absl::StatusOr<std::vector<int64_t>> broadcast = BroadcastDims(dims, target_dims, call.label);
  if (!broadcast.ok() || *broadcast != target_dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": ", what, " has shape ", DimsToString(param.dims),
        "; expected a scalar or one value per ", axis == ParamAxis::kRow ? "row" : "column",
        " of shape ", DimsToString(target_dims)));
  }
  return BroadcastIndexMap(dims, target_dims);
}

// `tensor` minus its zero point (absent: 0), as a double tensor.
absl::StatusOr<HostTensor> SubtractZeroPoint(const OpCall& call, const HostTensor& tensor,
                                             const HostTensor* zero_point, ParamAxis axis,
                                             const std::string& what) {
  HostTensor shifted = tensor;
  shifted.elem_type = kDouble;
  if (zero_point == nullptr) return shifted;
  ASSIGN_OR_RETURN(std::vector<int64_t> map,
                   ParamIndexMap(call, *zero_point, tensor.dims, axis, what));
  for (size_t i = 0; i < shifted.values.size(); ++i)
    shifted.values[i] -= zero_point->values[map[i]];
  return shifted;
}

// numpy matmul of double tensors: 1-D operands are promoted and their axis dropped again,
// batch dims broadcast.
absl::StatusOr<HostTensor> MatMulValues(const OpCall& call, const HostTensor& a,
                                        const HostTensor& b) {
  std::vector<int64_t> a_dims = a.dims;
  std::vector<int64_t> b_dims = b.dims;
  if (a_dims.empty() || b_dims.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": MatMul operands must have rank 1 or more"));
  }
  const bool a_vector = a_dims.size() == 1;
  const bool b_vector = b_dims.size() == 1;
  if (a_vector) a_dims.insert(a_dims.begin(), 1);
  if (b_vector) b_dims.push_back(1);
  const int64_t m = a_dims[a_dims.size() - 2];
  const int64_t k = a_dims.back();
  const int64_t n = b_dims.back();
  if (b_dims[b_dims.size() - 2] != k) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": inner dimensions differ: A has shape ", DimsToString(a.dims),
                     " and B has shape ", DimsToString(b.dims)));
  }
  const std::vector<int64_t> a_batch(a_dims.begin(), a_dims.end() - 2);
  const std::vector<int64_t> b_batch(b_dims.begin(), b_dims.end() - 2);
  ASSIGN_OR_RETURN(std::vector<int64_t> batch, BroadcastDims(a_batch, b_batch, call.label));
  const std::vector<int64_t> a_map = BroadcastIndexMap(a_batch, batch);
  const std::vector<int64_t> b_map = BroadcastIndexMap(b_batch, batch);
  std::vector<int64_t> out_dims = batch;
  if (!a_vector) out_dims.push_back(m);
  if (!b_vector) out_dims.push_back(n);
  HostTensor out = MakeTensor(kDouble, out_dims);
  for (size_t batch_index = 0; batch_index < a_map.size(); ++batch_index) {
    const double* a_matrix = a.values.data() + a_map[batch_index] * m * k;
    const double* b_matrix = b.values.data() + b_map[batch_index] * k * n;
    double* out_matrix = out.values.data() + batch_index * m * n;
    for (int64_t row = 0; row < m; ++row) {
      for (int64_t inner = 0; inner < k; ++inner) {
        const double a_value = a_matrix[row * k + inner];
        for (int64_t column = 0; column < n; ++column) {
          out_matrix[row * n + column] += a_value * b_matrix[inner * n + column];
        }
      }
    }
  }
  return out;
}

Outputs RunMatMulInteger(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* b, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(HostTensor a_shifted, SubtractZeroPoint(call, *a, OptionalInput(call, 2),
                                                           ParamAxis::kRow, "a_zero_point"));
  ASSIGN_OR_RETURN(HostTensor b_shifted, SubtractZeroPoint(call, *b, OptionalInput(call, 3),
                                                           ParamAxis::kColumn, "b_zero_point"));
  ASSIGN_OR_RETURN(HostTensor y, MatMulValues(call, a_shifted, b_shifted));
  y.elem_type = kInt32;
  RoundTensor(y);
  return SingleOutput(std::move(y));
}

// Scales a double tensor by `scale` (per ParamIndexMap), in place.
absl::Status ApplyScale(const OpCall& call, HostTensor& tensor, const HostTensor& scale,
                        ParamAxis axis, const std::string& what) {
  ASSIGN_OR_RETURN(std::vector<int64_t> map, ParamIndexMap(call, scale, tensor.dims, axis, what));
  for (size_t i = 0; i < tensor.values.size(); ++i) tensor.values[i] *= scale.values[map[i]];
  return absl::OkStatus();
}

// Requantizes `real` (a double tensor) to y = saturate(round(real / y_scale) + y_zero_point)
// of the zero point's type.
absl::StatusOr<HostTensor> Requantize(const OpCall& call, HostTensor real,
                                      const HostTensor& y_scale, const HostTensor& y_zero_point,
                                      ParamAxis axis) {
  ASSIGN_OR_RETURN(std::vector<int64_t> scale_map,
                   ParamIndexMap(call, y_scale, real.dims, axis, "y_scale"));
  ASSIGN_OR_RETURN(std::vector<int64_t> zero_map,
                   ParamIndexMap(call, y_zero_point, real.dims, axis, "y_zero_point"));
  real.elem_type = y_zero_point.elem_type;
  for (size_t i = 0; i < real.values.size(); ++i) {
    // Divide in float32 like the float32 reference, then round half to even.
    const double quotient =
        static_cast<float>(real.values[i]) / static_cast<float>(y_scale.values[scale_map[i]]);
    real.values[i] =
        SaturateToType(std::nearbyint(quotient) + y_zero_point.values[zero_map[i]], real.elem_type);
  }
  return real;
}

Outputs RunQLinearMatMul(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* a, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* a_scale, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* a_zero_point, RequiredInput(call, 2));
  ASSIGN_OR_RETURN(const HostTensor* b, RequiredInput(call, 3));
  ASSIGN_OR_RETURN(const HostTensor* b_scale, RequiredInput(call, 4));
  ASSIGN_OR_RETURN(const HostTensor* b_zero_point, RequiredInput(call, 5));
  ASSIGN_OR_RETURN(const HostTensor* y_scale, RequiredInput(call, 6));
  ASSIGN_OR_RETURN(const HostTensor* y_zero_point, RequiredInput(call, 7));
  // Dequantize both operands (float32, as the reference does), multiply, requantize.
  ASSIGN_OR_RETURN(HostTensor a_real,
                   SubtractZeroPoint(call, *a, a_zero_point, ParamAxis::kRow, "a_zero_point"));
  RETURN_IF_ERROR(ApplyScale(call, a_real, *a_scale, ParamAxis::kRow, "a_scale"));
  ASSIGN_OR_RETURN(HostTensor b_real,
                   SubtractZeroPoint(call, *b, b_zero_point, ParamAxis::kColumn, "b_zero_point"));
  RETURN_IF_ERROR(ApplyScale(call, b_real, *b_scale, ParamAxis::kColumn, "b_scale"));
  for (double& value : a_real.values) value = static_cast<float>(value);
  for (double& value : b_real.values) value = static_cast<float>(value);
  ASSIGN_OR_RETURN(HostTensor product, MatMulValues(call, a_real, b_real));
  ASSIGN_OR_RETURN(HostTensor y,
                   Requantize(call, std::move(product), *y_scale, *y_zero_point, ParamAxis::kRow));
  return SingleOutput(std::move(y));
}

// Integer convolution of `x` and `w` (zero points already subtracted) with Conv's
// attributes; returns a double tensor [N, M, spatial...].
absl::StatusOr<HostTensor> ConvValues(const OpCall& call, const HostTensor& x,
                                      const HostTensor& w) {
  if (x.dims.size() < 3 || w.dims.size() != x.dims.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.label, ": input shape ", DimsToString(x.dims), " and weight shape ",
                     DimsToString(w.dims), " must both have rank 3 to 5"));
  }
  const std::vector<int64_t> kernel_dims(w.dims.begin() + 2, w.dims.end());
  ASSIGN_OR_RETURN(const Window3d window, ResolveWindow(call, x.dims, kernel_dims, false));
  const int64_t batch = x.dims[0];
  const int64_t channels = x.dims[1];
  const int64_t out_channels = w.dims[0];
  const int64_t group = IntAttribute(call.node, "group", 1);
  if (group <= 0 || channels % group != 0 || out_channels % group != 0 ||
      w.dims[1] * group != channels) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": group ", group, " does not fit ",
                                                   channels, " input channels and weight shape ",
                                                   DimsToString(w.dims)));
  }
  const int64_t group_channels = channels / group;
  const int64_t group_out_channels = out_channels / group;
  const int64_t input_size = window.input[0] * window.input[1] * window.input[2];
  const int64_t kernel_size = window.kernel[0] * window.kernel[1] * window.kernel[2];
  HostTensor y = MakeTensor(kDouble, WindowOutputDims(window, batch, out_channels));
  double* out = y.values.data();
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      const int64_t g = m / group_out_channels;
      for (int64_t od = 0; od < window.output[0]; ++od) {
        for (int64_t oh = 0; oh < window.output[1]; ++oh) {
          for (int64_t ow = 0; ow < window.output[2]; ++ow) {
            double sum = 0.0;
            for (int64_t c = 0; c < group_channels; ++c) {
              const double* x_plane =
                  x.values.data() + (n * channels + g * group_channels + c) * input_size;
              const double* w_kernel = w.values.data() + (m * group_channels + c) * kernel_size;
              for (int64_t kd = 0; kd < window.kernel[0]; ++kd) {
                const int64_t id =
                    od * window.stride[0] - window.pad_begin[0] + kd * window.dilation[0];
                if (id < 0 || id >= window.input[0]) continue;
                for (int64_t kh = 0; kh < window.kernel[1]; ++kh) {
                  const int64_t ih =
                      oh * window.stride[1] - window.pad_begin[1] + kh * window.dilation[1];
                  if (ih < 0 || ih >= window.input[1]) continue;
                  for (int64_t kw = 0; kw < window.kernel[2]; ++kw) {
                    const int64_t iw =
                        ow * window.stride[2] - window.pad_begin[2] + kw * window.dilation[2];
                    if (iw < 0 || iw >= window.input[2]) continue;
                    sum += x_plane[(id * window.input[1] + ih) * window.input[2] + iw] *
                           w_kernel[(kd * window.kernel[1] + kh) * window.kernel[2] + kw];
                  }
                }
              }
            }
            *out++ = sum;
          }
        }
      }
    }
  }
  return y;
}

// Subtracts a scalar or per-output-channel weight zero point from `w` [M, C/group, k...].
absl::StatusOr<HostTensor> ShiftWeights(const OpCall& call, const HostTensor& w,
                                        const HostTensor* zero_point) {
  HostTensor shifted = w;
  shifted.elem_type = kDouble;
  if (zero_point == nullptr) return shifted;
  const int64_t out_channels = w.dims.empty() ? 1 : w.dims[0];
  const auto count = static_cast<int64_t>(zero_point->values.size());
  if (count != 1 && count != out_channels) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": w_zero_point has ", count,
                                                   " elements; expected 1 or ", out_channels,
                                                   " (one per output channel)"));
  }
  const int64_t per_channel = out_channels == 0 ? 0 : w.ElementCount() / out_channels;
  for (int64_t i = 0; i < w.ElementCount(); ++i) {
    shifted.values[i] -= zero_point->values[count == 1 ? 0 : i / per_channel];
  }
  return shifted;
}

absl::StatusOr<HostTensor> ShiftInput(const OpCall& call, const HostTensor& x,
                                      const HostTensor* zero_point) {
  HostTensor shifted = x;
  shifted.elem_type = kDouble;
  if (zero_point == nullptr) return shifted;
  if (zero_point->values.size() != 1) {
    return absl::UnimplementedError(absl::StrCat(
        call.label, ": the input zero point has shape ", DimsToString(zero_point->dims),
        "; only a per-tensor input zero point is supported"));
  }
  for (double& value : shifted.values) value -= zero_point->values[0];
  return shifted;
}

Outputs RunConvInteger(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* w, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(HostTensor x_shifted, ShiftInput(call, *x, OptionalInput(call, 2)));
  ASSIGN_OR_RETURN(HostTensor w_shifted, ShiftWeights(call, *w, OptionalInput(call, 3)));
  ASSIGN_OR_RETURN(HostTensor y, ConvValues(call, x_shifted, w_shifted));
  y.elem_type = kInt32;
  RoundTensor(y);
  return SingleOutput(std::move(y));
}

Outputs RunQLinearConv(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* x_scale, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const HostTensor* x_zero_point, RequiredInput(call, 2));
  ASSIGN_OR_RETURN(const HostTensor* w, RequiredInput(call, 3));
  ASSIGN_OR_RETURN(const HostTensor* w_scale, RequiredInput(call, 4));
  ASSIGN_OR_RETURN(const HostTensor* w_zero_point, RequiredInput(call, 5));
  ASSIGN_OR_RETURN(const HostTensor* y_scale, RequiredInput(call, 6));
  ASSIGN_OR_RETURN(const HostTensor* y_zero_point, RequiredInput(call, 7));
  const HostTensor* bias = OptionalInput(call, 8);

  ASSIGN_OR_RETURN(HostTensor x_shifted, ShiftInput(call, *x, x_zero_point));
  ASSIGN_OR_RETURN(HostTensor w_shifted, ShiftWeights(call, *w, w_zero_point));
  ASSIGN_OR_RETURN(HostTensor acc, ConvValues(call, x_shifted, w_shifted));

  const int64_t out_channels = acc.dims[1];
  const int64_t spatial = acc.ElementCount() / std::max<int64_t>(1, acc.dims[0] * out_channels);
  const auto w_scale_count = static_cast<int64_t>(w_scale->values.size());
  if (w_scale_count != 1 && w_scale_count != out_channels) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": w_scale has ", w_scale_count,
                                                   " elements; expected 1 or ", out_channels));
  }
  if (bias != nullptr && bias->ElementCount() != out_channels) {
    return absl::InvalidArgumentError(absl::StrCat(call.label, ": B has ", bias->ElementCount(),
                                                   " elements; expected ", out_channels));
  }

  if (y_scale->values.size() != 1 || y_zero_point->values.size() != 1) {
    return absl::UnimplementedError(
        absl::StrCat(call.label, ": only a per-tensor y_scale and y_zero_point are supported"));
  }

  // real = (acc + B) * x_scale * w_scale[m], then requantize.
  for (int64_t i = 0; i < acc.ElementCount(); ++i) {
    const int64_t m = (i / spatial) % out_channels;
    double value = acc.values[i] + (bias != nullptr ? bias->values[m] : 0.0);
    const float multiplier = static_cast<float>(x_scale->values[0]) *
                             static_cast<float>(w_scale->values[w_scale_count == 1 ? 0 : m]);
    acc.values[i] = value * multiplier;
  }
  ASSIGN_OR_RETURN(HostTensor y,
                   Requantize(call, std::move(acc), *y_scale, *y_zero_point, ParamAxis::kRow));
  return SingleOutput(std::move(y));
}

}  // namespace

void RegisterQuantizedLinearOps(OpTable& table) {
  table["/MatMulInteger"] = {RunMatMulInteger, ""};
  table["/QLinearMatMul"] = {RunQLinearMatMul, ""};
  table["/ConvInteger"] = {RunConvInteger, "only a per-tensor x_zero_point is supported"};
  table["/QLinearConv"] = {RunQLinearConv,
                           "only per-tensor x_zero_point, y_scale and y_zero_point are supported"};
}

}  // namespace soma::onnx_ops
