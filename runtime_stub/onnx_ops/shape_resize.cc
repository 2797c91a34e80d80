// shape_resize.cc: Resize (opset 10 to 19) and Upsample (opset 7 and 9).
//
// Every mode is separable: each resized axis gets, per output index, a short list of
// (input index, weight) taps, and one pass per axis applies them. Nearest has one tap,
// linear two, cubic four.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/shape_common.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

struct Tap {
  int64_t index;
  double weight;
};

// Taps of one axis, per output index; `outside[o]` marks tf_crop_and_resize positions that
// take the extrapolation value.
struct AxisTaps {
  std::vector<std::vector<Tap>> taps;
  std::vector<bool> outside;
};

struct ResizeOptions {
  std::string mode = "nearest";
  std::string transform = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
  double cubic_a = -0.75;
  bool exclude_outside = false;
  bool legacy_nearest = false;  // Resize-10 and Upsample: floor, or ceil when downscaling
};

// Maps output index `x` of an axis to a coordinate in the input.
double OriginalCoordinate(const ResizeOptions& options, double x, double scale, int64_t in,
                          int64_t out, double roi_start, double roi_end) {
  const std::string& mode = options.transform;
  if (mode == "half_pixel") return (x + 0.5) / scale - 0.5;
  // The resized length is in * scale before flooring, as in the ONNX reference
  // implementation; it equals the output size when sizes are given.
  const double resized = scale * static_cast<double>(in);
  if (mode == "pytorch_half_pixel") return resized > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (mode == "align_corners") {
    return resized == 1 ? 0.0 : x * static_cast<double>(in - 1) / (resized - 1);
  }
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (mode == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out) / (scale * static_cast<double>(in));
    const double center = static_cast<double>(in) / 2.0;
    return center * (1.0 - adjustment) + (x + 0.5) / scale - 0.5;
  }
  if (mode == "tf_crop_and_resize") {
    const double span = static_cast<double>(in - 1);
    if (resized == 1) return 0.5 * (roi_start + roi_end) * span;
    return roi_start * span + x * (roi_end - roi_start) * span / (resized - 1);
  }
  return x / scale;  // asymmetric
}

int64_t NearestIndex(const ResizeOptions& options, double x, double scale) {
  if (options.legacy_nearest) {
    return static_cast<int64_t>(scale < 1.0 ? std::ceil(x) : std::floor(x));
  }
  const std::string& mode = options.nearest_mode;
  if (mode == "floor") return static_cast<int64_t>(std::floor(x));
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  const double floor = std::floor(x);
  if (x - floor == 0.5) {
    return static_cast<int64_t>(mode == "round_prefer_ceil" ? floor + 1.0 : floor);
  }
  return static_cast<int64_t>(std::round(x));
}

AxisTaps BuildAxisTaps(const ResizeOptions& options, int64_t in, int64_t out, double scale,
                       double roi_start, double roi_end) {
  AxisTaps result;
  result.taps.resize(out);
  result.outside.assign(out, false);
  const auto clamp = [in](int64_t index) { return std::clamp<int64_t>(index, 0, in - 1); };
  for (int64_t o = 0; o < out; ++o) {
    const double x =
        OriginalCoordinate(options, static_cast<double>(o), scale, in, out, roi_start, roi_end);
    if (options.transform == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in - 1))) {
      result.outside[o] = true;
    }
    std::vector<Tap>& taps = result.taps[o];
    if (options.mode == "nearest") {
      taps.push_back({clamp(NearestIndex(options, x, scale)), 1.0});
      continue;
    }
    const double base = std::floor(x);
    const double t = x - base;
    const int64_t first = static_cast<int64_t>(base);
    if (options.mode == "linear") {
      taps.push_back({clamp(first), 1.0 - t});
      taps.push_back({clamp(first + 1), t});
      continue;
    }
    const double a = options.cubic_a;
    const double weights[4] = {
        ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
        ((a + 2) * t - (a + 3)) * t * t + 1,
        ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
        ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a};
    double kept_sum = 0.0;
    for (int k = 0; k < 4; ++k) {
      const int64_t index = first - 1 + k;
      const bool inside = index >= 0 && index < in;
      if (options.exclude_outside && !inside) continue;
      taps.push_back({clamp(index), weights[k]});
      kept_sum += weights[k];
    }
    if (options.exclude_outside && kept_sum != 0.0) {
      for (Tap& tap : taps) tap.weight /= kept_sum;
    }
  }
  return result;
}

