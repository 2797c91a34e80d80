// layer_graph.cc: LayerGraph queries, MAC counts and the invariant check.
#include "graph/layer_graph.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::graph {

std::vector<LayerId> LayerGraph::Producers(LayerId layer_id) const {
  std::vector<LayerId> producers;
  for (TensorId input : layers[layer_id].inputs) {
    const auto& producer = tensors[input].producer;
    if (producer && std::find(producers.begin(), producers.end(), *producer) == producers.end()) {
      producers.push_back(*producer);
    }
  }
  return producers;
}

int64_t LayerMacCount(const LayerGraph& graph, LayerId layer_id) {
  const Layer& layer = graph.layer(layer_id);
  const Shape& out = graph.tensor(layer.output).shape;
  switch (layer.kind) {
    case LayerKind::kConv: {
      const auto& conv = layer.Params<ConvParams>();
      const int64_t in_per_group = graph.tensor(layer.inputs[0]).shape[kC] / conv.groups;
      return ElementCount(out) * in_per_group * conv.kernel_h * conv.kernel_w;
    }
    case LayerKind::kFullyConnected: {
      const Shape& in = graph.tensor(layer.inputs[0]).shape;
      return ElementCount(out) * in[kC] * in[kH] * in[kW];
    }
    case LayerKind::kMatMul:
      // Every output element is a dot product over K, the W extent of operand A.
      return ElementCount(out) * graph.tensor(layer.inputs[0]).shape[kW];
    case LayerKind::kTensorOp:
      return layer.Params<TensorOpParams>().mac_count;
    default:
      return 0;
  }
}

int64_t LayerGraph::MacCount() const {
  int64_t total = 0;
  for (LayerId id = 0; id < static_cast<LayerId>(layers.size()); ++id) total += LayerMacCount(*this, id);
  return total;
}

namespace {

absl::Status CheckTensorId(const LayerGraph& graph, const Layer& layer, TensorId id,
                           const char* role) {
  if (id < 0 || id >= static_cast<TensorId>(graph.tensors.size())) {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "': ", role, " tensor id ", id,
                                            " is out of range [0, ", graph.tensors.size(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckWeightShape(const LayerGraph& graph, const Layer& layer) {
  const bool needs_weight =
      layer.kind == LayerKind::kConv || layer.kind == LayerKind::kFullyConnected;
  if (needs_weight != layer.weight.has_value()) {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "' (", LayerKindName(layer.kind),
                                            ") ", needs_weight ? "has no" : "has an unexpected",
                                            " weight tensor"));
  }
  if (!needs_weight) return absl::OkStatus();
  const Tensor& weight = graph.tensor(*layer.weight);
  if (!weight.IsConstant()) {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "': weight tensor '",
                                            weight.name, "' is not constant"));
  }
  const Shape& in = graph.tensor(layer.inputs[0]).shape;
  const Shape& out = graph.tensor(layer.output).shape;
  Shape expected;
  if (layer.kind == LayerKind::kConv) {
    const auto& conv = layer.Params<ConvParams>();
    if (conv.groups <= 0 || in[kC] % conv.groups != 0 || out[kC] % conv.groups != 0) {
      return absl::InternalError(absl::StrCat("layer '", layer.name, "': groups ", conv.groups,
                                              " do not divide input channels ", in[kC],
                                              " and output channels ", out[kC]));
    }
    expected = {out[kC], in[kC] / conv.groups, conv.kernel_h, conv.kernel_w};
  } else {
    expected = {out[kC], in[kC] * in[kH] * in[kW], 1, 1};
  }
  if (weight.shape != expected) {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "': weight shape ",
                                            ShapeToString(weight.shape), ", expected ",
                                            ShapeToString(expected)));
  }
  const size_t out_channels = static_cast<size_t>(out[kC]);
  if ((!layer.channel_scale.empty() && layer.channel_scale.size() != out_channels) ||
      (!layer.channel_bias.empty() && layer.channel_bias.size() != out_channels)) {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "': epilogue vectors need ",
                                            out_channels, " entries"));
  }
  return absl::OkStatus();
}

