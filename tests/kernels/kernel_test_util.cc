// kernel_test_util.cc: single-layer runners and loop-nest formulas for the kernel tests.
#include "kernel_test_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "graph/box_mapping.h"
#include "soma/status_macros.h"

namespace soma::kernels::testing {

using graph::Box;
using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;
using graph::LayerGraph;
using graph::LayerId;
using graph::Shape;

namespace {

// NaN elements on each side of every region buffer that RunTiled hands to a kernel.
constexpr int64_t kGuardElements = 64;

int64_t FlatIndex(const Shape& shape, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * shape[kC] + c) * shape[kH] + h) * shape[kW] + w;
}

// A copy of `region` of a whole tensor, between NaN guards.
class GuardedRegion {
 public:
  GuardedRegion(const Values& whole, const Shape& shape, const Box& region)
      : storage_(region.Volume() + 2 * kGuardElements, std::numeric_limits<float>::quiet_NaN()) {
    float* dst = data();
    for (int64_t n = region.lo[kN]; n < region.hi[kN]; ++n) {
      for (int64_t c = region.lo[kC]; c < region.hi[kC]; ++c) {
        for (int64_t h = region.lo[kH]; h < region.hi[kH]; ++h) {
          for (int64_t w = region.lo[kW]; w < region.hi[kW]; ++w) {
            *dst++ = whole[FlatIndex(shape, n, c, h, w)];
          }
        }
      }
    }
  }

  float* data() { return storage_.data() + kGuardElements; }

  bool GuardsIntact() const {
    for (int64_t i = 0; i < kGuardElements; ++i) {
      if (!std::isnan(storage_[i]) || !std::isnan(storage_[storage_.size() - 1 - i])) {
        return false;
      }
    }
    return true;
  }

  // Copies the region back into `whole`.
  void CopyTo(Values& whole, const Shape& shape, const Box& region) {
    const float* src = data();
    for (int64_t n = region.lo[kN]; n < region.hi[kN]; ++n) {
      for (int64_t c = region.lo[kC]; c < region.hi[kC]; ++c) {
        for (int64_t h = region.lo[kH]; h < region.hi[kH]; ++h) {
          for (int64_t w = region.lo[kW]; w < region.hi[kW]; ++w) {
            whole[FlatIndex(shape, n, c, h, w)] = *src++;
          }
        }
      }
    }
  }

 private:
  std::vector<float> storage_;
};

const Values& WeightValues(const LayerGraph& graph, LayerId layer_id) {
  return graph.tensor(*graph.layer(layer_id).weight).constant->values;
}

}  // namespace

Values SeededValues(int64_t count, uint32_t seed) {
  std::mt19937 engine(seed);
  Values values(count);
  for (float& value : values) {
    value = static_cast<float>(static_cast<double>(engine()) / 2147483648.0 - 1.0);
  }
  return values;
}

Values Iota(int64_t count) {
  Values values(count);
  for (int64_t i = 0; i < count; ++i) values[i] = static_cast<float>(i);
  return values;
}

graph::LayerGraph SingleLayerGraph(graph::LayerKind kind, graph::LayerParams params,
                                   const std::vector<Shape>& input_shapes,
                                   const Shape& output_shape) {
  LayerGraph graph;
  graph.model_name = "single_layer";
  graph::Layer layer;
  layer.name = "layer";
  layer.kind = kind;
  layer.params = std::move(params);
  layer.origins = {"layer"};
  for (size_t index = 0; index < input_shapes.size(); ++index) {
    graph::Tensor tensor;
    tensor.name = absl::StrCat("in", index);
    tensor.shape = input_shapes[index];
    tensor.is_graph_input = true;
    tensor.consumers = {0};
    graph.inputs.push_back(static_cast<graph::TensorId>(graph.tensors.size()));
    layer.inputs.push_back(graph.inputs.back());
    graph.tensors.push_back(std::move(tensor));
  }
  graph::Tensor output;
  output.name = "out";
  output.shape = output_shape;
  output.producer = 0;
  output.is_graph_output = true;
  layer.output = static_cast<graph::TensorId>(graph.tensors.size());
  graph.outputs.push_back(layer.output);
  graph.tensors.push_back(std::move(output));
  graph.layers.push_back(std::move(layer));
  return graph;
}

void SetWeights(LayerGraph& graph, LayerId layer_id, Values values) {
  graph.tensors[*graph.layer(layer_id).weight].constant->values = std::move(values);
}