// Applies the taps of `axis` to `input`.
HostTensor ApplyAxisTaps(const HostTensor& input, int64_t axis, const AxisTaps& taps) {
  std::vector<int64_t> dims = input.dims;
  const int64_t out = static_cast<int64_t>(taps.taps.size());
  dims[axis] = out;
  HostTensor output = MakeTensor(input.elem_type, dims);
  const AxisSplit split = SplitAtAxis(input.dims, axis);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t o = 0; o < out; ++o) {
      double* target = output.values.data() + (outer * out + o) * split.inner;
      for (const Tap& tap : taps.taps[o]) {
        const double* source =
            input.values.data() + (outer * split.axis + tap.index) * split.inner;
        for (int64_t i = 0; i < split.inner; ++i) target[i] += tap.weight * source[i];
      }
    }
  }
  return output;
}

// Resizes `x` to `out_dims` with per-axis `scales` and the roi (starts then ends).
HostTensor ResizeTensor(const HostTensor& x, const std::vector<int64_t>& out_dims,
                        const std::vector<double>& scales, const std::vector<double>& roi,
                        const ResizeOptions& options, double extrapolation_value) {
  const size_t rank = x.dims.size();
  HostTensor current = x;
  std::vector<std::vector<bool>> outside(rank);
  for (size_t axis = 0; axis < rank; ++axis) {
    const double roi_start = roi.size() == 2 * rank ? roi[axis] : 0.0;
    const double roi_end = roi.size() == 2 * rank ? roi[axis + rank] : 1.0;
    const bool identity = x.dims[axis] == out_dims[axis] && scales[axis] == 1.0 &&
                          options.transform != "tf_crop_and_resize";
    if (identity) {
      outside[axis].assign(out_dims[axis], false);
      continue;
    }
    const AxisTaps taps = BuildAxisTaps(options, x.dims[axis], out_dims[axis], scales[axis],
                                        roi_start, roi_end);
    outside[axis] = taps.outside;
    current = ApplyAxisTaps(current, static_cast<int64_t>(axis), taps);
  }
  if (options.transform == "tf_crop_and_resize") {
    std::vector<int64_t> index(rank, 0);
    for (double& value : current.values) {
      for (size_t axis = 0; axis < rank; ++axis) {
        if (outside[axis][index[axis]]) {
          value = extrapolation_value;
          break;
        }
      }
      NextIndex(index, out_dims);
    }
  }
  RoundTensor(current);
  return current;
}

