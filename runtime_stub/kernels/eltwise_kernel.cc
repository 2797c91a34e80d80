// eltwise_kernel.cc: element-wise Add or Mul over all inputs with broadcast.
//
// The inputs combine in operand order in float, ((a + b) + c) for three operands, as ONNX
// Sum does. An input extent of 1 broadcasts along that dimension.
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

namespace {

// Coordinate of an operand of extent `extent` that output coordinate `index` reads.
int64_t BroadcastIndex(int64_t index, int64_t extent) { return extent == 1 ? 0 : index; }

}  // namespace

void RunEltwiseKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const bool is_add = layer.Params<graph::EltwiseParams>().kind == graph::EltwiseKind::kAdd;
  const graph::Box& box = call.output_box;
  const int64_t width = box.Extent(kW);

  std::vector<ConstRegionView> inputs;
  std::vector<graph::Shape> shapes;
  for (int index = 0; index < static_cast<int>(layer.inputs.size()); ++index) {
    inputs.emplace_back(call.inputs[index].data, call.inputs[index].region);
    shapes.push_back(graph.tensor(layer.inputs[index]).shape);
  }
  const RegionView output(call.output.data, call.output.region);

  std::vector<float> row(width);
  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
      const ChannelEpilogue epilogue(layer, c);
      for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
        for (size_t index = 0; index < inputs.size(); ++index) {
          const graph::Shape& shape = shapes[index];
          const bool broadcast_w = shape[kW] == 1;
          const float* src =
              inputs[index].At(BroadcastIndex(n, shape[kN]), BroadcastIndex(c, shape[kC]),
                               BroadcastIndex(h, shape[kH]), broadcast_w ? 0 : box.lo[kW]);
          const int64_t step = broadcast_w ? 0 : 1;
          if (index == 0) {
            for (int64_t w = 0; w < width; ++w) row[w] = src[w * step];
          } else if (is_add) {
            for (int64_t w = 0; w < width; ++w) row[w] += src[w * step];
          } else {
            for (int64_t w = 0; w < width; ++w) row[w] *= src[w * step];
          }
        }
        float* out = output.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < width; ++w) out[w] = epilogue.Apply(row[w]);
      }
    }
  }
}

}  // namespace soma::kernels