absl::StatusOr<Values> RunWhole(const LayerGraph& graph, LayerId layer_id,
                                const std::vector<Values>& inputs, int thread_count) {
  const graph::Layer& layer = graph.layer(layer_id);
  KernelCall call;
  call.layer = layer_id;
  call.thread_count = thread_count;
  for (size_t index = 0; index < inputs.size(); ++index) {
    const Box whole = Box::Full(graph.tensor(layer.inputs[index]).shape);
    call.inputs.push_back({inputs[index].data(), whole, whole});
  }
  if (layer.weight) {
    const Box whole = Box::Full(graph.tensor(*layer.weight).shape);
    call.weight = {WeightValues(graph, layer_id).data(), whole, whole};
  }
  const graph::Tensor& output = graph.tensor(layer.output);
  Values result(output.ElementCount(), std::numeric_limits<float>::quiet_NaN());
  call.output_box = Box::Full(output.shape);
  call.output = {result.data(), call.output_box};
  RETURN_IF_ERROR(RunKernel(graph, call));
  return result;
}

absl::StatusOr<Values> RunTiled(const LayerGraph& graph, LayerId layer_id,
                                const std::vector<Values>& inputs, const std::vector<Box>& boxes) {
  const graph::Layer& layer = graph.layer(layer_id);
  const Shape& out_shape = graph.tensor(layer.output).shape;
  Values result(graph::ElementCount(out_shape), std::numeric_limits<float>::quiet_NaN());
  for (const Box& box : boxes) {
    KernelCall call;
    call.layer = layer_id;
    call.output_box = box;
    std::vector<GuardedRegion> input_regions;
    input_regions.reserve(inputs.size());
    for (size_t index = 0; index < inputs.size(); ++index) {
      const Shape& shape = graph.tensor(layer.inputs[index]).shape;
      const Box region = graph::InputBox(graph, layer_id, static_cast<int>(index), box);
      input_regions.emplace_back(inputs[index], shape, region);
      call.inputs.push_back({input_regions.back().data(), region, region});
    }
    std::optional<GuardedRegion> weight_region;
    if (layer.weight) {
      const Shape& shape = graph.tensor(*layer.weight).shape;
      const Box region = graph::WeightBox(graph, layer_id, box);
      weight_region.emplace(WeightValues(graph, layer_id), shape, region);
      call.weight = {weight_region->data(), region, region};
    }
    GuardedRegion output_region(result, out_shape, box);
    call.output = {output_region.data(), box};
    RETURN_IF_ERROR(RunKernel(graph, call));
    if (!output_region.GuardsIntact()) {
      return absl::InternalError(absl::StrCat("kernel wrote outside output box ", box.ToString()));
    }
    output_region.CopyTo(result, out_shape, box);
  }
  return result;
}

absl::StatusOr<Values> RunPartialSums(const LayerGraph& graph, LayerId layer_id,
                                      const Values& input, const std::vector<int64_t>& bounds) {
  const graph::Layer& layer = graph.layer(layer_id);
  const Shape& in_shape = graph.tensor(layer.inputs[0]).shape;
  const Shape& weight_shape = graph.tensor(*layer.weight).shape;
  const graph::Tensor& output = graph.tensor(layer.output);
  const int64_t weight_elements_per_channel =
      layer.kind == graph::LayerKind::kFullyConnected ? in_shape[kH] * in_shape[kW] : 1;
  Values result(output.ElementCount(), std::numeric_limits<float>::quiet_NaN());
  for (size_t slice = 0; slice + 1 < bounds.size(); ++slice) {
    KernelCall call;
    call.layer = layer_id;
    call.output_box = Box::Full(output.shape);
    call.output = {result.data(), call.output_box};
    call.accumulate = slice > 0;
    call.final_partial = slice + 2 == bounds.size();
    Box input_box = Box::Full(in_shape);
    input_box.lo[kC] = bounds[slice];
    input_box.hi[kC] = bounds[slice + 1];
    GuardedRegion input_region(input, in_shape, input_box);
    call.inputs.push_back({input_region.data(), input_box, input_box});
    Box weight_box = Box::Full(weight_shape);
    weight_box.lo[1] = bounds[slice] * weight_elements_per_channel;
    weight_box.hi[1] = bounds[slice + 1] * weight_elements_per_channel;
    GuardedRegion weight_region(WeightValues(graph, layer_id), weight_shape, weight_box);
    call.weight = {weight_region.data(), weight_box, weight_box};
    RETURN_IF_ERROR(RunKernel(graph, call));
  }
  return result;
}

