// neural_pool.cc: pooling operators: MaxPool (with Indices), AveragePool, LpPool,
// GlobalAveragePool, GlobalMaxPool, GlobalLpPool, MaxUnpool.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/neural_window.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/shape_common.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

enum class PoolKind { kMax, kAverage, kLp };

struct PoolResult {
  double value = 0.0;
  int64_t argmax = -1;  // spatial index of the maximum (kMax), row-major
};

// Pools one output position of the (n, c) plane `plane`.
PoolResult PoolWindow(const Window3d& window, const double* plane, const int64_t (&origin)[3],
                      PoolKind kind, bool count_include_pad, double p) {
  double accumulator = kind == PoolKind::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
  int64_t argmax = -1;
  int64_t counted = 0;
  for (int64_t kd = 0; kd < window.kernel[0]; ++kd) {
    const int64_t d = origin[0] + kd * window.dilation[0];
    for (int64_t kh = 0; kh < window.kernel[1]; ++kh) {
      const int64_t h = origin[1] + kh * window.dilation[1];
      for (int64_t kw = 0; kw < window.kernel[2]; ++kw) {
        const int64_t w = origin[2] + kw * window.dilation[2];
        const bool inside = d >= 0 && d < window.input[0] && h >= 0 && h < window.input[1] &&
                            w >= 0 && w < window.input[2];
        if (!inside) {
          // Padding counts toward the divisor only inside the declared pads.
          const bool in_pads = d < window.input[0] + window.pad_end[0] &&
                               h < window.input[1] + window.pad_end[1] &&
                               w < window.input[2] + window.pad_end[2];
          if (count_include_pad && in_pads) ++counted;
          continue;
        }
        const int64_t flat = (d * window.input[1] + h) * window.input[2] + w;
        const double value = plane[flat];
        ++counted;
        if (kind == PoolKind::kMax) {
          if (value > accumulator || argmax < 0) {
            accumulator = value;
            argmax = flat;
          }
        } else if (kind == PoolKind::kAverage) {
          accumulator += value;
        } else {
          accumulator += std::pow(std::fabs(value), p);
        }
      }
    }
  }
  if (kind == PoolKind::kAverage) accumulator /= std::max<int64_t>(counted, 1);
  if (kind == PoolKind::kLp) accumulator = std::pow(accumulator, 1.0 / p);
  return {accumulator, argmax};
}

// The column-major spatial index of the row-major `flat` index (MaxPool storage_order 1).
int64_t ColumnMajorIndex(const Window3d& window, int64_t flat) {
  const int64_t w = flat % window.input[2];
  const int64_t h = (flat / window.input[2]) % window.input[1];
  const int64_t d = flat / (window.input[2] * window.input[1]);
  return d + h * window.input[0] + w * window.input[0] * window.input[1];
}

Outputs RunPool(const OpCall& call, PoolKind kind) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  if (FindAttribute(call.node, "kernel_shape") == nullptr) {
    return InvalidNodeArgument(call, "attribute 'kernel_shape' is missing; pools require it");
  }
  ASSIGN_OR_RETURN(const Window3d window, ResolveWindow(call, x->dims, {}, true));
  const bool count_include_pad = IntAttribute(call.node, "count_include_pad", 0) != 0;
  const double p = static_cast<double>(IntAttribute(call.node, "p", 2));
  const bool column_major = IntAttribute(call.node, "storage_order", 0) != 0;
  const int64_t batch = x->dims[0];
  const int64_t channels = x->dims[1];
  const std::vector<int64_t> out_dims = WindowOutputDims(window, batch, channels);
  HostTensor output = MakeTensor(x->elem_type, out_dims);
  HostTensor indices = MakeTensor(kInt64, out_dims);
  const int64_t in_plane = window.input[0] * window.input[1] * window.input[2];
  int64_t out_flat = 0;
  for (int64_t plane_index = 0; plane_index < batch * channels; ++plane_index) {
    const double* plane = x->values.data() + plane_index * in_plane;
    for (int64_t od = 0; od < window.output[0]; ++od) {
      for (int64_t oh = 0; oh < window.output[1]; ++oh) {
        for (int64_t ow = 0; ow < window.output[2]; ++ow) {
          const int64_t origin[3] = {od * window.stride[0] - window.pad_begin[0],
                                     oh * window.stride[1] - window.pad_begin[1],
                                     ow * window.stride[2] - window.pad_begin[2]};
          const PoolResult result = PoolWindow(window, plane, origin, kind, count_include_pad, p);
          output.values[out_flat] = result.value;
          const int64_t spatial =
              column_major ? ColumnMajorIndex(window, result.argmax) : result.argmax;
          indices.values[out_flat] = static_cast<double>(plane_index * in_plane + spatial);
          ++out_flat;
        }
      }
    }
  }
  RoundTensor(output);
  std::vector<HostTensor> outputs{std::move(output)};
  if (kind == PoolKind::kMax && call.node.output_size() > 1) outputs.push_back(std::move(indices));
  return outputs;
}

Outputs RunMaxPool(const OpCall& call) { return RunPool(call, PoolKind::kMax); }
Outputs RunAveragePool(const OpCall& call) { return RunPool(call, PoolKind::kAverage); }
Outputs RunLpPool(const OpCall& call) { return RunPool(call, PoolKind::kLp); }

