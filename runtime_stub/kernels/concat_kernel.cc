// concat_kernel.cc: concatenation along channels.
//
// Input i fills output channels [offset_i, offset_i + C_i), where offset_i is the sum of the
// channel counts of the inputs before it.
#include <algorithm>
#include <cstdint>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

void RunConcatKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const graph::Box& box = call.output_box;
  const RegionView output(call.output.data, call.output.region);

  int64_t offset = 0;
  for (int index = 0; index < static_cast<int>(layer.inputs.size()); ++index) {
    const int64_t channels = graph.tensor(layer.inputs[index]).shape[kC];
    const ConstRegionView input(call.inputs[index].data, call.inputs[index].region);
    const int64_t c_begin = std::max(box.lo[kC], offset);
    const int64_t c_end = std::min(box.hi[kC], offset + channels);
    for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
      for (int64_t c = c_begin; c < c_end; ++c) {
        const ChannelEpilogue epilogue(layer, c);
        for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
          const float* src = input.At(n, c - offset, h, box.lo[kW]);
          float* out = output.At(n, c, h, box.lo[kW]);
          for (int64_t w = 0; w < box.Extent(kW); ++w) out[w] = epilogue.Apply(src[w]);
        }
      }
    }
    offset += channels;
  }
}

}  // namespace soma::kernels