std::vector<Box> SplitBox(const Shape& shape, const Shape& parts) {
  std::vector<Box> boxes = {Box{}};
  for (int d = 0; d < graph::kRank; ++d) {
    std::vector<Box> next;
    for (const Box& box : boxes) {
      for (int64_t part = 0; part < parts[d]; ++part) {
        Box piece = box;
        piece.lo[d] = part * shape[d] / parts[d];
        piece.hi[d] = (part + 1) * shape[d] / parts[d];
        if (piece.hi[d] > piece.lo[d]) next.push_back(piece);
      }
    }
    boxes = std::move(next);
  }
  return boxes;
}

Values NaiveConv(const LayerGraph& graph, LayerId layer_id, const Values& input) {
  const graph::Layer& layer = graph.layer(layer_id);
  const auto& conv = layer.Params<graph::ConvParams>();
  const Shape& in = graph.tensor(layer.inputs[0]).shape;
  const Shape& out = graph.tensor(layer.output).shape;
  const Values& weight = WeightValues(graph, layer_id);
  const int64_t in_per_group = in[kC] / conv.groups;
  const int64_t out_per_group = out[kC] / conv.groups;
  Values result(graph::ElementCount(out));
  for (int64_t n = 0; n < out[kN]; ++n) {
    for (int64_t k = 0; k < out[kC]; ++k) {
      const int64_t group = k / out_per_group;
      for (int64_t oh = 0; oh < out[kH]; ++oh) {
        for (int64_t ow = 0; ow < out[kW]; ++ow) {
          double sum = 0.0;
          for (int64_t c = 0; c < in_per_group; ++c) {
            for (int64_t i = 0; i < conv.kernel_h; ++i) {
              for (int64_t j = 0; j < conv.kernel_w; ++j) {
                const int64_t ih = oh * conv.stride_h - conv.pad_top + i * conv.dilation_h;
                const int64_t iw = ow * conv.stride_w - conv.pad_left + j * conv.dilation_w;
                if (ih < 0 || ih >= in[kH] || iw < 0 || iw >= in[kW]) continue;
                const double x = input[FlatIndex(in, n, group * in_per_group + c, ih, iw)];
                const double w =
                    weight[((k * in_per_group + c) * conv.kernel_h + i) * conv.kernel_w + j];
                sum += x * w;
              }
            }
          }
          result[FlatIndex(out, n, k, oh, ow)] = static_cast<float>(sum);
        }
      }
    }
  }
  return result;
}

Values NaiveFullyConnected(const LayerGraph& graph, LayerId layer_id, const Values& input) {
  const graph::Layer& layer = graph.layer(layer_id);
  const Shape& in = graph.tensor(layer.inputs[0]).shape;
  const Shape& out = graph.tensor(layer.output).shape;
  const Values& weight = WeightValues(graph, layer_id);
  const int64_t features = in[kC] * in[kH] * in[kW];
  Values result(graph::ElementCount(out));
  for (int64_t n = 0; n < out[kN]; ++n) {
    for (int64_t k = 0; k < out[kC]; ++k) {
      double sum = 0.0;
      for (int64_t c = 0; c < in[kC]; ++c) {
        for (int64_t h = 0; h < in[kH]; ++h) {
          for (int64_t w = 0; w < in[kW]; ++w) {
            const int64_t feature = (c * in[kH] + h) * in[kW] + w;
            sum += static_cast<double>(input[FlatIndex(in, n, c, h, w)]) *
                   static_cast<double>(weight[k * features + feature]);
          }
        }
      }
      result[n * out[kC] + k] = static_cast<float>(sum);
    }
  }
  return result;
}

void NaiveEpilogue(const LayerGraph& graph, LayerId layer_id, Values& values) {
  const graph::Layer& layer = graph.layer(layer_id);
  const Shape& out = graph.tensor(layer.output).shape;
  const int64_t plane = out[kH] * out[kW];
  for (int64_t index = 0; index < static_cast<int64_t>(values.size()); ++index) {
    const int64_t k = (index / plane) % out[kC];
    double value = values[index];
    if (!layer.channel_scale.empty()) value *= layer.channel_scale[k];
    if (!layer.channel_bias.empty()) value += layer.channel_bias[k];
    float result = static_cast<float>(value);
    for (const graph::Activation& activation : layer.activations) {
      result = graph::ApplyActivation(activation, result);
    }
    values[index] = result;
  }
}

double MaxAbsDifference(const Values& a, const Values& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double difference = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double delta = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(delta)) return std::numeric_limits<double>::infinity();
    difference = std::max(difference, delta);
  }
  return difference;
}

}  // namespace soma::kernels::testing
