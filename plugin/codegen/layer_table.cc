// layer_table.cc: LayerGraph layers as the stream's Layer messages, and back.
#include "codegen/layer_table.h"

#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

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
    case graph::ActivationKind::kGelu:
      return stream::Activation::GELU;
    case graph::ActivationKind::kGeluTanh:
      return stream::Activation::GELU_TANH;
    case graph::ActivationKind::kTanh:
      return stream::Activation::TANH;
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
    case stream::Activation::GELU:
      return graph::ActivationKind::kGelu;
    case stream::Activation::GELU_TANH:
      return graph::ActivationKind::kGeluTanh;
    case stream::Activation::TANH:
      return graph::ActivationKind::kTanh;
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

void EncodeDims(const std::vector<int64_t>& dims, stream::Dims* out) {
  out->mutable_dims()->Assign(dims.begin(), dims.end());
}

void EncodeTensorOp(const graph::TensorOpParams& op, stream::TensorOpParams* out) {
  out->set_domain(op.domain);
  out->set_op_type(op.op_type);
  out->set_node_proto(op.node_proto);
  out->set_opset(op.opset);
  out->mutable_input_slots()->Assign(op.input_slots.begin(), op.input_slots.end());
  for (const auto& [slot, tensor_proto] : op.embedded_inputs) {
    stream::TensorOpParams::EmbeddedInput* embedded = out->add_embedded_inputs();
    embedded->set_slot(slot);
    embedded->set_tensor_proto(tensor_proto);
  }
  for (const auto& [name, input] : op.captures) {
    stream::TensorOpParams::Capture* capture = out->add_captures();
    capture->set_name(name);
    capture->set_input(input);
  }
  for (const std::vector<int64_t>& dims : op.input_dims) EncodeDims(dims, out->add_input_dims());
  out->mutable_input_elem_types()->Assign(op.input_elem_types.begin(),
                                          op.input_elem_types.end());
  EncodeDims(op.output_dims, out->mutable_output_dims());
  out->set_output_elem_type(op.output_elem_type);
  out->set_output_index(op.output_index);
  out->set_unit(op.unit == graph::ExecutionUnit::kHost ? stream::TensorOpParams::HOST
                                                       : stream::TensorOpParams::VECTOR);
  out->set_mac_count(op.mac_count);
  out->set_parallel_dims(op.parallel_dims);
  out->set_axis0_sliced(op.axis0_sliced);
  out->set_host_reason(op.host_reason);
}

absl::StatusOr<graph::TensorOpParams> DecodeTensorOp(const stream::TensorOpParams& in) {
  graph::TensorOpParams op;
  op.domain = in.domain();
  op.op_type = in.op_type();
  op.node_proto = in.node_proto();
  op.opset = in.opset();

  op.input_slots.assign(in.input_slots().begin(), in.input_slots().end());
  for (const stream::TensorOpParams::EmbeddedInput& embedded : in.embedded_inputs()) {
    op.embedded_inputs.emplace_back(embedded.slot(), embedded.tensor_proto());
  }
  for (const stream::TensorOpParams::Capture& capture : in.captures()) {
    op.captures.emplace_back(capture.name(), capture.input());
  }
  for (const stream::Dims& dims : in.input_dims()) {
    op.input_dims.emplace_back(dims.dims().begin(), dims.dims().end());
  }
  op.input_elem_types.assign(in.input_elem_types().begin(), in.input_elem_types().end());
  op.output_dims.assign(in.output_dims().dims().begin(), in.output_dims().dims().end());
  op.output_elem_type = in.output_elem_type();
  op.output_index = in.output_index();

  switch (in.unit()) {
    case stream::TensorOpParams::VECTOR:
      op.unit = graph::ExecutionUnit::kVector;
      break;
    case stream::TensorOpParams::HOST:
      op.unit = graph::ExecutionUnit::kHost;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown tensor op unit ", static_cast<int>(in.unit())));
  }
  op.mac_count = in.mac_count();
  op.parallel_dims = in.parallel_dims();
  op.axis0_sliced = in.axis0_sliced();
  op.host_reason = in.host_reason();
  return op;
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
        } else if constexpr (std::is_same_v<Params, graph::ActivationLayerParams>) {
          out->mutable_activation();
        } else if constexpr (std::is_same_v<Params, graph::MatMulParams>) {
          out->mutable_matmul();
        } else {
          static_assert(std::is_same_v<Params, graph::TensorOpParams>);
          EncodeTensorOp(params, out->mutable_tensor_op());
        }
      },
      layer.params);
}

// Sets the kind and params of `layer` from the oneof. InvalidArgument when the oneof is
// unset or a tensor op's parameters are invalid.
absl::Status DecodeParams(const stream::Layer& entry, graph::Layer* layer) {
  switch (entry.params_case()) {
    case stream::Layer::kConv:
      layer->kind = graph::LayerKind::kConv;
      layer->params = DecodeConv(entry.conv());
      return absl::OkStatus();
    case stream::Layer::kFullyConnected:
      layer->kind = graph::LayerKind::kFullyConnected;
      layer->params = graph::FullyConnectedParams{};
      return absl::OkStatus();
    case stream::Layer::kPool:
      layer->kind = graph::LayerKind::kPool;
      layer->params = DecodePool(entry.pool());
      return absl::OkStatus();
    case stream::Layer::kEltwise:
      layer->kind = graph::LayerKind::kEltwise;
      layer->params = graph::EltwiseParams{entry.eltwise().multiply() ? graph::EltwiseKind::kMul
                                                                      : graph::EltwiseKind::kAdd};
      return absl::OkStatus();
    case stream::Layer::kConcat:
      layer->kind = graph::LayerKind::kConcat;
      layer->params = graph::ConcatParams{};
      return absl::OkStatus();
    case stream::Layer::kSoftmax:
      layer->kind = graph::LayerKind::kSoftmax;
      layer->params = graph::SoftmaxParams{entry.softmax().log()};
      return absl::OkStatus();
    case stream::Layer::kLrn: {
      graph::LrnParams lrn;
      lrn.size = entry.lrn().size();
      lrn.alpha = entry.lrn().alpha();
      lrn.beta = entry.lrn().beta();
      lrn.bias = entry.lrn().bias();
      layer->kind = graph::LayerKind::kLrn;
      layer->params = lrn;
      return absl::OkStatus();
    }
    case stream::Layer::kActivation:
      layer->kind = graph::LayerKind::kActivation;
      layer->params = graph::ActivationLayerParams{};
      return absl::OkStatus();
    case stream::Layer::kMatmul:
      layer->kind = graph::LayerKind::kMatMul;
      layer->params = graph::MatMulParams{};
      return absl::OkStatus();
    case stream::Layer::kTensorOp: {
      ASSIGN_OR_RETURN(graph::TensorOpParams op, DecodeTensorOp(entry.tensor_op()));
      layer->kind = graph::LayerKind::kTensorOp;
      layer->params = std::move(op);
      return absl::OkStatus();
    }
    case stream::Layer::PARAMS_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "no parameters set, so the layer kind is unknown");
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
  if (absl::Status status = DecodeParams(entry, &layer); !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": ", status.message(), "; the stream is corrupt"));
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
