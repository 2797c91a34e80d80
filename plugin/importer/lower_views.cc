// lower_views.cc: Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout on activations
// become views: their output aliases the input tensor under the new dims. Tensors store
// their elements row-major in ONNX order, so every view reads the same data; a specialised
// layer that needs another canonical shape copies the view first (CanonicalOperand).
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/shape_rules.h"
#include "importer/view_shapes.h"

namespace soma::importer {

absl::StatusOr<NodeOutcome> LowerView(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  const std::string& op = scope.node.op_type();
  if (op == "Dropout" && scope.node.output_size() > 1 && !scope.node.output(1).empty() &&
      (!context.ConsumersOf(scope.node.output(1)).empty() ||
       context.IsGraphOutput(scope.node.output(1)))) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": the mask output '", scope.node.output(1),
        "' is used; a view has no mask, so the node runs as a tensor operation"));
  }
  auto dims = ViewOutputDims(scope, context, input->dims);
  if (!dims.ok()) return dims.status();

  const graph::Tensor& tensor = context.graph().tensor(input->tensor);
  std::string detail = absl::StrCat("view of tensor '", tensor.name, "'");
  if (CanonicalShape(*dims) != tensor.shape) {
    absl::StrAppend(&detail, " as ", DimsToString(*dims));
  }
  context.AliasValue(scope.node.input(0), scope.node.output(0), *dims);
  return NodeOutcome{PlacementKind::kFolded, -1, detail};
}

}  // namespace soma::importer
