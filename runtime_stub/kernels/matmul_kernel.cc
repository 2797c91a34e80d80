// matmul_kernel.cc: out[n, c, m, j] = sum over k of A[n', c', m, k] * B[n'', c'', k, j], with
// batch extents of 1 broadcast.
//
// Every output element accumulates its K products in double in ascending k, so the result
// does not depend on the output box or the thread split.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"
#include "kernels/parallel.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

namespace {

// The operand index of output batch index `index` along a dim of extent `extent`.
int64_t BroadcastIndex(int64_t index, int64_t extent) { return extent == 1 ? 0 : index; }

}  // namespace

void RunMatMulKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const graph::Shape& a_shape = graph.tensor(layer.inputs[0]).shape;
  const graph::Shape& b_shape = graph.tensor(layer.inputs[1]).shape;
  const graph::Box& box = call.output_box;
  const int64_t depth = a_shape[kW];
  const int64_t columns = box.Extent(kW);
  const ConstRegionView a(call.inputs[0].data, call.inputs[0].region);
  const ConstRegionView b(call.inputs[1].data, call.inputs[1].region);
  const RegionView output(call.output.data, call.output.region);

  // One work item is one output row (n, c, m) of the box.
  const int64_t rows_per_matrix = box.Extent(kH);
  const int64_t matrices = box.Extent(kN) * box.Extent(kC);
  const int64_t macs = matrices * rows_per_matrix * columns * depth;
  ParallelFor(matrices * rows_per_matrix, ResolveThreadCount(call.thread_count), macs,
              [&](int64_t begin, int64_t end) {
                std::vector<double> sums(columns);
                for (int64_t row = begin; row < end; ++row) {
                  const int64_t matrix = row / rows_per_matrix;
                  const int64_t n = box.lo[kN] + matrix / box.Extent(kC);
                  const int64_t c = box.lo[kC] + matrix % box.Extent(kC);
                  const int64_t m = box.lo[kH] + row % rows_per_matrix;
                  const float* a_row =
                      a.At(BroadcastIndex(n, a_shape[kN]), BroadcastIndex(c, a_shape[kC]), m, 0);
                  const int64_t b_n = BroadcastIndex(n, b_shape[kN]);
                  const int64_t b_c = BroadcastIndex(c, b_shape[kC]);
                  std::fill(sums.begin(), sums.end(), 0.0);
                  for (int64_t k = 0; k < depth; ++k) {
                    const double a_value = a_row[k];
                    const float* b_row = b.At(b_n, b_c, k, box.lo[kW]);
                    for (int64_t j = 0; j < columns; ++j) {
                      sums[j] += a_value * static_cast<double>(b_row[j]);
                    }
                  }
                  const ChannelEpilogue epilogue(layer, c);
                  float* out = output.At(n, c, m, box.lo[kW]);
                  for (int64_t j = 0; j < columns; ++j) out[j] = epilogue.Apply(sums[j]);
                }
              });
}

}  // namespace soma::kernels
