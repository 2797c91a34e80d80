// neural_window.cc: sliding-window geometry for Conv and the pooling operators.
#include "onnx_ops/neural_window.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/shape_common.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

absl::StatusOr<Window3d> ResolveWindow(const OpCall& call, const std::vector<int64_t>& input_dims,
                                       const std::vector<int64_t>& kernel_dims,
                                       bool allow_ceil_mode) {
  const int64_t rank = static_cast<int64_t>(input_dims.size());
  if (rank < 3 || rank > 5) {
    return InvalidNodeArgument(call, absl::StrCat("input dims ", DimsToString(input_dims),
                                                  " need 1 to 3 spatial axes after N and C"));
  }
  Window3d window;
  const int spatial = static_cast<int>(rank - 2);
  window.spatial_rank = spatial;
  const int shift = 3 - spatial;  // leading unit axes

  const std::vector<int64_t> kernel =
      IntsAttribute(call.node, "kernel_shape").value_or(kernel_dims);
  const std::vector<int64_t> strides =
      IntsAttribute(call.node, "strides").value_or(std::vector<int64_t>(spatial, 1));
  const std::vector<int64_t> dilations =
      IntsAttribute(call.node, "dilations").value_or(std::vector<int64_t>(spatial, 1));
  const std::vector<int64_t> pads =
      IntsAttribute(call.node, "pads").value_or(std::vector<int64_t>(2 * spatial, 0));
  if (static_cast<int>(kernel.size()) != spatial || static_cast<int>(strides.size()) != spatial ||
      static_cast<int>(dilations.size()) != spatial || static_cast<int>(pads.size()) != 2 * spatial) {
    return InvalidNodeArgument(
        call, absl::StrCat("kernel_shape ", DimsToString(kernel), ", strides ",
                           DimsToString(strides), ", dilations ", DimsToString(dilations),
                           " and pads ", DimsToString(pads), " must have ", spatial,
                           " entries (pads ", 2 * spatial, ") for input dims ",
                           DimsToString(input_dims)));
  }
  std::string auto_pad = StringAttribute(call.node, "auto_pad", "NOTSET");
  if (auto_pad.empty()) auto_pad = "NOTSET";
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return UnsupportedAttribute(call.node, "auto_pad", auto_pad,
                                "use NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  const bool ceil_mode = allow_ceil_mode && IntAttribute(call.node, "ceil_mode", 0) != 0;

  for (int axis = 0; axis < spatial; ++axis) {
    const int slot = axis + shift;
    const int64_t in = input_dims[axis + 2];
    const int64_t stride = strides[axis];
    const int64_t dilation = dilations[axis];
    if (kernel[axis] <= 0 || stride <= 0 || dilation <= 0) {
      return InvalidNodeArgument(call, absl::StrCat("kernel_shape, strides and dilations must ",
                                                    "be positive; found ", kernel[axis], ", ",
                                                    stride, ", ", dilation, " on spatial axis ",
                                                    axis));
    }
    const int64_t extent = (kernel[axis] - 1) * dilation + 1;
    window.input[slot] = in;
    window.kernel[slot] = kernel[axis];
    window.stride[slot] = stride;
    window.dilation[slot] = dilation;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t out = CeilDiv(in, stride);
      const int64_t total = std::max<int64_t>((out - 1) * stride + extent - in, 0);
      const int64_t smaller = total / 2;
      window.pad_begin[slot] = auto_pad == "SAME_UPPER" ? smaller : total - smaller;
      window.pad_end[slot] = total - window.pad_begin[slot];
      window.output[slot] = out;
      continue;
    }
    if (auto_pad == "NOTSET") {
      window.pad_begin[slot] = pads[axis];
      window.pad_end[slot] = pads[axis + spatial];
    }
    const int64_t span = in + window.pad_begin[slot] + window.pad_end[slot] - extent;
    if (span < 0) {
      return InvalidNodeArgument(call, absl::StrCat("the window of extent ", extent,
                                                    " exceeds the padded input of ",
                                                    span + extent, " on spatial axis ", axis));
    }
    int64_t out = (ceil_mode ? CeilDiv(span, stride) : FloorDiv(span, stride)) + 1;
    // A window may not start inside the end padding only.
    if (ceil_mode && (out - 1) * stride >= in + window.pad_begin[slot]) --out;
    window.output[slot] = out;
  }
  return window;
}

std::vector<int64_t> WindowOutputDims(const Window3d& window, int64_t batch, int64_t channels) {
  std::vector<int64_t> dims = {batch, channels};
  for (int slot = 3 - window.spatial_rank; slot < 3; ++slot) dims.push_back(window.output[slot]);
  return dims;
}

void ValidOutputRange(int64_t output, int64_t stride, int64_t offset, int64_t input,
                      int64_t& first, int64_t& last) {
  first = std::max<int64_t>(CeilDiv(-offset, stride), 0);
  last = std::min<int64_t>(FloorDiv(input - 1 - offset, stride) + 1, output);
  if (last < first) last = first;
}

}  // namespace soma::onnx_ops
