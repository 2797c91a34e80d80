// layer_table.cc: LayerGraph layers as the stream's Layer messages, and back.
#include "codegen/layer_table.h"

#include <string>
#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "soma/status_macros.h"

namespace soma::codegen {
namespace {

stream::Activation::Kind EncodeActivationKind(graph::ActivationKind kind) {
  switch (kind) {
    case graph::ActivationKind::kRelu:
      return stream::Activation::RELU;
    case graph::ActivationKind::kClip:
      return stream::Activation::CLIP;
    case graph::ActivationKind::kLeakyRelu:
      return stream::Activation::LEAKY_RELU;
    case graph::ActivationKind::kSigmoid:
      return stream::Activation::SIGMOID;
    case graph::ActivationKind::kHardSigmoid:
      return stream::Activation::HARD_SIGMOID;
    case graph::ActivationKind::kHardSwish:
      return stream::Activation::HARD_SWISH;
  }
  return stream::Activation::RELU;
}

absl::StatusOr<graph::ActivationKind> DecodeActivationKind(stream::Activation::Kind kind) {
  switch (kind) {
    case stream::Activation::RELU:
      return graph::ActivationKind::kRelu;
    case stream::Activation::CLIP:
      return graph::ActivationKind::kClip;
    case stream::Activation::LEAKY_RELU:
      return graph::ActivationKind::kLeakyRelu;
    case stream::Activation::SIGMOID:
      return graph::ActivationKind::kSigmoid;
    case stream::Activation::HARD_SIGMOID:
      return graph::ActivationKind::kHardSigmoid;
    case stream::Activation::HARD_SWISH:
      return graph::ActivationKind::kHardSwish;
    default:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown activation kind ", static_cast<int>(kind)));
}

void EncodeConv(const graph::ConvParams& conv, stream::ConvParams* out) {
  out->set_kernel_h(conv.kernel_h);
  out->set_kernel_w(conv.kernel_w);
  out->set_stride_h(conv.stride_h);
  out->set_stride_w(conv.stride_w);
  out->set_dilation_h(conv.dilation_h);
  out->set_dilation_w(conv.dilation_w);
  out->set_pad_top(conv.pad_top);
  out->set_pad_left(conv.pad_left);
  out->set_pad_bottom(conv.pad_bottom);
  out->set_pad_right(conv.pad_right);
  out->set_groups(conv.groups);
}

graph::ConvParams DecodeConv(const stream::ConvParams& in) {
  graph::ConvParams conv;
  conv.kernel_h = in.kernel_h();
  conv.kernel_w = in.kernel_w();
  conv.stride_h = in.stride_h();
  conv.stride_w = in.stride_w();
  conv.dilation_h = in.dilation_h();
  conv.dilation_w = in.dilation_w();
  conv.pad_top = in.pad_top();
  conv.pad_left = in.pad_left();
  conv.pad_bottom = in.pad_bottom();
  conv.pad_right = in.pad_right();
  conv.groups = in.groups();
  return conv;
}

void EncodePool(const graph::PoolParams& pool, stream::PoolParams* out) {
  out->set_average(pool.kind == graph::PoolKind::kAverage);
  out->set_kernel_h(pool.kernel_h);
  out->set_kernel_w(pool.kernel_w);
  out->set_stride_h(pool.stride_h);
  out->set_stride_w(pool.stride_w);
  out->set_dilation_h(pool.dilation_h);
  out->set_dilation_w(pool.dilation_w);
  out->set_pad_top(pool.pad_top);
  out->set_pad_left(pool.pad_left);
  out->set_pad_bottom(pool.pad_bottom);
  out->set_pad_right(pool.pad_right);
  out->set_count_include_pad(pool.count_include_pad);
}

graph::PoolParams DecodePool(const stream::PoolParams& in) {
  graph::PoolParams pool;
  pool.kind = in.average() ? graph::PoolKind::kAverage : graph::PoolKind::kMax;
  pool.kernel_h = in.kernel_h();
  pool.kernel_w = in.kernel_w();
  pool.stride_h = in.stride_h();
  pool.stride_w = in.stride_w();
  pool.dilation_h = in.dilation_h();
  pool.dilation_w = in.dilation_w();
  pool.pad_top = in.pad_top();
  pool.pad_left = in.pad_left();
  pool.pad_bottom = in.pad_bottom();
  pool.pad_right = in.pad_right();
  pool.count_include_pad = in.count_include_pad();
  return pool;
}

// Sets the params oneof of `out` from the variant alternative that `layer` holds.
void EncodeParams(const graph::Layer& layer, stream::Layer* out) {
  std::visit(
      [out](const auto& params) {
        using Params = std::decay_t<decltype(params)>;
        if constexpr (std::is_same_v<Params, graph::ConvParams>) {
          EncodeConv(params, out->mutable_conv());
        } else if constexpr (std::is_same_v<Params, graph::FullyConnectedParams>) {
          out->mutable_fully_connected();
        } else if constexpr (std::is_same_v<Params, graph::PoolParams>) {
          EncodePool(params, out->mutable_pool());
        } else if constexpr (std::is_same_v<Params, graph::EltwiseParams>) {
          out->mutable_eltwise()->set_multiply(params.kind == graph::EltwiseKind::kMul);
        } else if constexpr (std::is_same_v<Params, graph::ConcatParams>) {
          out->mutable_concat();
        } else if constexpr (std::is_same_v<Params, graph::SoftmaxParams>) {
          out->mutable_softmax()->set_log(params.log);
        } else if constexpr (std::is_same_v<Params, graph::LrnParams>) {
          stream::LrnParams* lrn = out->mutable_lrn();
          lrn->set_size(params.size);
          lrn->set_alpha(params.alpha);
          lrn->set_beta(params.beta);
          lrn->set_bias(params.bias);
        } else {
          static_assert(std::is_same_v<Params, graph::ActivationLayerParams>);
          out->mutable_activation();
        }
      },
      layer.params);
}

// Sets the kind and params of `layer` from the oneof; false when the oneof is unset.
bool DecodeParams(const stream::Layer& entry, graph::Layer* layer) {
  switch (entry.params_case()) {
    case stream::Layer::kConv:
      layer->kind = graph::LayerKind::kConv;
      layer->params = DecodeConv(entry.conv());
      return true;
    case stream::Layer::kFullyConnected:
      layer->kind = graph::LayerKind::kFullyConnected;
      layer->params = graph::FullyConnectedParams{};
      return true;
    case stream::Layer::kPool:
      layer->kind = graph::LayerKind::kPool;
      layer->params = DecodePool(entry.pool());
      return true;
    case stream::Layer::kEltwise:
      layer->kind = graph::LayerKind::kEltwise;
      layer->params = graph::EltwiseParams{entry.eltwise().multiply() ? graph::EltwiseKind::kMul
                                                                      : graph::EltwiseKind::kAdd};
      return true;
    case stream::Layer::kConcat:
      layer->kind = graph::LayerKind::kConcat;
      layer->params = graph::ConcatParams{};
      return true;
    case stream::Layer::kSoftmax:
      layer->kind = graph::LayerKind::kSoftmax;
      layer->params = graph::SoftmaxParams{entry.softmax().log()};
      return true;
    case stream::Layer::kLrn: {
      graph::LrnParams lrn;
      lrn.size = entry.lrn().size();
      lrn.alpha = entry.lrn().alpha();
      lrn.beta = entry.lrn().beta();
      lrn.bias = entry.lrn().bias();
      layer->kind = graph::LayerKind::kLrn;
      layer->params = lrn;
      return true;
    }
    case stream::Layer::kActivation:
      layer->kind = graph::LayerKind::kActivation;
      layer->params = graph::ActivationLayerParams{};
      return true;
    case stream::Layer::PARAMS_NOT_SET:
      break;
  }
  return false;
}

}  // namespace

stream::Layer EncodeLayer(const graph::Layer& layer) {
  stream::Layer entry;
  entry.set_name(layer.name);
  EncodeParams(layer, &entry);
  for (graph::TensorId input : layer.inputs) entry.add_input_tensors(static_cast<uint32_t>(input));
  entry.set_output_tensor(static_cast<uint32_t>(layer.output));
  if (layer.weight) entry.set_weight_tensor(static_cast<uint32_t>(*layer.weight));
  entry.mutable_channel_scale()->Assign(layer.channel_scale.begin(), layer.channel_scale.end());
  entry.mutable_channel_bias()->Assign(layer.channel_bias.begin(), layer.channel_bias.end());
  for (const graph::Activation& activation : layer.activations) {
    stream::Activation* out = entry.add_activations();
    out->set_kind(EncodeActivationKind(activation.kind));
    out->set_alpha(activation.alpha);
    out->set_beta(activation.beta);
    out->set_min(activation.min);
    out->set_max(activation.max);
  }
  for (const std::string& origin : layer.origins) entry.add_origins(origin);
  return entry;
}

absl::StatusOr<graph::Layer> DecodeLayer(const stream::Layer& entry, int layer_index,
                                         int tensor_count) {
  const std::string label =
      absl::StrCat("command stream layer table: layer ", layer_index, " '", entry.name(), "'");
  graph::Layer layer;
  layer.name = entry.name();
  if (!DecodeParams(entry, &layer)) {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": no parameters set, so the layer kind is unknown; the stream is corrupt"));
  }

