// lower_pool.cc: 2-D MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool to kPool
// layers. Other ranks return Unimplemented and become tensor operations.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "importer/op_lowering.h"
#include "importer/tensor_op_lowering.h"
#include "importer/sliding_window.h"

namespace soma::importer {

namespace {

absl::StatusOr<ActivationValue> SpatialInput(const NodeScope& scope, LoweringContext& context) {
  auto input = context.ActivationInput(scope, 0);
  if (!input.ok()) return input.status();
  if (input->dims.size() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input '", scope.node.input(0), "' has shape ", DimsToString(input->dims),
        "; a pool layer takes 2-D pooling (rank-4 inputs)"));
  }
  return input;
}

absl::StatusOr<NodeOutcome> AddPoolLayer(const NodeScope& scope, LoweringContext& context,
                                         const ActivationValue& input, graph::PoolParams params,
                                         const std::vector<int64_t>& output_dims) {
  auto operand = CanonicalOperand(scope, context, scope.node.input(0));
  if (!operand.ok()) return operand.status();
  graph::Layer layer;
  layer.name = scope.name;
  layer.kind = graph::LayerKind::kPool;
  layer.params = params;
  layer.inputs = {operand->tensor};
  layer.origins = {scope.name};
  auto layer_id = context.AddLayer(scope, std::move(layer), scope.node.output(0), output_dims);
  if (!layer_id.ok()) return layer_id.status();
  return NodeOutcome{PlacementKind::kNpu, *layer_id, ""};
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerPool(const NodeScope& scope, LoweringContext& context) {
  auto input = SpatialInput(scope, context);
  if (!input.ok()) return input.status();
  const bool is_max = scope.node.op_type() == "MaxPool";
  if (is_max && scope.node.output_size() > 1 && !scope.node.output(1).empty() &&
      (!context.ConsumersOf(scope.node.output(1)).empty() ||
       context.IsGraphOutput(scope.node.output(1)))) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": the Indices output '", scope.node.output(1),
        "' is used; the pooling layer has no indices, so the node runs as a tensor operation"));
  }
  const std::vector<int64_t> spatial(input->dims.begin() + 2, input->dims.end());
  auto kernel = scope.attributes.Ints("kernel_shape", {});
  if (!kernel.ok()) return kernel.status();
  if (kernel->size() != spatial.size() ||
      std::any_of(kernel->begin(), kernel->end(), [](int64_t k) { return k < 1; })) {
    return scope.attributes.InvalidValue(
        "kernel_shape", DimsToString(*kernel),
        absl::StrCat("expected ", spatial.size(), " positive entries, one per spatial axis"));
  }
  auto ceil_mode = scope.attributes.Int("ceil_mode", 0);
  if (!ceil_mode.ok()) return ceil_mode.status();
  if (*ceil_mode != 0 && *ceil_mode != 1) {
    return scope.attributes.InvalidValue("ceil_mode", absl::StrCat(*ceil_mode), "expected 0 or 1");
  }
  auto count_include_pad = scope.attributes.Int("count_include_pad", 0);
  if (!count_include_pad.ok()) return count_include_pad.status();
  if (*count_include_pad != 0 && *count_include_pad != 1) {
    return scope.attributes.InvalidValue("count_include_pad", absl::StrCat(*count_include_pad),
                                         "expected 0 or 1");
  }
  auto window = ComputeWindowGeometry(scope.attributes, spatial, *kernel, *ceil_mode == 1);
  if (!window.ok()) return window.status();
  if (!is_max && *count_include_pad == 1 && window->ceil_mode_extended_pads) {
    // The divisor of such a window counts the declared padding but not the part that
    // ceil_mode adds, which the layer's pads cannot express.
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": ceil_mode=1 with count_include_pad=1 makes the last window extend past "
        "the declared pads; set ceil_mode=0 or pad the input explicitly"));
  }

  graph::PoolParams params;
  params.kind = is_max ? graph::PoolKind::kMax : graph::PoolKind::kAverage;
  params.count_include_pad = *count_include_pad == 1;
  params.kernel_h = (*kernel)[0];
  params.stride_h = window->strides[0];
  params.dilation_h = window->dilations[0];
  params.pad_top = window->pads_begin[0];
  params.pad_bottom = window->pads_end[0];
  if (spatial.size() == 2) {
    params.kernel_w = (*kernel)[1];
    params.stride_w = window->strides[1];
    params.dilation_w = window->dilations[1];
    params.pad_left = window->pads_begin[1];
    params.pad_right = window->pads_end[1];
  }
  std::vector<int64_t> output_dims = {input->dims[0], input->dims[1]};
  output_dims.insert(output_dims.end(), window->output.begin(), window->output.end());
  return AddPoolLayer(scope, context, *input, params, output_dims);
}

absl::StatusOr<NodeOutcome> LowerGlobalPool(const NodeScope& scope, LoweringContext& context) {
  auto input = SpatialInput(scope, context);
  if (!input.ok()) return input.status();
  graph::PoolParams params;
  params.kind = scope.node.op_type() == "GlobalMaxPool" ? graph::PoolKind::kMax
                                                        : graph::PoolKind::kAverage;
  params.kernel_h = input->dims[2];
  params.kernel_w = input->dims.size() == 4 ? input->dims[3] : 1;
  std::vector<int64_t> output_dims = input->dims;
  for (size_t axis = 2; axis < output_dims.size(); ++axis) output_dims[axis] = 1;
  return AddPoolLayer(scope, context, *input, params, output_dims);
}

}  // namespace soma::importer
