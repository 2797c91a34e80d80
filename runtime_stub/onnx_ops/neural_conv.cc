// neural_conv.cc: Conv and ConvTranspose over 1 to 3 spatial axes.
//
// Both run one 3-D loop nest (1-D and 2-D inputs get leading unit axes). The innermost
// loop walks a row of output (Conv) or input (ConvTranspose) positions whose partner lies
// inside the tensor, so it has no bounds checks, and accumulates in double.
#include <algorithm>
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

int64_t Volume(const int64_t (&dims)[3]) { return dims[0] * dims[1] * dims[2]; }

// One kernel element: its weight and, per axis, the input offset k * dilation - pad_begin.
struct KernelTap {
  double weight;
  int64_t offset[3];
};

// Applies one kernel tap to a whole (n, channel) plane, the shared 3-D core of Conv and
// ConvTranspose.
void AccumulateTap(const KernelTap& tap, const int64_t (&stride)[3], const double* source,
                   const int64_t (&source_dims)[3], double* target,
                   const int64_t (&target_dims)[3], bool scatter) {
  // Conv gathers: target o reads source o * s + offset. ConvTranspose scatters: source i
  // writes target i * s + offset; it iterates source positions instead.
  const int64_t(&walk_dims)[3] = scatter ? source_dims : target_dims;
  const int64_t(&bound_dims)[3] = scatter ? target_dims : source_dims;
  int64_t first[3], last[3];
  for (int axis = 0; axis < 3; ++axis) {
    ValidOutputRange(walk_dims[axis], stride[axis], tap.offset[axis], bound_dims[axis],
                     first[axis], last[axis]);
  }
  for (int64_t d = first[0]; d < last[0]; ++d) {
    const int64_t bound_d = d * stride[0] + tap.offset[0];
    for (int64_t h = first[1]; h < last[1]; ++h) {
      const int64_t bound_h = h * stride[1] + tap.offset[1];
      const int64_t walk_row = (d * walk_dims[1] + h) * walk_dims[2];
      const int64_t bound_row = (bound_d * bound_dims[1] + bound_h) * bound_dims[2];
      const int64_t step = stride[2];
      const int64_t offset = tap.offset[2];
      if (scatter) {
        const double* in = source + walk_row;
        double* out = target + bound_row + offset;
        for (int64_t w = first[2]; w < last[2]; ++w) out[w * step] += tap.weight * in[w];
      } else {
        const double* in = source + bound_row + offset;
        double* out = target + walk_row;
        for (int64_t w = first[2]; w < last[2]; ++w) out[w] += tap.weight * in[w * step];
      }
    }
  }
}

// Checks the group count against the channel counts of a convolution.
absl::Status CheckGroups(const OpCall& call, int64_t group, int64_t channels, int64_t divisible,
                         const std::string& what) {
  if (group <= 0 || channels % group != 0 || divisible % group != 0) {
    return InvalidNodeArgument(call, absl::StrCat("group ", group, " must divide the ", channels,
                                                  " input channels and the ", divisible, " ",
                                                  what));
  }
  return absl::OkStatus();
}

// Fills each output channel plane with its bias (or leaves zeros).
absl::Status AddBias(const OpCall& call, const HostTensor* bias, int64_t channels,
                     HostTensor& output) {
  if (bias == nullptr) return absl::OkStatus();
  if (bias->ElementCount() != channels) {
    return InvalidNodeArgument(call, absl::StrCat("bias has ", bias->ElementCount(),
                                                  " elements; expected one per output channel (",
                                                  channels, ")"));
  }
  const int64_t plane = output.ElementCount() / std::max<int64_t>(output.dims[0] * channels, 1);
  for (int64_t n = 0; n < output.dims[0]; ++n) {
    for (int64_t m = 0; m < channels; ++m) {
      double* begin = output.values.data() + (n * channels + m) * plane;
      std::fill(begin, begin + plane, bias->values[m]);
    }
  }
  return absl::OkStatus();
}