  auto check_tensor = [&](uint32_t id, const char* role) -> absl::Status {
    if (id >= static_cast<uint32_t>(tensor_count)) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": ", role, " tensor id ", id,
                                                     " is not below the tensor count ",
                                                     tensor_count, "; the stream is corrupt"));
    }
    return absl::OkStatus();
  };
  for (uint32_t input : entry.input_tensors()) {
    RETURN_IF_ERROR(check_tensor(input, "input"));
    layer.inputs.push_back(static_cast<graph::TensorId>(input));
  }
  RETURN_IF_ERROR(check_tensor(entry.output_tensor(), "output"));
  layer.output = static_cast<graph::TensorId>(entry.output_tensor());
  if (entry.has_weight_tensor()) {
    RETURN_IF_ERROR(check_tensor(entry.weight_tensor(), "weight"));
    layer.weight = static_cast<graph::TensorId>(entry.weight_tensor());
  }

  layer.channel_scale.assign(entry.channel_scale().begin(), entry.channel_scale().end());
  layer.channel_bias.assign(entry.channel_bias().begin(), entry.channel_bias().end());
  for (const stream::Activation& in : entry.activations()) {
    auto kind = DecodeActivationKind(in.kind());
    if (!kind.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": ", kind.status().message(), "; the stream is corrupt"));
    }
    graph::Activation activation;
    activation.kind = *kind;
    activation.alpha = in.alpha();
    activation.beta = in.beta();
    activation.min = in.min();
    activation.max = in.max();
    layer.activations.push_back(activation);
  }
  layer.origins.assign(entry.origins().begin(), entry.origins().end());
  return layer;
}

}  // namespace soma::codegen
