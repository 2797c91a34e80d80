// operand_check.cc: checks that a KernelCall's regions cover what its layer reads and writes.
#include "kernels/operand_check.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/box_mapping.h"
#include "soma/status_macros.h"

namespace soma::kernels {

using graph::Box;
using graph::Layer;
using graph::LayerGraph;
using graph::LayerKind;

namespace {

std::string LayerLabel(const Layer& layer) {
  return absl::StrCat("layer '", layer.name, "' (", graph::LayerKindName(layer.kind), ")");
}

absl::Status CheckEpilogueSize(const Layer& layer, const std::vector<float>& values,
                               const char* field, int64_t channels) {
  if (values.empty() || static_cast<int64_t>(values.size()) == channels) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(LayerLabel(layer), ": ", field, " has ",
                                                 values.size(), " values, expected 0 or ", channels,
                                                 " (one per output channel)"));
}

absl::Status CheckOperandRegion(const Layer& layer, const std::string& operand,
                                const graph::Tensor& tensor, const Box& region, const Box& needed,
                                const char* hint) {
  if (region.Contains(needed)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      LayerLabel(layer), ": ", operand, " region ", region.ToString(), " of tensor '", tensor.name,
      "' does not contain the needed box ", needed.ToString(), "; ", hint));
}

// The box of the weight tensor a call reads: WeightBox, with dimension 1 restricted to the
// reduction slice when the layer supports partial sums.
Box NeededWeightBox(const LayerGraph& graph, const KernelCall& call, const ChannelSlice& slice) {
  const Layer& layer = graph.layer(call.layer);
  Box box = graph::WeightBox(graph, call.layer, call.output_box);
  if (!SupportsPartialSums(layer)) return box;
  const graph::Shape& in = graph.tensor(layer.inputs[0]).shape;
  const int64_t elements_per_channel =
      layer.kind == LayerKind::kFullyConnected ? in[graph::kH] * in[graph::kW] : 1;
  box.lo[1] = slice.begin * elements_per_channel;
  box.hi[1] = slice.end * elements_per_channel;
  return box;
}

absl::Status CheckInputs(const LayerGraph& graph, const KernelCall& call) {
  const Layer& layer = graph.layer(call.layer);
  for (int index = 0; index < static_cast<int>(layer.inputs.size()); ++index) {
    const InputOperand& operand = call.inputs[index];
    const graph::Tensor& tensor = graph.tensor(layer.inputs[index]);
    const std::string name = absl::StrCat("input ", index);
    Box needed = graph::InputBox(graph, call.layer, index, call.output_box);
    // A concat input outside the output box's channels is not read and may have no data.
    if (needed.IsEmpty()) continue;
    if (operand.data == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(LayerLabel(layer), ": ", name, " (tensor '", tensor.name, "') has no data"));
    }
    if (SupportsPartialSums(layer)) {
      const ChannelSlice slice = ReductionSlice(graph, call);
      if (slice.begin < needed.lo[graph::kC] || slice.end > needed.hi[graph::kC] ||
          slice.begin >= slice.end) {
        return absl::InvalidArgumentError(
            absl::StrCat(LayerLabel(layer), ": ", name, " box ", operand.box.ToString(),
                         " selects input channels [", slice.begin, ", ", slice.end,
                         "), expected a non-empty slice of [", needed.lo[graph::kC], ", ",
                         needed.hi[graph::kC], ")"));
      }
      needed.lo[graph::kC] = slice.begin;
      needed.hi[graph::kC] = slice.end;
    } else if (layer.kind == LayerKind::kConv && !operand.box.IsEmpty() &&
               (operand.box.lo[graph::kC] > needed.lo[graph::kC] ||
                operand.box.hi[graph::kC] < needed.hi[graph::kC])) {
      return absl::InvalidArgumentError(absl::StrCat(
          LayerLabel(layer), ": ", name, " box ", operand.box.ToString(),
          " selects a slice of the input channels [", needed.lo[graph::kC], ", ",
          needed.hi[graph::kC], "), but partial sums need groups == 1; pass whole groups"));
    }
    RETURN_IF_ERROR(CheckOperandRegion(layer, name, tensor, operand.region, needed,
                                       "pass a region that covers the box InputBox returns"));
  }
  return absl::OkStatus();
}

}  // namespace

