// conv_kernel.cc: 2-D convolution as weight rows times a patch matrix, accumulated in double.
//
// For each chunk of output positions the kernel copies the input window of every position
// into a patch matrix: one row per (input channel, kernel row, kernel column), zeros where
// the window reaches into padding. Blocks of output channels then multiply their weight rows
// with the patch. The innermost loop runs over contiguous output positions with a fixed
// weight, so it vectorises. Every output element sums its terms in the same order (input
// channel, kernel row, kernel column) whatever the output box, chunk, channel block or
// thread split, so tiled and threaded results are bit-identical to whole ones.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "graph/box_mapping.h"
#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"
#include "kernels/operand_check.h"
#include "kernels/parallel.h"
#include "kernels/vector_dispatch.h"

namespace soma::kernels {

using graph::Box;
using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

namespace {

// Output channels that share one pass over the patch; four double accumulator rows and one
// patch row stay in L1 while the block runs.
constexpr int64_t kBlockChannels = 4;
// Patch size per chunk: 64 Ki floats (256 KiB) stays in a core's L2 cache.
constexpr int64_t kPatchBudgetFloats = int64_t{64} * 1024;
// Bounds on the output positions per chunk: enough for the inner loop to amortise its setup,
// few enough that kBlockChannels accumulator rows fit in L1.
constexpr int64_t kMinChunkPositions = 32;
constexpr int64_t kMaxChunkPositions = 256;

int64_t CeilDiv(int64_t numerator, int64_t denominator) {
  return (numerator + denominator - 1) / denominator;
}

// Parameters and operands of one call.
struct ConvTask {
  const graph::Layer& layer;
  const graph::ConvParams& conv;
  ConstRegionView input;
  ConstRegionView weight;
  RegionView output;
  Box out_box;
  int64_t in_h;
  int64_t in_w;
  int64_t out_per_group;
  int64_t in_per_group;
  // Input channels reduced over when groups == 1.
  ChannelSlice slice;
  bool accumulate;
  bool final_partial;
};

// Input channels [begin, end) that output-channel group `group` reduces over, and the
// weight's dimension-1 index of channel `begin`.
struct GroupChannels {
  int64_t begin;
  int64_t end;
  int64_t weight_begin;
};

GroupChannels ChannelsOfGroup(const ConvTask& task, int64_t group) {
  if (task.conv.groups == 1) return {task.slice.begin, task.slice.end, task.slice.begin};
  const int64_t begin = group * task.in_per_group;
  return {begin, begin + task.in_per_group, 0};
}

// Fills `patch` (rows x `count`) for output positions [first, first + count) of the output
// box, numbered row-major over the box's (h, w) extents, and image `n`.
void BuildPatch(const ConvTask& task, int64_t n, const GroupChannels& channels, int64_t first,
                int64_t count, float* patch) {
  const graph::ConvParams& conv = task.conv;
  const int64_t box_w = task.out_box.Extent(kW);
  float* row = patch;
  for (int64_t c = channels.begin; c < channels.end; ++c) {
    for (int64_t i = 0; i < conv.kernel_h; ++i) {
      for (int64_t j = 0; j < conv.kernel_w; ++j) {
        // Walk the chunk one output row segment at a time.
        float* dst = row;
        for (int64_t p = first; p < first + count;) {
          const int64_t oh = task.out_box.lo[kH] + p / box_w;
          const int64_t column = p % box_w;
          const int64_t segment = std::min(first + count - p, box_w - column);
          const int64_t ih = oh * conv.stride_h - conv.pad_top + i * conv.dilation_h;
          if (ih < 0 || ih >= task.in_h) {
            std::fill(dst, dst + segment, 0.0f);
          } else {
            // Input column of segment position q is base + q * stride_w; copy the positions
            // whose column lies inside the tensor and zero the rest.
            const int64_t base = (task.out_box.lo[kW] + column) * conv.stride_w - conv.pad_left +
                                 j * conv.dilation_w;
            int64_t q_lo = base >= 0 ? 0 : CeilDiv(-base, conv.stride_w);
            int64_t q_hi = base >= task.in_w ? 0 : CeilDiv(task.in_w - base, conv.stride_w);
            q_lo = std::min(q_lo, segment);
            q_hi = std::clamp(q_hi, q_lo, segment);
            std::fill(dst, dst + q_lo, 0.0f);
            if (q_lo < q_hi) {
              const float* src = task.input.At(n, c, ih, base + q_lo * conv.stride_w);
              if (conv.stride_w == 1) {
                std::copy(src, src + (q_hi - q_lo), dst + q_lo);
              } else {
                for (int64_t q = q_lo; q < q_hi; ++q) dst[q] = src[(q - q_lo) * conv.stride_w];
              }
            }
            std::fill(dst + q_hi, dst + segment, 0.0f);
          }
          dst += segment;
          p += segment;
        }
        row += count;
      }
    }
  }
}

// Copies the weights of output channels [k, k + block) into `packed`, interleaved as
// packed[r * block + b] for patch row r.
void PackWeights(const ConvTask& task, const GroupChannels& channels, int64_t k, int64_t block,
                 float* packed) {
  const graph::ConvParams& conv = task.conv;
  int64_t r = 0;
  for (int64_t c = channels.begin; c < channels.end; ++c) {
    const int64_t weight_c = c - channels.begin + channels.weight_begin;
    for (int64_t i = 0; i < conv.kernel_h; ++i) {
      for (int64_t j = 0; j < conv.kernel_w; ++j) {
        for (int64_t b = 0; b < block; ++b) {
          packed[r * block + b] = *task.weight.At(k + b, weight_c, i, j);
        }
        ++r;
      }
    }
  }
}

// acc_b[p] += sum over r of packed[r * 4 + b] * patch[r * count + p], r ascending.
SOMA_VECTOR_CLONES void MultiplyFour(const float* __restrict patch, const float* __restrict packed,
                                     int64_t rows, int64_t count, double* __restrict acc0,
                                     double* __restrict acc1, double* __restrict acc2,
                                     double* __restrict acc3) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = patch + r * count;
    const double w0 = packed[r * 4];
    const double w1 = packed[r * 4 + 1];
    const double w2 = packed[r * 4 + 2];
    const double w3 = packed[r * 4 + 3];
    for (int64_t p = 0; p < count; ++p) {
      const double value = x[p];
      acc0[p] += w0 * value;
      acc1[p] += w1 * value;
      acc2[p] += w2 * value;
      acc3[p] += w3 * value;
    }
  }
}

