// lrn_kernel.cc: ONNX LRN, local response normalisation across channels.
//
// y[c] = x[c] / (bias + alpha / size * S[c])^beta, where S[c] is the sum of x[c']^2 over
// channels c' from c - floor((size - 1) / 2) to c + ceil((size - 1) / 2), clipped to the
// tensor; the sum and the power are computed in double.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

void RunLrnKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const auto& lrn = layer.Params<graph::LrnParams>();
  const int64_t channels = graph.tensor(layer.inputs[0]).shape[kC];
  const int64_t reach_below = (lrn.size - 1) / 2;
  const int64_t reach_above = lrn.size - 1 - reach_below;
  const double alpha_over_size = static_cast<double>(lrn.alpha) / static_cast<double>(lrn.size);
  const graph::Box& box = call.output_box;
  const int64_t width = box.Extent(kW);
  const ConstRegionView input(call.inputs[0].data, call.inputs[0].region);
  const RegionView output(call.output.data, call.output.region);

  std::vector<double> square_sum(width);
  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
      const ChannelEpilogue epilogue(layer, c);
      const int64_t window_lo = std::max<int64_t>(0, c - reach_below);
      const int64_t window_hi = std::min<int64_t>(channels, c + reach_above + 1);
      for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
        std::fill(square_sum.begin(), square_sum.end(), 0.0);
        for (int64_t window_c = window_lo; window_c < window_hi; ++window_c) {
          const float* src = input.At(n, window_c, h, box.lo[kW]);
          for (int64_t w = 0; w < width; ++w) {
            const double value = src[w];
            square_sum[w] += value * value;
          }
        }
        const float* src = input.At(n, c, h, box.lo[kW]);
        float* out = output.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < width; ++w) {
          const double denominator =
              std::pow(static_cast<double>(lrn.bias) + alpha_over_size * square_sum[w],
                       static_cast<double>(lrn.beta));
          out[w] = epilogue.Apply(static_cast<double>(src[w]) / denominator);
        }
      }
    }
  }
}

}  // namespace soma::kernels
