// lower_conv.cc: ONNX 2-D Conv (grouped, depthwise, dilated) to a kConv layer. Other ranks
// return Unimplemented and become tensor operations.
#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/tensor_op_lowering.h"
#include "importer/sliding_window.h"

namespace soma::importer {

absl::StatusOr<NodeOutcome> LowerConv(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  auto weight = context.ConstantInput(scope, 1, "weight");
  if (!weight.ok()) return weight.status();
  const std::vector<int64_t>& x = input->dims;
  const std::vector<int64_t>& w = (*weight)->dims;

  // Step 1: ranks, channels and groups.
  if (x.size() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input '", scope.node.input(0), "' has shape ", DimsToString(x),
        "; a conv layer takes 2-D convolutions (rank-4 inputs)"));
  }
  if (w.size() != x.size()) {
    return absl::InvalidArgumentError(absl::StrCat(scope.label, ": weight '", scope.node.input(1),
                                                   "' has shape ", DimsToString(w),
                                                   ", expected rank ", x.size(),
                                                   " like the input ", DimsToString(x)));
  }
  auto groups = scope.attributes.Int("group", 1);
  if (!groups.ok()) return groups.status();
  const int64_t out_channels = w[0];
  if (*groups < 1 || x[1] % *groups != 0 || out_channels % *groups != 0 ||
      w[1] * *groups != x[1]) {
    return scope.attributes.InvalidValue(
        "group", absl::StrCat(*groups),
        absl::StrCat("input channels ", x[1], " and output channels ", out_channels,
                     " must be divisible by it, and the weight's ", w[1],
                     " channels per group times it must equal the input channels"));
  }
  const std::vector<int64_t> spatial(x.begin() + 2, x.end());
  const std::vector<int64_t> kernel(w.begin() + 2, w.end());
  auto declared_kernel = scope.attributes.Ints("kernel_shape", kernel);
  if (!declared_kernel.ok()) return declared_kernel.status();
  if (*declared_kernel != kernel) {
    return scope.attributes.InvalidValue("kernel_shape", DimsToString(*declared_kernel),
                                         absl::StrCat("the weight's spatial extents are ",
                                                      DimsToString(kernel)));
  }

  // Step 2: window geometry and output dims.
  auto window = ComputeWindowGeometry(scope.attributes, spatial, kernel, /*ceil_mode=*/false);
  if (!window.ok()) return window.status();
  std::vector<int64_t> output_dims = {x[0], out_channels};
  output_dims.insert(output_dims.end(), window->output.begin(), window->output.end());

  // Step 3: bias.
  std::vector<float> bias;
  if (LoweringContext::HasInput(scope, 2)) {
    auto bias_constant = context.ConstantInput(scope, 2, "bias");
    if (!bias_constant.ok()) return bias_constant.status();
    if ((*bias_constant)->ElementCount() != out_channels) {
      return absl::InvalidArgumentError(absl::StrCat(
          scope.label, ": bias '", scope.node.input(2), "' has shape ",
          DimsToString((*bias_constant)->dims), ", expected [", out_channels, "]"));
    }
    for (int64_t k = 0; k < out_channels; ++k) bias.push_back((*bias_constant)->At(k));
  }

  // Step 4: the layer.
  auto operand = CanonicalOperand(scope, context, scope.node.input(0));
  if (!operand.ok()) return operand.status();
  graph::ConvParams params;
  params.groups = *groups;
  params.kernel_h = kernel[0];
  params.stride_h = window->strides[0];
  params.dilation_h = window->dilations[0];
  params.pad_top = window->pads_begin[0];
  params.pad_bottom = window->pads_end[0];
  if (kernel.size() == 2) {
    params.kernel_w = kernel[1];
    params.stride_w = window->strides[1];
    params.dilation_w = window->dilations[1];
    params.pad_left = window->pads_begin[1];
    params.pad_right = window->pads_end[1];
  }
  const graph::Shape weight_shape = {w[0], w[1], kernel[0], kernel.size() == 2 ? kernel[1] : 1};
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kConv;
  layer.params = params;
  layer.inputs = {operand->tensor};
  layer.weight = context.ConstantGraphTensor(scope.node.input(1), weight_shape,
                                             (*weight)->ToGraphData());
  layer.channel_bias = std::move(bias);
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), output_dims);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

}  // namespace soma::importer