bool SupportsPartialSums(const Layer& layer) {
  if (layer.kind == LayerKind::kFullyConnected) return true;
  return layer.kind == LayerKind::kConv && layer.Params<graph::ConvParams>().groups == 1;
}

ChannelSlice ReductionSlice(const LayerGraph& graph, const KernelCall& call) {
  const Layer& layer = graph.layer(call.layer);
  if (SupportsPartialSums(layer)) {
    const Box& box = call.inputs[0].box;
    return {box.lo[graph::kC], box.hi[graph::kC]};
  }
  // Grouped conv: the groups that the output channels belong to, whole.
  const Box needed = graph::InputBox(graph, call.layer, 0, call.output_box);
  return {needed.lo[graph::kC], needed.hi[graph::kC]};
}

absl::Status CheckKernelCall(const LayerGraph& graph, const KernelCall& call) {
  if (call.layer < 0 || call.layer >= static_cast<graph::LayerId>(graph.layers.size())) {
    return absl::InvalidArgumentError(absl::StrCat("kernel call names layer ", call.layer,
                                                   ", outside the graph's layers [0, ",
                                                   graph.layers.size(), ")"));
  }
  const Layer& layer = graph.layer(call.layer);
  const graph::Tensor& output = graph.tensor(layer.output);
  if (call.inputs.size() != layer.inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(LayerLabel(layer), ": the call has ",
                                                   call.inputs.size(), " input operands, expected ",
                                                   layer.inputs.size(), " (one per layer input)"));
  }
  const bool reduces = layer.kind == LayerKind::kConv || layer.kind == LayerKind::kFullyConnected;
  if (!reduces && (call.accumulate || !call.final_partial)) {
    return absl::InvalidArgumentError(absl::StrCat(
        LayerLabel(layer), ": accumulate = ", call.accumulate ? "true" : "false",
        " and final_partial = ", call.final_partial ? "true" : "false",
        ", but partial sums apply to Conv and FullyConnected only; pass accumulate = false and "
        "final_partial = true"));
  }
  const int64_t channels = output.shape[graph::kC];
  RETURN_IF_ERROR(CheckEpilogueSize(layer, layer.channel_scale, "channel_scale", channels));
  RETURN_IF_ERROR(CheckEpilogueSize(layer, layer.channel_bias, "channel_bias", channels));

  if (call.output_box.IsEmpty()) return absl::OkStatus();
  if (!Box::Full(output.shape).Contains(call.output_box)) {
    return absl::InvalidArgumentError(absl::StrCat(
        LayerLabel(layer), ": output box ", call.output_box.ToString(), " lies outside tensor '",
        output.name, "' of shape ", graph::ShapeToString(output.shape)));
  }
  if (call.output.data == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(LayerLabel(layer), ": output (tensor '", output.name, "') has no data"));
  }
  RETURN_IF_ERROR(CheckOperandRegion(layer, "output", output, call.output.region, call.output_box,
                                     "pass an output region that covers the output box"));
  RETURN_IF_ERROR(CheckInputs(graph, call));

  if (!reduces) return absl::OkStatus();
  const graph::Tensor& weight = graph.tensor(*layer.weight);
  if (call.weight.data == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(LayerLabel(layer), ": weight (tensor '", weight.name, "') has no data"));
  }
  const Box needed = NeededWeightBox(graph, call, ReductionSlice(graph, call));
  return CheckOperandRegion(layer, "weight", weight, call.weight.region, needed,
                            "pass a region that covers the rows WeightBox returns, restricted to "
                            "the input channel slice");
}

}  // namespace soma::kernels