Outputs RunGlobalPool(const OpCall& call, PoolKind kind) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  if (x->dims.size() < 2) {
    return InvalidNodeArgument(call, absl::StrCat("input dims ", DimsToString(x->dims),
                                                  " need N and C axes"));
  }
  const double p = static_cast<double>(IntAttribute(call.node, "p", 2));
  std::vector<int64_t> dims = x->dims;
  std::fill(dims.begin() + 2, dims.end(), 1);
  HostTensor output = MakeTensor(x->elem_type, dims);
  const int64_t planes = x->dims[0] * x->dims[1];
  const int64_t plane_size = x->ElementCount() / std::max<int64_t>(planes, 1);
  for (int64_t plane = 0; plane < planes; ++plane) {
    const double* begin = x->values.data() + plane * plane_size;
    double result = kind == PoolKind::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t i = 0; i < plane_size; ++i) {
      if (kind == PoolKind::kMax) {
        result = std::max(result, begin[i]);
      } else if (kind == PoolKind::kAverage) {
        result += begin[i];
      } else {
        result += std::pow(std::fabs(begin[i]), p);
      }
    }
    if (kind == PoolKind::kAverage) result /= static_cast<double>(plane_size);
    if (kind == PoolKind::kLp) result = std::pow(result, 1.0 / p);
    output.values[plane] = result;
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

Outputs RunGlobalMaxPool(const OpCall& call) { return RunGlobalPool(call, PoolKind::kMax); }
Outputs RunGlobalAveragePool(const OpCall& call) {
  return RunGlobalPool(call, PoolKind::kAverage);
}
Outputs RunGlobalLpPool(const OpCall& call) { return RunGlobalPool(call, PoolKind::kLp); }

Outputs RunMaxUnpool(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* indices, RequiredInput(call, 1));
  if (indices->dims != x->dims || x->dims.size() < 3) {
    return InvalidNodeArgument(call, absl::StrCat("X dims ", DimsToString(x->dims),
                                                  " and I dims ", DimsToString(indices->dims),
                                                  " must be equal, with spatial axes"));
  }
  // Indices address the default output, whose size follows from kernel_shape, strides and
  // pads; an output_shape input only re-places those positions in a larger output.
  std::vector<int64_t> default_dims;
  {
    const std::vector<int64_t> kernel =
        IntsAttribute(call.node, "kernel_shape").value_or(std::vector<int64_t>());
    const size_t spatial = x->dims.size() - 2;
    const std::vector<int64_t> strides =
        IntsAttribute(call.node, "strides").value_or(std::vector<int64_t>(spatial, 1));
    const std::vector<int64_t> pads =
        IntsAttribute(call.node, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
    if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial) {
      return InvalidNodeArgument(call, "kernel_shape, strides and pads must match the spatial axes");
    }
    default_dims = {x->dims[0], x->dims[1]};
    for (size_t axis = 0; axis < spatial; ++axis) {
      default_dims.push_back((x->dims[axis + 2] - 1) * strides[axis] + kernel[axis] - pads[axis] -
                             pads[axis + spatial]);
    }
  }
  std::vector<int64_t> out_dims = default_dims;
  if (OptionalInput(call, 2) != nullptr) {
    ASSIGN_OR_RETURN(out_dims, InputAsInt64s(call, 2));
  }
  if (out_dims.size() != default_dims.size()) {
    return InvalidNodeArgument(call, absl::StrCat("output_shape ", DimsToString(out_dims),
                                                  " must have rank ", default_dims.size()));
  }
  HostTensor output = MakeTensor(x->elem_type, out_dims);
  const int64_t total = DimsProduct(default_dims);
  const std::vector<int64_t> out_strides = RowMajorStrides(out_dims);
  for (size_t i = 0; i < x->values.size(); ++i) {
    int64_t rest = ClampToInt64(indices->values[i]);
    if (rest < 0 || rest >= total) {
      return InvalidNodeArgument(call, absl::StrCat("index ", rest, " is outside the ",
                                                    DimsToString(default_dims), " output"));
    }
    int64_t target = 0;
    for (size_t axis = default_dims.size(); axis-- > 0;) {
      const int64_t coordinate = rest % default_dims[axis];
      rest /= default_dims[axis];
      if (coordinate >= out_dims[axis]) {
        return InvalidNodeArgument(call, absl::StrCat("output_shape ", DimsToString(out_dims),
                                                      " is smaller than the pooled input"));
      }
      target += coordinate * out_strides[axis];
    }
    output.values[target] = x->values[i];
  }
  return std::vector<HostTensor>{std::move(output)};
}

}  // namespace

void RegisterNeuralPoolOps(OpTable& table) {
  table["/MaxPool"] = {RunMaxPool, ""};
  table["/AveragePool"] = {RunAveragePool, ""};
  table["/LpPool"] = {RunLpPool, ""};
  table["/GlobalMaxPool"] = {RunGlobalMaxPool, ""};
  table["/GlobalAveragePool"] = {RunGlobalAveragePool, ""};
  table["/GlobalLpPool"] = {RunGlobalLpPool, ""};
  table["/MaxUnpool"] = {RunMaxUnpool, ""};
}

}  // namespace soma::onnx_ops