Outputs RunConv(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* w, RequiredInput(call, 1));
  if (w->dims.size() != x->dims.size()) {
    return InvalidNodeArgument(call, absl::StrCat("weight dims ", DimsToString(w->dims),
                                                  " and input dims ", DimsToString(x->dims),
                                                  " must have the same rank"));
  }
  const std::vector<int64_t> kernel(w->dims.begin() + 2, w->dims.end());
  ASSIGN_OR_RETURN(const Window3d window, ResolveWindow(call, x->dims, kernel, false));
  const int64_t group = IntAttribute(call.node, "group", 1);
  const int64_t batch = x->dims[0];
  const int64_t channels = x->dims[1];
  const int64_t out_channels = w->dims[0];
  RETURN_IF_ERROR(CheckGroups(call, group, channels, out_channels, "output channels"));
  const int64_t group_channels = channels / group;
  if (w->dims[1] != group_channels) {
    return InvalidNodeArgument(call, absl::StrCat("weight dims ", DimsToString(w->dims),
                                                  " need ", group_channels, " input channels per",
                                                  " group at axis 1"));
  }
  const int64_t group_out_channels = out_channels / group;

  HostTensor output = MakeTensor(x->elem_type, WindowOutputDims(window, batch, out_channels));
  RETURN_IF_ERROR(AddBias(call, OptionalInput(call, 2), out_channels, output));
  const int64_t in_plane = Volume(window.input);
  const int64_t out_plane = Volume(window.output);
  const int64_t kernel_volume = Volume(window.kernel);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      const int64_t g = m / group_out_channels;
      double* target = output.values.data() + (n * out_channels + m) * out_plane;
      for (int64_t c = 0; c < group_channels; ++c) {
        const int64_t channel = g * group_channels + c;
        const double* source = x->values.data() + (n * channels + channel) * in_plane;
        const double* weights = w->values.data() + (m * group_channels + c) * kernel_volume;
        int64_t tap_index = 0;
        for (int64_t kd = 0; kd < window.kernel[0]; ++kd) {
          for (int64_t kh = 0; kh < window.kernel[1]; ++kh) {
            for (int64_t kw = 0; kw < window.kernel[2]; ++kw) {
              const KernelTap tap{weights[tap_index++],
                                  {kd * window.dilation[0] - window.pad_begin[0],
                                   kh * window.dilation[1] - window.pad_begin[1],
                                   kw * window.dilation[2] - window.pad_begin[2]}};
              AccumulateTap(tap, window.stride, source, window.input, target, window.output,
                            false);
            }
          }
        }
      }
    }
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

// The ConvTranspose geometry: output size and pads from pads, output_padding,
// output_shape and auto_pad.
absl::StatusOr<Window3d> ResolveTransposeWindow(const OpCall& call, const HostTensor& x,
                                                const HostTensor& w) {
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  if (rank < 3 || rank > 5 || w.dims.size() != x.dims.size()) {
    return InvalidNodeArgument(call, absl::StrCat("input dims ", DimsToString(x.dims),
                                                  " and weight dims ", DimsToString(w.dims),
                                                  " need the same rank with 1 to 3 spatial axes"));
  }
  const int spatial = static_cast<int>(rank - 2);
  const int shift = 3 - spatial;
  const std::vector<int64_t> ones(spatial, 1);
  const std::vector<int64_t> zeros(2 * spatial, 0);
  const std::vector<int64_t> kernel = IntsAttribute(call.node, "kernel_shape")
                                          .value_or(std::vector<int64_t>(w.dims.begin() + 2,
                                                                         w.dims.end()));
  const std::vector<int64_t> strides = IntsAttribute(call.node, "strides").value_or(ones);
  const std::vector<int64_t> dilations = IntsAttribute(call.node, "dilations").value_or(ones);
  const std::vector<int64_t> pads = IntsAttribute(call.node, "pads").value_or(zeros);
  const std::vector<int64_t> output_padding =
      IntsAttribute(call.node, "output_padding").value_or(std::vector<int64_t>(spatial, 0));
  std::vector<int64_t> output_shape =
      IntsAttribute(call.node, "output_shape").value_or(std::vector<int64_t>());
  if (output_shape.size() > static_cast<size_t>(spatial)) {
    output_shape.erase(output_shape.begin(), output_shape.end() - spatial);
  }
  std::string auto_pad = StringAttribute(call.node, "auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return UnsupportedAttribute(call.node, "auto_pad", auto_pad,
                                "use NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  if (static_cast<int>(kernel.size()) != spatial || static_cast<int>(strides.size()) != spatial ||
      static_cast<int>(dilations.size()) != spatial || static_cast<int>(pads.size()) != 2 * spatial ||
      static_cast<int>(output_padding.size()) != spatial) {
    return InvalidNodeArgument(call, absl::StrCat("kernel_shape, strides, dilations, pads and ",
                                                  "output_padding must match the ", spatial,
                                                  " spatial axes"));
  }
  Window3d window;
  window.spatial_rank = spatial;
  for (int axis = 0; axis < spatial; ++axis) {
    const int slot = axis + shift;
    const int64_t in = x.dims[axis + 2];
    const int64_t extent = (kernel[axis] - 1) * dilations[axis] + 1;
    const int64_t full = strides[axis] * (in - 1) + output_padding[axis] + extent;
    window.input[slot] = in;
    window.kernel[slot] = kernel[axis];
    window.stride[slot] = strides[axis];
    window.dilation[slot] = dilations[axis];
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!output_shape.empty() || same) {
      const int64_t target = output_shape.empty() ? in * strides[axis] : output_shape[axis];
      // A negative total pads negatively, which extends the output (floor division).
      const int64_t total = full - target;
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      window.pad_begin[slot] = auto_pad == "SAME_UPPER" ? half : total - half;
      window.pad_end[slot] = total - window.pad_begin[slot];
    } else if (auto_pad == "NOTSET") {
      window.pad_begin[slot] = pads[axis];
      window.pad_end[slot] = pads[axis + spatial];
    }
    window.output[slot] = full - window.pad_begin[slot] - window.pad_end[slot];
  }
  return window;
}

