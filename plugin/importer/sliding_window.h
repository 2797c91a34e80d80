// sliding_window.h: kernel, stride, dilation and padding of Conv and pooling nodes, and
// their output extents (auto_pad and ceil_mode included).
#ifndef SOMA_IMPORTER_SLIDING_WINDOW_H_
#define SOMA_IMPORTER_SLIDING_WINDOW_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/attributes.h"

namespace soma::importer {

/// Per spatial axis (H, then W when present): the window of one Conv or pooling node.
struct WindowGeometry {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads_begin;
  /// End padding. Under ceil_mode it includes the extra rows or columns that the last,
  /// partial window reads past the declared padding.
  std::vector<int64_t> pads_end;
  std::vector<int64_t> output;
  /// True when ceil_mode added padding beyond the declared `pads`.
  bool ceil_mode_extended_pads = false;
};

/// Reads `strides`, `dilations`, `pads` and `auto_pad` from `attributes` for a window of
/// extents `kernel` over spatial input extents `input`, and computes the output extents.
/// NOTSET uses explicit pads with floor (or, when `ceil_mode`, ceil) division, and drops a
/// last window that would start inside the end padding, as ONNX Runtime and PyTorch do.
/// SAME_UPPER and SAME_LOWER give ceil(input / stride) and put the odd padding row at the end
/// or the beginning; VALID uses no padding. InvalidArgument names the attribute and value
/// on a wrong length, a non-positive stride or dilation, a negative pad, an unknown auto_pad,
/// or a window larger than the padded input.
absl::StatusOr<WindowGeometry> ComputeWindowGeometry(const NodeAttributes& attributes,
                                                     const std::vector<int64_t>& input,
                                                     const std::vector<int64_t>& kernel,
                                                     bool ceil_mode);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_SLIDING_WINDOW_H_