// A (a0, a1, M, K) times B (b0, b1, K, N) gives (o0, o1, M, N). Every batch extent of an
// operand equals the output's or is 1.
absl::Status CheckMatMulShapes(const LayerGraph& graph, const Layer& layer) {
  if (layer.inputs.size() != 2) {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "' (MatMul) has ",
                                            layer.inputs.size(), " inputs, expected 2 (A and B)"));
  }
  const Shape& a = graph.tensor(layer.inputs[0]).shape;
  const Shape& b = graph.tensor(layer.inputs[1]).shape;
  const Shape& out = graph.tensor(layer.output).shape;
  const auto shapes = [&] {
    return absl::StrCat("A ", ShapeToString(a), ", B ", ShapeToString(b), ", output ",
                        ShapeToString(out));
  };
  if (a[kW] != b[kH] || a[kH] != out[kH] || b[kW] != out[kW]) {
    return absl::InternalError(absl::StrCat(
        "layer '", layer.name, "' (MatMul): operand shapes do not multiply: ", shapes(),
        "; expected A (a0, a1, M, K), B (b0, b1, K, N) and output (o0, o1, M, N)"));
  }
  for (int dim : {kN, kC}) {
    for (const Shape* operand : {&a, &b}) {
      if ((*operand)[dim] != out[dim] && (*operand)[dim] != 1) {
        return absl::InternalError(absl::StrCat(
            "layer '", layer.name, "' (MatMul): batch extent ", (*operand)[dim], " of dim ", dim,
            " neither equals the output's ", out[dim], " nor is 1 (broadcast): ", shapes()));
      }
    }
  }
  return absl::OkStatus();
}

int64_t DimsElementCount(const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t extent : dims) count *= extent;
  return count;
}