Outputs RunConvTranspose(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* w, RequiredInput(call, 1));
  ASSIGN_OR_RETURN(const Window3d window, ResolveTransposeWindow(call, *x, *w));
  const int64_t group = IntAttribute(call.node, "group", 1);
  const int64_t batch = x->dims[0];
  const int64_t channels = x->dims[1];
  if (w->dims[0] != channels) {
    return InvalidNodeArgument(call, absl::StrCat("weight dims ", DimsToString(w->dims),
                                                  " need ", channels, " input channels at axis 0"));
  }
  const int64_t group_out_channels = w->dims[1];
  const int64_t out_channels = group_out_channels * group;
  RETURN_IF_ERROR(CheckGroups(call, group, channels, out_channels, "output channels"));
  const int64_t group_channels = channels / group;

  HostTensor output = MakeTensor(x->elem_type, WindowOutputDims(window, batch, out_channels));
  RETURN_IF_ERROR(AddBias(call, OptionalInput(call, 2), out_channels, output));
  const int64_t in_plane = Volume(window.input);
  const int64_t out_plane = Volume(window.output);
  const int64_t kernel_volume = Volume(window.kernel);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t channel = 0; channel < channels; ++channel) {
      const int64_t g = channel / group_channels;
      const double* source = x->values.data() + (n * channels + channel) * in_plane;
      for (int64_t m = 0; m < group_out_channels; ++m) {
        const int64_t out_channel = g * group_out_channels + m;
        double* target = output.values.data() + (n * out_channels + out_channel) * out_plane;
        const double* weights = w->values.data() + (channel * group_out_channels + m) * kernel_volume;
        int64_t tap_index = 0;
        for (int64_t kd = 0; kd < window.kernel[0]; ++kd) {
          for (int64_t kh = 0; kh < window.kernel[1]; ++kh) {
            for (int64_t kw = 0; kw < window.kernel[2]; ++kw) {
              const KernelTap tap{weights[tap_index++],
                                  {kd * window.dilation[0] - window.pad_begin[0],
                                   kh * window.dilation[1] - window.pad_begin[1],
                                   kw * window.dilation[2] - window.pad_begin[2]}};
              AccumulateTap(tap, window.stride, source, window.input, target, window.output,
                            true);
            }
          }
        }
      }
    }
  }
  RoundTensor(output);
  return std::vector<HostTensor>{std::move(output)};
}

}  // namespace

void RegisterNeuralConvOps(OpTable& table) {
  table["/Conv"] = {RunConv, ""};
  table["/ConvTranspose"] = {RunConvTranspose, ""};
}

}  // namespace soma::onnx_ops
