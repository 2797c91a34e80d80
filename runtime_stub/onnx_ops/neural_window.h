// neural_window.h: sliding-window geometry (kernel, strides, dilations, pads, auto_pad,
// ceil_mode) shared by Conv and the pooling operators (internal).
#ifndef SOMA_ONNX_OPS_NEURAL_WINDOW_H_
#define SOMA_ONNX_OPS_NEURAL_WINDOW_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx_ops/op_table.h"

namespace soma::onnx_ops {

/// The window of a convolution or pool over 3 spatial axes. Inputs with 1 or 2 spatial
/// axes get leading axes of size 1 (kernel 1, stride 1, no pad), so one 3-D loop nest
/// serves every rank.
struct Window3d {
  /// Number of spatial axes of the node (1 to 3).
  int spatial_rank = 0;
  int64_t input[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t dilation[3] = {1, 1, 1};
  int64_t pad_begin[3] = {0, 0, 0};
  int64_t pad_end[3] = {0, 0, 0};
  int64_t output[3] = {1, 1, 1};
};

/// Reads kernel_shape (or `kernel_dims` when the attribute is absent), strides, dilations,
/// pads, auto_pad and, when `allow_ceil_mode`, ceil_mode for an input of `input_dims`
/// (N, C, spatial...), and computes the output size. InvalidArgument names the node for
/// ranks outside 3 to 5 and for windows larger than the padded input; Unimplemented for
/// an unknown auto_pad.
absl::StatusOr<Window3d> ResolveWindow(const OpCall& call, const std::vector<int64_t>& input_dims,
                                       const std::vector<int64_t>& kernel_dims,
                                       bool allow_ceil_mode);

/// The dims (N, C, output spatial...) of a window result.
std::vector<int64_t> WindowOutputDims(const Window3d& window, int64_t batch, int64_t channels);

/// The range [first, last) of output positions o along one axis for which the input
/// position o * stride + offset lies in [0, input).
void ValidOutputRange(int64_t output, int64_t stride, int64_t offset, int64_t input,
                      int64_t& first, int64_t& last);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_NEURAL_WINDOW_H_