Outputs RunResize(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  const size_t rank = x->dims.size();
  ResizeOptions options;
  options.mode = StringAttribute(call.node, "mode", "nearest");
  if (options.mode != "nearest" && options.mode != "linear" && options.mode != "cubic") {
    return UnsupportedAttribute(call.node, "mode", options.mode, "use nearest, linear or cubic");
  }
  options.transform = StringAttribute(call.node, "coordinate_transformation_mode",
                                      call.opset < 11 ? "asymmetric" : "half_pixel");
  options.nearest_mode = StringAttribute(call.node, "nearest_mode", "round_prefer_floor");
  options.cubic_a = FloatAttribute(call.node, "cubic_coeff_a", -0.75f);
  options.exclude_outside = IntAttribute(call.node, "exclude_outside", 0) != 0;
  options.legacy_nearest = call.opset < 11;
  const double extrapolation_value = FloatAttribute(call.node, "extrapolation_value", 0.0f);
  static const char* const kTransforms[] = {
      "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize",
      "half_pixel_symmetric", "tf_half_pixel_for_nn"};
  if (std::find(std::begin(kTransforms), std::end(kTransforms), options.transform) ==
      std::end(kTransforms)) {
    return UnsupportedAttribute(call.node, "coordinate_transformation_mode", options.transform,
                                "use one of the modes of the ONNX specification");
  }
  static const char* const kNearestModes[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                              "ceil"};
  if (std::find(std::begin(kNearestModes), std::end(kNearestModes), options.nearest_mode) ==
      std::end(kNearestModes)) {
    return UnsupportedAttribute(call.node, "nearest_mode", options.nearest_mode,
                                "use round_prefer_floor, round_prefer_ceil, floor or ceil");
  }
  const std::string policy = StringAttribute(call.node, "keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller") {
    return UnsupportedAttribute(call.node, "keep_aspect_ratio_policy", policy,
                                "use stretch, not_larger or not_smaller");
  }

  // Step 1: read roi, scales or sizes (Resize-10 has only scales at input 1).
  const HostTensor* roi_tensor = call.opset >= 11 ? OptionalInput(call, 1) : nullptr;
  const HostTensor* scales_tensor = OptionalInput(call, call.opset >= 11 ? 2 : 1);
  const HostTensor* sizes_tensor = call.opset >= 11 ? OptionalInput(call, 3) : nullptr;
  if (scales_tensor != nullptr && scales_tensor->ElementCount() == 0) scales_tensor = nullptr;
  if (sizes_tensor != nullptr && sizes_tensor->ElementCount() == 0) sizes_tensor = nullptr;
  std::vector<int64_t> axes =
      IntsAttribute(call.node, "axes").value_or(std::vector<int64_t>());
  if (axes.empty()) {
    for (size_t axis = 0; axis < rank; ++axis) axes.push_back(static_cast<int64_t>(axis));
  }
  for (int64_t& axis : axes) {
    ASSIGN_OR_RETURN(axis, NormalizeAxis(call.node, axis, static_cast<int64_t>(rank)));
  }
  std::vector<double> scales(rank, 1.0);
  std::vector<int64_t> out_dims = x->dims;
  std::vector<double> roi(2 * rank, 0.0);
  for (size_t axis = 0; axis < rank; ++axis) roi[axis + rank] = 1.0;
  if (roi_tensor != nullptr && roi_tensor->ElementCount() == static_cast<int64_t>(2 * axes.size())) {
    for (size_t i = 0; i < axes.size(); ++i) {
      roi[axes[i]] = roi_tensor->values[i];
      roi[axes[i] + rank] = roi_tensor->values[i + axes.size()];
    }
  }
  if (sizes_tensor != nullptr) {
    const std::vector<int64_t> sizes = ToInt64Vector(*sizes_tensor);
    if (sizes.size() != axes.size()) {
      return InvalidNodeArgument(call, absl::StrCat("sizes has ", sizes.size(), " entries; ",
                                                    "expected ", axes.size()));
    }
    double common = policy == "not_larger" ? 1e300 : 0.0;
    for (size_t i = 0; i < axes.size(); ++i) {
      const double ratio = static_cast<double>(sizes[i]) / static_cast<double>(x->dims[axes[i]]);
      common = policy == "not_larger" ? std::min(common, ratio) : std::max(common, ratio);
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t axis = axes[i];
      if (policy == "stretch") {
        out_dims[axis] = sizes[i];
        scales[axis] = static_cast<double>(sizes[i]) / static_cast<double>(x->dims[axis]);
      } else {
        scales[axis] = common;
        out_dims[axis] = static_cast<int64_t>(
            std::round(common * static_cast<double>(x->dims[axis])));
      }
    }
  } else if (scales_tensor != nullptr) {
    if (scales_tensor->ElementCount() != static_cast<int64_t>(axes.size())) {
      return InvalidNodeArgument(call, absl::StrCat("scales has ", scales_tensor->ElementCount(),
                                                    " entries; expected ", axes.size()));
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t axis = axes[i];
      scales[axis] = scales_tensor->values[i];
      out_dims[axis] = static_cast<int64_t>(
          std::floor(static_cast<double>(x->dims[axis]) * scales[axis]));
    }
  } else {
    return InvalidNodeArgument(call, "neither scales nor sizes is given; connect one of them");
  }
  const bool antialias = IntAttribute(call.node, "antialias", 0) != 0;
  if (antialias && options.mode != "nearest") {
    for (const double scale : scales) {
      if (scale < 1.0) {
        return UnsupportedAttribute(call.node, "antialias", "1",
                                    "antialiased downscaling is not implemented");
      }
    }
  }
  // Step 2: resize axis by axis.
  return std::vector<HostTensor>{
      ResizeTensor(*x, out_dims, scales, roi, options, extrapolation_value)};
}

Outputs RunUpsample(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  std::vector<double> scales;
  if (call.opset >= 9) {
    ASSIGN_OR_RETURN(const HostTensor* scales_tensor, RequiredInput(call, 1));
    scales = scales_tensor->values;
  } else {
    for (const float scale :
         FloatsAttribute(call.node, "scales").value_or(std::vector<float>())) {
      scales.push_back(scale);
    }
  }
  if (scales.size() != x->dims.size()) {
    return InvalidNodeArgument(call, absl::StrCat("scales has ", scales.size(), " entries; ",
                                                  "expected the input rank ", x->dims.size()));
  }
  ResizeOptions options;
  options.mode = StringAttribute(call.node, "mode", "nearest");
  if (options.mode == "bilinear") options.mode = "linear";
  if (options.mode != "nearest" && options.mode != "linear") {
    return UnsupportedAttribute(call.node, "mode", options.mode, "use nearest or linear");
  }
  options.transform = "asymmetric";
  options.legacy_nearest = true;
  std::vector<int64_t> out_dims = x->dims;
  for (size_t axis = 0; axis < scales.size(); ++axis) {
    out_dims[axis] =
        static_cast<int64_t>(std::floor(static_cast<double>(x->dims[axis]) * scales[axis]));
  }
  return std::vector<HostTensor>{ResizeTensor(*x, out_dims, scales, {}, options, 0.0)};
}

}  // namespace

void RegisterShapeResizeOps(OpTable& table) {
  table["/Resize"] = {RunResize, "antialias with linear or cubic downscaling not supported"};
  table["/Upsample"] = {RunUpsample, ""};
}

}  // namespace soma::onnx_ops
