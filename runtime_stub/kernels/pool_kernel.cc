// pool_kernel.cc: max and average pooling over dilated windows with padding.
//
// Padded positions never take part in a max. An average sums the window's positions inside
// the tensor in double and divides by their count, or, with count_include_pad, by the count of
// positions inside the padded extent [-pad_before, size + pad_after), as ONNX AveragePool does.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

namespace {

int64_t CeilDiv(int64_t numerator, int64_t denominator) {
  return (numerator + denominator - 1) / denominator;
}

// Kernel taps [lo, hi) of a window starting at `start` whose positions start + t * dilation
// lie in [min_position, max_position).
struct TapRange {
  int64_t lo;
  int64_t hi;
};

TapRange TapsInside(int64_t start, int64_t dilation, int64_t kernel, int64_t min_position,
                    int64_t max_position) {
  const int64_t lo = start >= min_position ? 0 : CeilDiv(min_position - start, dilation);
  const int64_t hi = start >= max_position ? 0 : CeilDiv(max_position - start, dilation);
  const int64_t clamped_lo = std::min(lo, kernel);
  return {clamped_lo, std::clamp(hi, clamped_lo, kernel)};
}

}  // namespace

void RunPoolKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const auto& pool = layer.Params<graph::PoolParams>();
  const graph::Shape& in_shape = graph.tensor(layer.inputs[0]).shape;
  const graph::Box& box = call.output_box;
  const ConstRegionView input(call.inputs[0].data, call.inputs[0].region);
  const RegionView output(call.output.data, call.output.region);

  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
      const ChannelEpilogue epilogue(layer, c);
      for (int64_t oh = box.lo[kH]; oh < box.hi[kH]; ++oh) {
        const int64_t h_start = oh * pool.stride_h - pool.pad_top;
        const TapRange rows = TapsInside(h_start, pool.dilation_h, pool.kernel_h, 0, in_shape[kH]);
        const TapRange padded_rows = TapsInside(h_start, pool.dilation_h, pool.kernel_h,
                                                -pool.pad_top, in_shape[kH] + pool.pad_bottom);
        float* out = output.At(n, c, oh, box.lo[kW]);
        for (int64_t ow = box.lo[kW]; ow < box.hi[kW]; ++ow) {
          const int64_t w_start = ow * pool.stride_w - pool.pad_left;
          const TapRange cols =
              TapsInside(w_start, pool.dilation_w, pool.kernel_w, 0, in_shape[kW]);
          // Input columns first_column + t * dilation_w, t in [0, taps), are inside the tensor.
          const int64_t first_column = w_start + cols.lo * pool.dilation_w;
          const int64_t taps = cols.hi - cols.lo;
          const int64_t valid_rows_lo = taps > 0 ? rows.lo : rows.hi;
          double result;
          if (pool.kind == graph::PoolKind::kMax) {
            float max_value = -std::numeric_limits<float>::infinity();
            for (int64_t i = valid_rows_lo; i < rows.hi; ++i) {
              const float* src = input.At(n, c, h_start + i * pool.dilation_h, first_column);
              for (int64_t t = 0; t < taps; ++t) {
                max_value = std::max(max_value, src[t * pool.dilation_w]);
              }
            }
            result = max_value;
          } else {
            double sum = 0.0;
            for (int64_t i = valid_rows_lo; i < rows.hi; ++i) {
              const float* src = input.At(n, c, h_start + i * pool.dilation_h, first_column);
              for (int64_t t = 0; t < taps; ++t) sum += src[t * pool.dilation_w];
            }
            int64_t divisor = (rows.hi - rows.lo) * taps;
            if (pool.count_include_pad) {
              const TapRange padded_cols =
                  TapsInside(w_start, pool.dilation_w, pool.kernel_w, -pool.pad_left,
                             in_shape[kW] + pool.pad_right);
              divisor = (padded_rows.hi - padded_rows.lo) * (padded_cols.hi - padded_cols.lo);
            }
            // A window entirely in padding has no positions; its average is 0, not NaN.
            result = divisor > 0 ? sum / static_cast<double>(divisor) : 0.0;
          }
          *out++ = epilogue.Apply(result);
        }
      }
    }
  }
}

}  // namespace soma::kernels
