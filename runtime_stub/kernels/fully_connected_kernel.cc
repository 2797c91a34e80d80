// fully_connected_kernel.cc: out[n, k] = sum over (c, h, w) of in[n, c, h, w] * W[k, (c*H + h)*W +
// w].
//
// Each output element is one dot product over the flattened input channel slice, accumulated
// in double over eight interleaved lanes that combine in a fixed order, so the result does
// not depend on the output box or the thread split.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"
#include "kernels/operand_check.h"
#include "kernels/parallel.h"
#include "kernels/vector_dispatch.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

namespace {

constexpr int kDotLanes = 8;

// Returns the sum of a[j] * b[j] over [0, length) in double: term j goes to lane j % 8 and
// the lanes add up pairwise.
SOMA_VECTOR_CLONES double Dot(const float* __restrict a, const float* __restrict b,
                              int64_t length) {
  double lanes[kDotLanes] = {};
  int64_t j = 0;
  for (; j + kDotLanes <= length; j += kDotLanes) {
    for (int lane = 0; lane < kDotLanes; ++lane) {
      lanes[lane] += static_cast<double>(a[j + lane]) * static_cast<double>(b[j + lane]);
    }
  }
  for (int lane = 0; j < length; ++j, ++lane) {
    lanes[lane] += static_cast<double>(a[j]) * static_cast<double>(b[j]);
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
         ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace

void RunFullyConnectedKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const graph::Shape& in_shape = graph.tensor(layer.inputs[0]).shape;
  const graph::Box& out_box = call.output_box;
  const ChannelSlice slice = ReductionSlice(graph, call);
  const int64_t elements_per_channel = in_shape[kH] * in_shape[kW];
  const int64_t length = (slice.end - slice.begin) * elements_per_channel;
  const int64_t first_feature = slice.begin * elements_per_channel;

  // The input slice of every image in the box, flattened and contiguous.
  const ConstRegionView input(call.inputs[0].data, call.inputs[0].region);
  const int64_t images = out_box.Extent(kN);
  std::vector<float> features(images * length);
  for (int64_t n = 0; n < images; ++n) {
    float* dst = features.data() + n * length;
    for (int64_t c = slice.begin; c < slice.end; ++c) {
      for (int64_t h = 0; h < in_shape[kH]; ++h) {
        const float* src = input.At(out_box.lo[kN] + n, c, h, 0);
        dst = std::copy(src, src + in_shape[kW], dst);
      }
    }
  }

  const ConstRegionView weight(call.weight.data, call.weight.region);
  const RegionView output(call.output.data, call.output.region);
  const bool weight_rows_contiguous = weight.layout.stride_c() == 1;
  const int64_t macs = images * out_box.Extent(kC) * length;
  ParallelFor(out_box.Extent(kC), ResolveThreadCount(call.thread_count), macs,
              [&](int64_t begin, int64_t end) {
                std::vector<float> row;
                for (int64_t k = out_box.lo[kC] + begin; k < out_box.lo[kC] + end; ++k) {
                  const float* weights = weight.At(k, first_feature, 0, 0);
                  if (!weight_rows_contiguous) {
                    // A region wider than the [K, C*H*W, 1, 1] tensor in dimensions 2 or 3.
                    row.resize(length);
                    for (int64_t j = 0; j < length; ++j) {
                      row[j] = *weight.At(k, first_feature + j, 0, 0);
                    }
                    weights = row.data();
                  }
                  const ChannelEpilogue epilogue(layer, k);
                  for (int64_t n = 0; n < images; ++n) {
                    float* out = output.At(out_box.lo[kN] + n, k, 0, 0);
                    double value = call.accumulate ? static_cast<double>(*out) : 0.0;
                    value += Dot(features.data() + n * length, weights, length);
                    *out = call.final_partial ? epilogue.Apply(value) : static_cast<float>(value);
                  }
                }
              });
}

}  // namespace soma::kernels
