// lower_views.cc: Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout on activations
// become views: their output aliases the input tensor.
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/shape_rules.h"
#include "importer/view_shapes.h"

namespace soma::importer {

namespace {

// True when every reader of `value`, looking through further views, is a fully connected
// layer that takes it as its left operand. Such readers flatten C*H*W themselves.
bool OnlyFullyConnectedReaders(const LoweringContext& context, const std::string& value) {
  if (context.IsGraphOutput(value)) return false;
  const std::vector<int>& consumers = context.ConsumersOf(value);
  if (consumers.empty()) return false;
  for (int node_index : consumers) {
    const onnx::NodeProto& node = context.onnx_graph().node(node_index);
    const std::string& op = node.op_type();
    if ((op == "Gemm" || op == "MatMul") && node.input(0) == value &&
        (node.input_size() < 2 || node.input(1) != value)) {
      continue;
    }
    if (IsViewOperator(op) && node.input(0) == value && node.output_size() > 0 &&
        OnlyFullyConnectedReaders(context, node.output(0))) {
      continue;
    }
    return false;
  }
  return true;
}

std::string FirstReaderLabel(const LoweringContext& context, const std::string& value) {
  const std::vector<int>& consumers = context.ConsumersOf(value);
  if (consumers.empty()) return "a graph output";
  return context.NodeLabel(consumers.front());
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerView(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  const std::string& op = scope.node.op_type();
  if (op == "Dropout" && scope.node.output_size() > 1 && !scope.node.output(1).empty() &&
      !context.ConsumersOf(scope.node.output(1)).empty()) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": the mask output '", scope.node.output(1),
        "' is read by other nodes; only inference-mode Dropout (an identity) is supported"));
  }
  auto dims = ViewOutputDims(scope, context, input->dims);
  if (!dims.ok()) return dims.status();

  const std::string& output = scope.node.output(0);
  const graph::Tensor& tensor = context.graph().tensor(input->tensor);
  const std::string detail = absl::StrCat("view of tensor '", tensor.name, "'");
  const std::optional<graph::Shape> canonical = CanonicalShape(*dims);
  if (canonical && *canonical == tensor.shape) {
    context.AliasValue(scope.node.input(0), output, *dims);
    return NodeOutcome{PlacementKind::kFolded, -1, detail};
  }
  // A flatten to [N, C*H*W] read only by fully connected layers keeps the NCHW tensor.
  const graph::Shape& shape = tensor.shape;
  const bool flattens_rows = dims->size() == 2 && (*dims)[0] == shape[graph::kN] &&
                             (*dims)[1] == shape[graph::kC] * shape[graph::kH] * shape[graph::kW];
  if (flattens_rows && OnlyFullyConnectedReaders(context, output)) {
    context.AliasValue(scope.node.input(0), output, *dims);
    return NodeOutcome{PlacementKind::kFolded, -1,
                       absl::StrCat(detail, ", flattened by its fully connected readers")};
  }
  return absl::UnimplementedError(absl::StrCat(
      scope.label, ": ", op, " from ", DimsToString(input->dims), " to ", DimsToString(*dims),
      " changes the NCHW layout of tensor '", tensor.name, "' (", graph::ShapeToString(shape),
      ") and is read by ", FirstReaderLabel(context, output),
      "; only views that keep the layout, or that flatten into fully connected layers, are "
      "supported"));
}

}  // namespace soma::importer