// The one-channel form of MultiplyFour, with the same per-element order of operations.
SOMA_VECTOR_CLONES void MultiplyOne(const float* __restrict patch, const float* __restrict packed,
                                    int64_t rows, int64_t count, double* __restrict acc) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = patch + r * count;
    const double w = packed[r];
    for (int64_t p = 0; p < count; ++p) acc[p] += w * static_cast<double>(x[p]);
  }
}

// Calls `visit(offset_in_chunk, pointer_to_output, segment_length)` for each output row
// segment of chunk [first, first + count) in output channel k of image n.
template <typename Visit>
void ForEachOutputSegment(const ConvTask& task, int64_t n, int64_t k, int64_t first, int64_t count,
                          Visit visit) {
  const int64_t box_w = task.out_box.Extent(kW);
  for (int64_t p = first; p < first + count;) {
    const int64_t oh = task.out_box.lo[kH] + p / box_w;
    const int64_t column = p % box_w;
    const int64_t segment = std::min(first + count - p, box_w - column);
    visit(p - first, task.output.At(n, k, oh, task.out_box.lo[kW] + column), segment);
    p += segment;
  }
}

void InitAccumulators(const ConvTask& task, int64_t n, int64_t k, int64_t first, int64_t count,
                      double* acc) {
  if (!task.accumulate) {
    std::fill(acc, acc + count, 0.0);
    return;
  }
  ForEachOutputSegment(task, n, k, first, count, [&](int64_t offset, float* out, int64_t length) {
    for (int64_t q = 0; q < length; ++q) acc[offset + q] = out[q];
  });
}

void StoreAccumulators(const ConvTask& task, int64_t n, int64_t k, int64_t first, int64_t count,
                       const double* acc) {
  if (!task.final_partial) {
    ForEachOutputSegment(task, n, k, first, count, [&](int64_t offset, float* out, int64_t length) {
      for (int64_t q = 0; q < length; ++q) out[q] = static_cast<float>(acc[offset + q]);
    });
    return;
  }
  const ChannelEpilogue epilogue(task.layer, k);
  ForEachOutputSegment(task, n, k, first, count, [&](int64_t offset, float* out, int64_t length) {
    for (int64_t q = 0; q < length; ++q) out[q] = epilogue.Apply(acc[offset + q]);
  });
}

