// sliding_window.cc: window attributes and output extents of Conv and pooling nodes.
#include "importer/sliding_window.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::importer {

namespace {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

std::string IntsText(const std::vector<int64_t>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

absl::StatusOr<AutoPad> ReadAutoPad(const NodeAttributes& attributes) {
  auto text = attributes.String("auto_pad", "NOTSET");
  if (!text.ok()) return text.status();
  if (*text == "NOTSET" || text->empty()) return AutoPad::kNotSet;
  if (*text == "SAME_UPPER") return AutoPad::kSameUpper;
  if (*text == "SAME_LOWER") return AutoPad::kSameLower;
  if (*text == "VALID") return AutoPad::kValid;
  return attributes.InvalidValue("auto_pad", absl::StrCat("'", *text, "'"),
                                 "expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
}

// Reads a per-axis INTS attribute whose entries must all be at least `minimum`.
absl::StatusOr<std::vector<int64_t>> ReadAxisInts(const NodeAttributes& attributes,
                                                  const char* name, size_t expected_size,
                                                  int64_t default_value, int64_t minimum) {
  auto values = attributes.Ints(name, std::vector<int64_t>(expected_size, default_value));
  if (!values.ok()) return values.status();
  if (values->size() != expected_size) {
    return attributes.InvalidValue(name, IntsText(*values),
                                   absl::StrCat("expected ", expected_size, " entries"));
  }
  for (int64_t value : *values) {
    if (value < minimum) {
      return attributes.InvalidValue(name, IntsText(*values),
                                     absl::StrCat("every entry must be at least ", minimum));
    }
  }
  return values;
}

int64_t CeilDiv(int64_t numerator, int64_t denominator) {
  return (numerator + denominator - 1) / denominator;
}

}  // namespace

absl::StatusOr<WindowGeometry> ComputeWindowGeometry(const NodeAttributes& attributes,
                                                     const std::vector<int64_t>& input,
                                                     const std::vector<int64_t>& kernel,
                                                     bool ceil_mode) {
  const size_t axes = input.size();
  WindowGeometry window;
  window.kernel = kernel;
  auto auto_pad = ReadAutoPad(attributes);
  if (!auto_pad.ok()) return auto_pad.status();
  auto strides = ReadAxisInts(attributes, "strides", axes, 1, 1);
  if (!strides.ok()) return strides.status();
  window.strides = *strides;
  auto dilations = ReadAxisInts(attributes, "dilations", axes, 1, 1);
  if (!dilations.ok()) return dilations.status();
  window.dilations = *dilations;
  auto pads = ReadAxisInts(attributes, "pads", 2 * axes, 0, 0);
  if (!pads.ok()) return pads.status();

  window.pads_begin.assign(axes, 0);
  window.pads_end.assign(axes, 0);
  window.output.assign(axes, 0);
  for (size_t axis = 0; axis < axes; ++axis) {
    const int64_t stride = window.strides[axis];
    const int64_t effective_kernel = (kernel[axis] - 1) * window.dilations[axis] + 1;
    int64_t pad_begin = 0;
    int64_t pad_end = 0;
    int64_t output = 0;
    switch (*auto_pad) {
      case AutoPad::kNotSet:
      case AutoPad::kValid: {
        if (*auto_pad == AutoPad::kNotSet) {
          pad_begin = (*pads)[axis];
          pad_end = (*pads)[axis + axes];
        }
        const int64_t span = input[axis] + pad_begin + pad_end - effective_kernel;
        if (span < 0) {
          return attributes.InvalidValue(
              "kernel_shape", IntsText(kernel),
              absl::StrCat("the window of ", effective_kernel, " elements (dilation included) ",
                           "on axis ", axis, " is larger than the padded input of ",
                           input[axis] + pad_begin + pad_end));
        }
        output = (ceil_mode ? CeilDiv(span, stride) : span / stride) + 1;
        // A last window that starts in the end padding reads no input: drop it.
        if (ceil_mode && (output - 1) * stride >= input[axis] + pad_begin) --output;
        const int64_t needed_end = (output - 1) * stride + effective_kernel - input[axis] - pad_begin;
        if (needed_end > pad_end) {
          window.ceil_mode_extended_pads = true;
          pad_end = needed_end;
        }
        break;
      }
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        output = CeilDiv(input[axis], stride);
        const int64_t total =
            std::max<int64_t>(0, (output - 1) * stride + effective_kernel - input[axis]);
        pad_begin = *auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        pad_end = total - pad_begin;
        break;
      }
    }
    window.pads_begin[axis] = pad_begin;
    window.pads_end[axis] = pad_end;
    window.output[axis] = output;
  }
  return window;
}

}  // namespace soma::importer
