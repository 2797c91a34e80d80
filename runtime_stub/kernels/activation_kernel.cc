// activation_kernel.cc: a standalone activation layer, the identity followed by the epilogue.
#include <cstdint>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

void RunActivationKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const graph::Box& box = call.output_box;
  const ConstRegionView input(call.inputs[0].data, call.inputs[0].region);
  const RegionView output(call.output.data, call.output.region);
  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
      const ChannelEpilogue epilogue(layer, c);
      for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
        const float* src = input.At(n, c, h, box.lo[kW]);
        float* out = output.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < box.Extent(kW); ++w) out[w] = epilogue.Apply(src[w]);
      }
    }
  }
}

}  // namespace soma::kernels
