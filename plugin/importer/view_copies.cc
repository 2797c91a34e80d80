// view_copies.cc: copies that give a view the canonical shape a specialised layer needs.
//
// Tensors store their elements row-major in ONNX order, so a view (Reshape, Flatten) aliases
// its input's tensor. A specialised layer reads its operands in their canonical shapes, so a
// view whose canonical shape differs from its tensor's is first copied by a Reshape tensor
// operation, which later readers share.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "importer/host_values.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"
#include "importer/tensor_op_tiling.h"

namespace soma::importer {

absl::StatusOr<ActivationValue> CanonicalOperand(const NodeScope& scope, LoweringContext& context,
                                                 const std::string& value) {
  absl::StatusOr<ActivationValue> activation = context.NamedActivation(scope, value);
  if (!activation.ok()) return activation.status();
  const graph::Shape shape = CanonicalShape(activation->dims);
  if (context.graph().tensor(activation->tensor).shape == shape) return *activation;
  return CopyValue(scope, context, value);
}

absl::StatusOr<ActivationValue> CopyValue(const NodeScope& scope, LoweringContext& context,
                                          const std::string& value) {
  absl::StatusOr<ActivationValue> activation = context.NamedActivation(scope, value);
  if (!activation.ok()) return activation.status();
  if (std::optional<graph::TensorId> copy = context.MaterialisedView(value)) {
    return ActivationValue{*copy, activation->dims, activation->elem_type};
  }
  const ActivationValue view = *activation;
  const std::string copy_name = absl::StrCat(value, "_canonical");
  onnx::NodeProto node;
  node.set_name(absl::StrCat(scope.name, "/reshape_", value));
  node.set_op_type("Reshape");
  node.add_input(value);
  node.add_input(absl::StrCat(copy_name, "_shape"));
  node.add_output(copy_name);

  graph::TensorOpParams params;
  params.op_type = "Reshape";
  params.node_proto = SerializeDeterministic(node);
  params.opset = std::max<int64_t>(context.opset(), 14);
  params.input_slots = {0, -1};
  params.embedded_inputs.emplace_back(
      1, SerializeDeterministic(Int64VectorProto(view.dims, node.input(1))));
  params.input_dims = {view.dims};
  params.input_elem_types = {view.elem_type};
  params.output_dims = view.dims;
  params.output_elem_type = view.elem_type;
  // The copy keeps axis 0, so a batch of views copies in axis-0 slices.
  const std::vector<TensorOpSlot> slots = {
      {TensorOpSlot::Kind::kLayerInput, view.dims, context.graph().tensor(view.tensor).shape, {}},
      {TensorOpSlot::Kind::kEmbedded,
       {static_cast<int64_t>(view.dims.size())},
       {1, 1, 1, 1},
       {}}};
  params.axis0_sliced = ChooseTensorOpTiling(node, params.opset, slots, 0, view.dims,
                                             CanonicalShape(view.dims))
                            .axis0_sliced;
  graph::Layer layer;
  layer.name = node.name();
  layer.kind = graph::LayerKind::kTensorOp;
  layer.params = std::move(params);
  layer.inputs = {view.tensor};
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), copy_name, view.dims, view.elem_type);
  if (!layer_id.ok()) return layer_id.status();
  const graph::TensorId copy = context.graph().layer(*layer_id).output;
  context.SetMaterialisedView(value, copy);
  return ActivationValue{copy, view.dims, view.elem_type};
}

}  // namespace soma::importer
