// layer_validation.cc: checks of the stream's layer table.
#include "replay/layer_validation.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/box.h"
#include "replay/tensor_layout.h"
#include "soma/status_macros.h"

namespace soma::replay {

namespace {

absl::Status CheckTensorId(const stream::CommandStream& command_stream, uint32_t tensor_id,
                           const std::string& owner) {
  if (tensor_id >= static_cast<uint32_t>(command_stream.tensors_size())) {
    return absl::InvalidArgumentError(absl::StrCat(owner, " refers to tensor ", tensor_id,
                                                   ", but the stream has ",
                                                   command_stream.tensors_size(), " tensors"));
  }
  return absl::OkStatus();
}

/// Checks that each named value lies in [minimum, kMaxWindowParameter].
absl::Status CheckRange(const std::string& where,
                        std::initializer_list<std::pair<const char*, int64_t>> values,
                        int64_t minimum) {
  for (const auto& [name, value] : values) {
    if (value < minimum || value > kMaxWindowParameter) {
      return absl::InvalidArgumentError(absl::StrCat(where, " has ", name, " ", value,
                                                     ", expected ", minimum, " to ",
                                                     kMaxWindowParameter));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckParameters(const stream::Layer& layer, const std::string& where) {
  switch (layer.params_case()) {
    case stream::Layer::kConv: {
      const stream::ConvParams& conv = layer.conv();
      RETURN_IF_ERROR(CheckRange(where,
                                 {{"kernel_h", conv.kernel_h()}, {"kernel_w", conv.kernel_w()},
                                  {"stride_h", conv.stride_h()}, {"stride_w", conv.stride_w()},
                                  {"dilation_h", conv.dilation_h()},
                                  {"dilation_w", conv.dilation_w()}, {"groups", conv.groups()}},
                                 1));
      return CheckRange(where,
                        {{"pad_top", conv.pad_top()}, {"pad_left", conv.pad_left()},
                         {"pad_bottom", conv.pad_bottom()}, {"pad_right", conv.pad_right()}},
                        0);
    }
    case stream::Layer::kPool: {
      const stream::PoolParams& pool = layer.pool();
      RETURN_IF_ERROR(CheckRange(where,
                                 {{"kernel_h", pool.kernel_h()}, {"kernel_w", pool.kernel_w()},
                                  {"stride_h", pool.stride_h()}, {"stride_w", pool.stride_w()},
                                  {"dilation_h", pool.dilation_h()},
                                  {"dilation_w", pool.dilation_w()}},
                                 1));
      return CheckRange(where,
                        {{"pad_top", pool.pad_top()}, {"pad_left", pool.pad_left()},
                         {"pad_bottom", pool.pad_bottom()}, {"pad_right", pool.pad_right()}},
                        0);
    }
    case stream::Layer::kLrn:
      return CheckRange(where, {{"size", layer.lrn().size()}}, 1);
    case stream::Layer::PARAMS_NOT_SET:
      return absl::InvalidArgumentError(absl::StrCat(where, " has no parameters (no layer kind)"));
    default:
      return absl::OkStatus();
  }
}

// A (a0, a1, M, K) times B (b0, b1, K, N) gives (o0, o1, M, N), each batch extent equal to
// the output's or 1.
absl::Status CheckMatMulShapes(const stream::CommandStream& command_stream,
                               const stream::Layer& layer, const std::string& where,
                               const graph::Shape& output) {
  if (layer.input_tensors_size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(where, " (MatMul) has ",
                                                   layer.input_tensors_size(),
                                                   " inputs, expected 2 (A and B)"));
  }
  const graph::Shape a = TensorShape(command_stream.tensors(layer.input_tensors(0)));
  const graph::Shape b = TensorShape(command_stream.tensors(layer.input_tensors(1)));
  const std::string shapes =
      absl::StrCat("A ", graph::ShapeToString(a), ", B ", graph::ShapeToString(b), ", output ",
                   graph::ShapeToString(output));
  bool fits = a[graph::kW] == b[graph::kH] && a[graph::kH] == output[graph::kH] &&
              b[graph::kW] == output[graph::kW];
  for (int d : {graph::kN, graph::kC}) {
    fits = fits && (a[d] == output[d] || a[d] == 1) && (b[d] == output[d] || b[d] == 1);
  }
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": MatMul operand shapes do not multiply: ", shapes,
        "; expected A (a0, a1, M, K), B (b0, b1, K, N), output (o0, o1, M, N)"));
  }
  return absl::OkStatus();
}

absl::Status CheckShapes(const stream::CommandStream& command_stream, const stream::Layer& layer,
                         const std::string& where) {
  if (layer.input_tensors_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, " has no inputs"));
  }
  const graph::Shape output = TensorShape(command_stream.tensors(layer.output_tensor()));
  if (layer.params_case() == stream::Layer::kMatmul) {
    RETURN_IF_ERROR(CheckMatMulShapes(command_stream, layer, where, output));
  }
  int64_t concatenated_channels = 0;
  // MatMul operands are checked above. A tensor operation reads each input as flat data of
  // its own dims, so its inputs' shapes need not resemble the output's. The decoded graph's
  // Verify checks their element counts.
  const bool own_shape_rule = layer.params_case() == stream::Layer::kMatmul ||
                              layer.params_case() == stream::Layer::kTensorOp;
  const int shaped_inputs = own_shape_rule ? 0 : layer.input_tensors_size();
  for (int k = 0; k < shaped_inputs; ++k) {
    const graph::Shape input = TensorShape(command_stream.tensors(layer.input_tensors(k)));
    const std::string mismatch =
        absl::StrCat(where, ": input ", k, " of shape ", graph::ShapeToString(input),
                     " does not fit output shape ", graph::ShapeToString(output));
    const bool broadcast_free = layer.params_case() != stream::Layer::kEltwise;
    if (input[graph::kN] != output[graph::kN] && (broadcast_free || input[graph::kN] != 1)) {
      return absl::InvalidArgumentError(absl::StrCat(mismatch, " (batch differs)"));
    }
    switch (layer.params_case()) {
      case stream::Layer::kPool:
      case stream::Layer::kSoftmax:
      case stream::Layer::kLrn:
      case stream::Layer::kActivation:
        if (input[graph::kC] != output[graph::kC] ||
            (layer.params_case() != stream::Layer::kPool && input != output)) {
          return absl::InvalidArgumentError(
              absl::StrCat(mismatch, " (the layer keeps its input's shape or channels)"));
        }
        break;
      case stream::Layer::kEltwise:
        for (int d = 0; d < graph::kRank; ++d) {
          if (input[d] != output[d] && input[d] != 1) {
            return absl::InvalidArgumentError(
                absl::StrCat(mismatch, " (dimension ", d, " neither matches nor broadcasts)"));
          }
        }
        break;
      case stream::Layer::kConcat:
        if (input[graph::kH] != output[graph::kH] || input[graph::kW] != output[graph::kW]) {
          return absl::InvalidArgumentError(
              absl::StrCat(mismatch, " (concatenation keeps height and width)"));
        }
        concatenated_channels += input[graph::kC];
        break;
      default:
        break;
    }
  }
  if (layer.params_case() == stream::Layer::kConcat && concatenated_channels != output[graph::kC]) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": input channels add up to ",
                                                   concatenated_channels, ", but the output has ",
                                                   output[graph::kC]));
  }
  const int64_t channels = output[graph::kC];
  if ((layer.channel_scale_size() != 0 && layer.channel_scale_size() != channels) ||
      (layer.channel_bias_size() != 0 && layer.channel_bias_size() != channels)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " has ", layer.channel_scale_size(), " channel scales and ",
        layer.channel_bias_size(), " channel biases, expected 0 or ", channels,
        " (one per output channel) each"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateLayerTable(const stream::CommandStream& command_stream) {
  for (int id = 0; id < command_stream.layers_size(); ++id) {
    const stream::Layer& layer = command_stream.layers(id);
    const std::string where = absl::StrCat("layer ", id, " \"", layer.name(), "\"");
    for (uint32_t input : layer.input_tensors()) {
      RETURN_IF_ERROR(CheckTensorId(command_stream, input, where));
    }
    RETURN_IF_ERROR(CheckTensorId(command_stream, layer.output_tensor(), where));
    if (layer.has_weight_tensor()) {
      RETURN_IF_ERROR(CheckTensorId(command_stream, layer.weight_tensor(), where));
    }
    RETURN_IF_ERROR(CheckParameters(layer, where));
    RETURN_IF_ERROR(CheckShapes(command_stream, layer, where));
  }
  for (uint32_t input : command_stream.network_inputs()) {
    RETURN_IF_ERROR(CheckTensorId(command_stream, input, "a network input"));
  }
  for (uint32_t output : command_stream.network_outputs()) {
    RETURN_IF_ERROR(CheckTensorId(command_stream, output, "a network output"));
  }
  return absl::OkStatus();
}

}  // namespace soma::replay
