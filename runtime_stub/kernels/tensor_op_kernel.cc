// tensor_op_kernel.cc: a tensor operation, one ONNX node run by the reference interpreter on
// the flat row-major data of its operands.
//
// A tile computes the node run of TensorOpWindowFor: the node reads each input box as the
// flat data of that run's input dims and writes the run's output region. The kernel keeps
// the part of it inside the output box.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/tensor_op_window.h"
#include "kernels/dense_region.h"
#include "kernels/epilogue.h"
#include "kernels/layer_kernels.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/onnx_ops.h"
#include "soma/status_macros.h"

namespace soma::kernels {

using graph::kC;
using graph::kH;
using graph::kN;
using graph::kW;

namespace {

std::string LayerLabel(const graph::Layer& layer, const graph::TensorOpParams& params) {
  return absl::StrCat("layer '", layer.name, "' (tensor op ", params.op_type, ")");
}

// The elements of `box`, row-major in canonical (N, C, H, W) order, from a dense region.
std::vector<double> ReadBox(const InputOperand& operand, const graph::Box& box) {
  std::vector<double> values;
  values.reserve(box.Volume());
  const ConstRegionView view(operand.data, operand.region);
  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
      for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
        const float* row = view.At(n, c, h, box.lo[kW]);
        values.insert(values.end(), row, row + box.Extent(kW));
      }
    }
  }
  return values;
}

// The node's inputs, one per ONNX slot (nullptr for an absent optional input), and the
// outer scope that its subgraphs read. `tensors` owns the values the pointers refer to.
struct NodeInputs {
  std::vector<onnx_ops::HostTensor> tensors;
  std::vector<onnx_ops::HostTensor> embedded;
  std::vector<const onnx_ops::HostTensor*> slots;
  onnx_ops::ValueScope outer;
};

absl::StatusOr<NodeInputs> GatherNodeInputs(const graph::Layer& layer,
                                            const graph::TensorOpParams& params,
                                            const graph::TensorOpWindow& window,
                                            const KernelCall& call) {
  NodeInputs inputs;
  const int input_count = static_cast<int>(layer.inputs.size());
  inputs.tensors.reserve(input_count);
  for (int input = 0; input < input_count; ++input) {
    onnx_ops::HostTensor tensor;
    tensor.elem_type = params.input_elem_types[input];
    tensor.dims = window.input_dims[input];
    tensor.values = ReadBox(call.inputs[input], window.input_boxes[input]);
    inputs.tensors.push_back(std::move(tensor));
  }

  // Embedded constants are decoded first so that `embedded` no longer grows when `slots`
  // points into it.
  inputs.embedded.reserve(params.embedded_inputs.size());
  std::vector<std::pair<int, int>> embedded_of_slot;
  for (const auto& [slot, bytes] : params.embedded_inputs) {
    onnx::TensorProto proto;
    if (!proto.ParseFromString(bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(LayerLabel(layer, params),
                                                     ": embedded input of slot ", slot,
                                                     " is not a valid onnx.TensorProto"));
    }
    absl::StatusOr<onnx_ops::HostTensor> tensor = onnx_ops::TensorFromProto(proto);
    if (!tensor.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(LayerLabel(layer, params),
                                                     ": embedded input of slot ", slot, ": ",
                                                     tensor.status().message()));
    }
    embedded_of_slot.emplace_back(slot, static_cast<int>(inputs.embedded.size()));
    inputs.embedded.push_back(*std::move(tensor));
  }

  inputs.slots.assign(params.input_slots.size(), nullptr);
  for (size_t slot = 0; slot < params.input_slots.size(); ++slot) {
    if (params.input_slots[slot] >= 0) inputs.slots[slot] = &inputs.tensors[params.input_slots[slot]];
  }
  for (const auto& [slot, index] : embedded_of_slot) {
    if (slot < 0 || slot >= static_cast<int>(inputs.slots.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          LayerLabel(layer, params), ": embedded input names slot ", slot, ", but the node has ",
          inputs.slots.size(), " input slots"));
    }
    inputs.slots[slot] = &inputs.embedded[index];
  }
  for (const auto& [name, input] : params.captures) inputs.outer[name] = inputs.tensors[input];
  return inputs;
}

}  // namespace

absl::Status RunTensorOpKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  const graph::Layer& layer = graph.layer(call.layer);
  const auto& params = layer.Params<graph::TensorOpParams>();
  const graph::TensorOpWindow window = graph::TensorOpWindowFor(graph, call.layer, call.output_box);

  // Step 1: the node and its inputs.
  onnx::NodeProto node;
  if (!node.ParseFromString(params.node_proto)) {
    return absl::InvalidArgumentError(absl::StrCat(
        LayerLabel(layer, params), ": node_proto is not a valid serialised onnx.NodeProto"));
  }
  ASSIGN_OR_RETURN(NodeInputs inputs, GatherNodeInputs(layer, params, window, call));

  // Step 2: run it and check the output's dims.
  absl::StatusOr<std::vector<onnx_ops::HostTensor>> outputs =
      onnx_ops::RunNode(node, params.opset, inputs.slots, &inputs.outer);
  if (!outputs.ok()) {
    return absl::Status(outputs.status().code(),
                        absl::StrCat(LayerLabel(layer, params), ": ", outputs.status().message()));
  }
  if (params.output_index < 0 || params.output_index >= static_cast<int>(outputs->size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        LayerLabel(layer, params), ": output_index ", params.output_index, ", but the node ",
        "returned ", outputs->size(), " outputs"));
  }
  const onnx_ops::HostTensor& result = (*outputs)[params.output_index];
  if (result.dims != window.output_dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        LayerLabel(layer, params), ": node output ", params.output_index, " has dims [",
        absl::StrJoin(result.dims, ", "), "], expected [", absl::StrJoin(window.output_dims, ", "),
        "]; the layer's output_dims do not match the node"));
  }

  // Step 3: the output box's part of the run's output region, through the epilogue.
  const graph::Box& box = call.output_box;
  const RegionLayout result_layout(window.output_region);
  const RegionView output(call.output.data, call.output.region);
  for (int64_t n = box.lo[kN]; n < box.hi[kN]; ++n) {
    for (int64_t c = box.lo[kC]; c < box.hi[kC]; ++c) {
      const ChannelEpilogue epilogue(layer, c);
      for (int64_t h = box.lo[kH]; h < box.hi[kH]; ++h) {
        const double* src = result.values.data() + result_layout.Offset(n, c, h, box.lo[kW]);
        float* out = output.At(n, c, h, box.lo[kW]);
        for (int64_t w = 0; w < box.Extent(kW); ++w) out[w] = epilogue.Apply(src[w]);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace soma::kernels