// The node's view of every operand must hold exactly the tensor's elements, and the slot
// and capture indices must name layer inputs.
absl::Status CheckTensorOpParams(const LayerGraph& graph, const Layer& layer) {
  const TensorOpParams& params = layer.Params<TensorOpParams>();
  const std::string label =
      absl::StrCat("layer '", layer.name, "' (tensor op ", params.op_type, ")");
  const size_t input_count = layer.inputs.size();
  if (params.input_dims.size() != input_count || params.input_elem_types.size() != input_count) {
    return absl::InternalError(absl::StrCat(label, ": ", params.input_dims.size(),
                                            " input dims and ", params.input_elem_types.size(),
                                            " input element types for ", input_count,
                                            " inputs; expected one of each per input"));
  }
  for (size_t input = 0; input < input_count; ++input) {
    const Tensor& tensor = graph.tensor(layer.inputs[input]);
    if (DimsElementCount(params.input_dims[input]) != tensor.ElementCount()) {
      return absl::InternalError(absl::StrCat(
          label, ": input ", input, " dims [", absl::StrJoin(params.input_dims[input], ", "),
          "] hold ", DimsElementCount(params.input_dims[input]), " elements, but tensor '",
          tensor.name, "' of shape ", ShapeToString(tensor.shape), " has ",
          tensor.ElementCount()));
    }
  }

  const Tensor& output = graph.tensor(layer.output);
  if (DimsElementCount(params.output_dims) != output.ElementCount()) {
    return absl::InternalError(absl::StrCat(
        label, ": output dims [", absl::StrJoin(params.output_dims, ", "), "] hold ",
        DimsElementCount(params.output_dims), " elements, but tensor '", output.name,
        "' of shape ", ShapeToString(output.shape), " has ", output.ElementCount()));
  }

  const auto check_input_index = [&](int index, const std::string& role) -> absl::Status {
    if (index >= 0 && index < static_cast<int>(input_count)) return absl::OkStatus();
    return absl::InternalError(absl::StrCat(label, ": ", role, " names input ", index,
                                            ", outside [0, ", input_count, ")"));
  };
  for (size_t slot = 0; slot < params.input_slots.size(); ++slot) {
    if (params.input_slots[slot] == -1) continue;
    absl::Status status =
        check_input_index(params.input_slots[slot], absl::StrCat("input slot ", slot));
    if (!status.ok()) return status;
  }
  for (const auto& [name, index] : params.captures) {
    absl::Status status = check_input_index(index, absl::StrCat("capture '", name, "'"));
    if (!status.ok()) return status;
  }
  if (params.parallel_dims < 0 || params.parallel_dims > kRank) {
    return absl::InternalError(absl::StrCat(label, ": parallel_dims ", params.parallel_dims,
                                            " is outside [0, ", kRank, "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckKindSpecific(const LayerGraph& graph, const Layer& layer) {
  const auto params_mismatch = [&] {
    return absl::InternalError(absl::StrCat("layer '", layer.name, "' (",
                                            LayerKindName(layer.kind),
                                            ") holds the parameters of another layer kind"));
  };
  switch (layer.kind) {
    case LayerKind::kMatMul:
      if (!std::holds_alternative<MatMulParams>(layer.params)) return params_mismatch();
      return CheckMatMulShapes(graph, layer);
    case LayerKind::kTensorOp:
      if (!std::holds_alternative<TensorOpParams>(layer.params)) return params_mismatch();
      return CheckTensorOpParams(graph, layer);
    default:
      return absl::OkStatus();
  }
}

}  // namespace

absl::Status LayerGraph::Verify() const {
  for (TensorId id = 0; id < static_cast<TensorId>(tensors.size()); ++id) {
    const Tensor& tensor = tensors[id];
    for (int64_t extent : tensor.shape) {
      if (extent <= 0) {
        return absl::InternalError(absl::StrCat("tensor '", tensor.name, "' has shape ",
                                                ShapeToString(tensor.shape),
                                                " with a non-positive extent"));
      }
    }
    if (tensor.producer && (*tensor.producer < 0 || *tensor.producer >= static_cast<int>(layers.size()) ||
                            layers[*tensor.producer].output != id)) {
      return absl::InternalError(absl::StrCat("tensor '", tensor.name,
                                              "': producer link does not match its layer"));
    }
    if (tensor.IsConstant() && !tensor.constant->fill &&
        static_cast<int64_t>(tensor.constant->values.size()) != tensor.ElementCount()) {
      return absl::InternalError(absl::StrCat("constant tensor '", tensor.name, "' contains ",
                                              tensor.constant->values.size(), " values, shape ",
                                              ShapeToString(tensor.shape), " needs ",
                                              tensor.ElementCount()));
    }
    if (!std::is_sorted(tensor.consumers.begin(), tensor.consumers.end())) {
      return absl::InternalError(absl::StrCat("tensor '", tensor.name, "': consumers not sorted"));
    }
  }
  for (LayerId id = 0; id < static_cast<LayerId>(layers.size()); ++id) {
    const Layer& layer = layers[id];
    if (layer.inputs.empty()) {
      return absl::InternalError(absl::StrCat("layer '", layer.name, "' has no inputs"));
    }
    for (TensorId input : layer.inputs) {
      absl::Status status = CheckTensorId(*this, layer, input, "input");
      if (!status.ok()) return status;
      const Tensor& tensor = tensors[input];
      if (tensor.producer && *tensor.producer >= id) {
        return absl::InternalError(absl::StrCat("layer '", layer.name, "' (id ", id,
                                                ") reads '", tensor.name, "' produced by layer ",
                                                *tensor.producer,
                                                ": layer ids are not topological"));
      }
      if (!std::binary_search(tensor.consumers.begin(), tensor.consumers.end(), id)) {
        return absl::InternalError(absl::StrCat("tensor '", tensor.name, "' does not list layer '",
                                                layer.name, "' as a consumer"));
      }
      if (!tensor.producer && !tensor.is_graph_input && !tensor.IsConstant()) {
        return absl::InternalError(absl::StrCat("layer '", layer.name, "' reads '", tensor.name,
                                                "', which is neither produced, a graph input nor constant"));
      }
    }
    absl::Status status = CheckTensorId(*this, layer, layer.output, "output");
    if (!status.ok()) return status;
    if (layer.weight) {
      status = CheckTensorId(*this, layer, *layer.weight, "weight");
      if (!status.ok()) return status;
    }
    status = CheckWeightShape(*this, layer);
    if (!status.ok()) return status;
    status = CheckKindSpecific(*this, layer);
    if (!status.ok()) return status;
  }
  if (outputs.empty()) return absl::InternalError("graph has no outputs");
  for (TensorId output : outputs) {
    if (output < 0 || output >= static_cast<TensorId>(tensors.size())) {
      return absl::InternalError(absl::StrCat("graph output id ", output, " is out of range"));
    }
    if (!tensors[output].is_graph_output) {
      return absl::InternalError(absl::StrCat("graph output '", tensors[output].name,
                                              "' is not marked as an output"));
    }
  }
  return absl::OkStatus();
}

std::string LayerGraph::ToString() const {
  std::ostringstream text;
  text << "LayerGraph '" << model_name << "': " << layers.size() << " layers, " << tensors.size()
       << " tensors\n";
  for (LayerId id = 0; id < static_cast<LayerId>(layers.size()); ++id) {
    const Layer& layer = layers[id];
    std::vector<std::string> inputs;
    for (TensorId input : layer.inputs) inputs.push_back(tensors[input].name);
    text << "  L" << id << " " << LayerKindName(layer.kind) << " '" << layer.name << "' ("
         << absl::StrJoin(inputs, ", ") << ") -> '" << tensors[layer.output].name << "' "
         << ShapeToString(tensors[layer.output].shape);
    for (const Activation& activation : layer.activations) {
      text << " +" << ActivationKindName(activation.kind);
    }
    text << "\n";
  }
  return text.str();
}

std::ostream& operator<<(std::ostream& os, const LayerGraph& graph) { return os << graph.ToString(); }

}  // namespace soma::graph
