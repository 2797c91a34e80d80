// softmax_kernel.cc: Softmax and LogSoftmax over channels, per (n, h, w).
//
// With m the channel maximum and s the double sum of exp(x - m) over all channels,
// Softmax is exp(x - m) / s and LogSoftmax is (x - m) - log(s). Subtracting m keeps exp
// from overflowing. The reduction covers every channel even when the output box has a few.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

void RunSoftmaxKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const bool log = layer.Params<graph::SoftmaxParams>().log;
  const int64_t channels = graph.tensor(layer.inputs[0]).shape[kC];
  const graph::Box& box = call.output_box;
  const int64_t width = box.Extent(kW);
  const ConstRegionView input(call.inputs[0].data, call.inputs[0].region);
  const RegionView output(call.output.data, call.output.region);

  // Per output column: the channel maximum and the sum of exponentials.
  std::vector<float> max_value(width);
  std::vector<double> sum(width);
  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
      std::fill(max_value.begin(), max_value.end(), -std::numeric_limits<float>::infinity());
      for (int64_t c = 0; c < channels; ++c) {
        const float* src = input.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < width; ++w) max_value[w] = std::max(max_value[w], src[w]);
      }
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t c = 0; c < channels; ++c) {
        const float* src = input.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < width; ++w) {
          sum[w] += std::exp(static_cast<double>(src[w]) - static_cast<double>(max_value[w]));
        }
      }
      for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
        const ChannelEpilogue epilogue(layer, c);
        const float* src = input.At(n, c, h, box.lo[kW]);
        float* out = output.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < width; ++w) {
          const double shifted = static_cast<double>(src[w]) - static_cast<double>(max_value[w]);
          const double value = log ? shifted - std::log(sum[w]) : std::exp(shifted) / sum[w];
          out[w] = epilogue.Apply(value);
        }
      }
    }
  }
}

}  // namespace soma::kernels