// Computes output channels [k_begin, k_end) of the output box.
void RunChannelRange(const ConvTask& task, int64_t k_begin, int64_t k_end) {
  const graph::ConvParams& conv = task.conv;
  const int64_t positions = task.out_box.Extent(kH) * task.out_box.Extent(kW);
  std::vector<float> patch;
  std::vector<float> packed;
  std::vector<double> acc;

  for (int64_t group = k_begin / task.out_per_group; group <= (k_end - 1) / task.out_per_group;
       ++group) {
    const int64_t group_k_begin = std::max(k_begin, group * task.out_per_group);
    const int64_t group_k_end = std::min(k_end, (group + 1) * task.out_per_group);
    const GroupChannels channels = ChannelsOfGroup(task, group);
    const int64_t rows = (channels.end - channels.begin) * conv.kernel_h * conv.kernel_w;
    const int64_t chunk = std::min(
        positions, std::clamp(kPatchBudgetFloats / rows, kMinChunkPositions, kMaxChunkPositions));
    patch.resize(rows * chunk);
    packed.resize(rows * kBlockChannels);
    acc.resize(kBlockChannels * chunk);

    for (int64_t n = task.out_box.lo[kN]; n < task.out_box.hi[kN]; ++n) {
      for (int64_t first = 0; first < positions; first += chunk) {
        const int64_t count = std::min(chunk, positions - first);
        BuildPatch(task, n, channels, first, count, patch.data());
        for (int64_t k = group_k_begin; k < group_k_end; k += kBlockChannels) {
          const int64_t block = std::min(kBlockChannels, group_k_end - k);
          PackWeights(task, channels, k, block, packed.data());
          for (int64_t b = 0; b < block; ++b) {
            InitAccumulators(task, n, k + b, first, count, acc.data() + b * count);
          }
          if (block == kBlockChannels) {
            MultiplyFour(patch.data(), packed.data(), rows, count, acc.data(), acc.data() + count,
                         acc.data() + 2 * count, acc.data() + 3 * count);
          } else {
            // Remainder channels: repack one channel at a time so MultiplyOne reads a
            // contiguous weight row.
            for (int64_t b = 0; b < block; ++b) {
              PackWeights(task, channels, k + b, 1, packed.data());
              MultiplyOne(patch.data(), packed.data(), rows, count, acc.data() + b * count);
            }
          }
          for (int64_t b = 0; b < block; ++b) {
            StoreAccumulators(task, n, k + b, first, count, acc.data() + b * count);
          }
        }
      }
    }
  }
}

}  // namespace

void RunConvKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const graph::Shape& in_shape = graph.tensor(layer.inputs[0]).shape;
  const graph::Shape& out_shape = graph.tensor(layer.output).shape;
  const auto& conv = layer.Params<graph::ConvParams>();
  const ConvTask task{
      .layer = layer,
      .conv = conv,
      .input = ConstRegionView(call.inputs[0].data, call.inputs[0].region),
      .weight = ConstRegionView(call.weight.data, call.weight.region),
      .output = RegionView(call.output.data, call.output.region),
      .out_box = call.output_box,
      .in_h = in_shape[kH],
      .in_w = in_shape[kW],
      .out_per_group = out_shape[kC] / conv.groups,
      .in_per_group = in_shape[kC] / conv.groups,
      .slice = ReductionSlice(graph, call),
      .accumulate = call.accumulate,
      .final_partial = call.final_partial,
  };

  const int64_t channels = call.output_box.Extent(kC);
  const int64_t reduced_channels =
      conv.groups == 1 ? task.slice.end - task.slice.begin : task.in_per_group;
  const int64_t macs = call.output_box.Volume() * reduced_channels * conv.kernel_h * conv.kernel_w;
  ParallelFor(channels, ResolveThreadCount(call.thread_count), macs,
              [&](int64_t begin, int64_t end) {
                RunChannelRange(task, call.output_box.lo[kC] + begin, call.output_box.lo[kC] + end);
              });
}

}  // namespace soma::kernels
