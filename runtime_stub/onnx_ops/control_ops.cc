// control_ops.cc: control-flow operators If, Loop and Scan.
//
// Their bodies run through RunGraph with the enclosing scope (`OpCall::outer`) plus the
// body's own inputs as feeds, so a body reads outer values by name.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/onnx_ops.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/shape_common.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

absl::StatusOr<const onnx::GraphProto*> GraphAttribute(const OpCall& call,
                                                       const std::string& name) {
  const onnx::AttributeProto* attribute = FindAttribute(call.node, name);
  if (attribute == nullptr || !attribute->has_g()) {
    return InvalidNodeArgument(call, absl::StrCat("graph attribute '", name, "' is missing"));
  }
  return &attribute->g();
}

// The feeds of a body: the enclosing scope, to which the body's inputs are added.
ValueScope OuterFeeds(const OpCall& call) {
  return call.outer != nullptr ? *call.outer : ValueScope();
}

absl::Status WrapBodyError(const OpCall& call, const std::string& body,
                           const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(call.label, ": in ", body, ": ", status.message()));
}

Outputs RunIf(const OpCall& call) {
  ASSIGN_OR_RETURN(const double condition, InputAsScalar(call, 0));
  const std::string branch = condition != 0.0 ? "then_branch" : "else_branch";
  ASSIGN_OR_RETURN(const onnx::GraphProto* graph, GraphAttribute(call, branch));
  auto outputs = RunGraph(*graph, call.opset, OuterFeeds(call));
  if (!outputs.ok()) return WrapBodyError(call, branch, outputs.status());
  return outputs;
}

// Stacks per-iteration values along a new axis `axis`; all must share dims.
absl::StatusOr<HostTensor> StackValues(const OpCall& call, const std::vector<HostTensor>& values,
                                       int64_t axis, bool reverse) {
  if (values.empty()) return MakeTensor(kFloat, {0});
  const std::vector<int64_t>& item_dims = values[0].dims;
  const int64_t item_rank = static_cast<int64_t>(item_dims.size());
  if (axis < 0) axis += item_rank + 1;
  if (axis < 0 || axis > item_rank) {
    return InvalidNodeArgument(call, absl::StrCat("scan output axis ", axis,
                                                  " is out of range for rank ", item_rank + 1));
  }
  std::vector<int64_t> dims = item_dims;
  const int64_t count = static_cast<int64_t>(values.size());
  dims.insert(dims.begin() + axis, count);
  HostTensor stacked = MakeTensor(values[0].elem_type, dims);
  const AxisSplit split = SplitAtAxis(dims, axis);
  for (int64_t i = 0; i < count; ++i) {
    const HostTensor& item = values[reverse ? count - 1 - i : i];
    if (item.dims != item_dims) {
      return InvalidNodeArgument(call, absl::StrCat("scan output dims change between iterations: ",
                                                    DimsToString(item_dims), " then ",
                                                    DimsToString(item.dims)));
    }
    for (int64_t outer = 0; outer < split.outer; ++outer) {
      const double* source = item.values.data() + outer * split.inner;
      std::copy(source, source + split.inner,
                stacked.values.data() + (outer * count + i) * split.inner);
    }
  }
  return stacked;
}

Outputs RunLoop(const OpCall& call) {
  ASSIGN_OR_RETURN(const onnx::GraphProto* body, GraphAttribute(call, "body"));
  const HostTensor* trip_tensor = OptionalInput(call, 0);
  const HostTensor* condition_tensor = OptionalInput(call, 1);
  if (trip_tensor == nullptr && condition_tensor == nullptr) {
    return InvalidNodeArgument(call, "has neither a trip count nor a condition, so it never "
                                     "ends; connect input M or cond");
  }
  const int64_t carried_count = static_cast<int64_t>(call.inputs.size()) - 2;
  if (carried_count < 0 || body->input_size() != carried_count + 2) {
    return InvalidNodeArgument(call, absl::StrCat("body has ", body->input_size(),
                                                  " inputs; expected 2 plus the ",
                                                  std::max<int64_t>(carried_count, 0),
                                                  " loop-carried values"));
  }
  const int64_t scan_count = body->output_size() - 1 - carried_count;
  if (scan_count < 0) {
    return InvalidNodeArgument(call, absl::StrCat("body has ", body->output_size(),
                                                  " outputs; expected 1 plus at least the ",
                                                  carried_count, " loop-carried values"));
  }
  if ((trip_tensor != nullptr && trip_tensor->values.size() != 1) ||
      (condition_tensor != nullptr && condition_tensor->values.size() != 1)) {
    return InvalidNodeArgument(call, "inputs M and cond must be scalars");
  }
  const int64_t trip_count = trip_tensor != nullptr ? ClampToInt64(trip_tensor->values[0])
                                                    : std::numeric_limits<int64_t>::max();
  bool condition = condition_tensor == nullptr || condition_tensor->values[0] != 0.0;

  std::vector<HostTensor> carried;
  for (int64_t i = 0; i < carried_count; ++i) {
    ASSIGN_OR_RETURN(const HostTensor* initial, RequiredInput(call, 2 + i));
    carried.push_back(*initial);
  }
  std::vector<std::vector<HostTensor>> scans(scan_count);
  ValueScope feeds = OuterFeeds(call);
  for (int64_t iteration = 0; iteration < trip_count && condition; ++iteration) {
    HostTensor iteration_tensor = MakeTensor(kInt64, {});
    iteration_tensor.values[0] = static_cast<double>(iteration);
    HostTensor condition_in = MakeTensor(kBool, {});
    condition_in.values[0] = 1.0;
    feeds[body->input(0).name()] = std::move(iteration_tensor);
    feeds[body->input(1).name()] = std::move(condition_in);
    for (int64_t i = 0; i < carried_count; ++i) feeds[body->input(2 + i).name()] = carried[i];
    auto outputs = RunGraph(*body, call.opset, feeds);
    if (!outputs.ok()) {
      return WrapBodyError(call, absl::StrCat("body iteration ", iteration), outputs.status());
    }
    condition = (*outputs)[0].values.empty() || (*outputs)[0].values[0] != 0.0;
    for (int64_t i = 0; i < carried_count; ++i) carried[i] = std::move((*outputs)[1 + i]);
    for (int64_t i = 0; i < scan_count; ++i) {
      scans[i].push_back(std::move((*outputs)[1 + carried_count + i]));
    }
  }
  std::vector<HostTensor> results = std::move(carried);
  for (int64_t i = 0; i < scan_count; ++i) {
    ASSIGN_OR_RETURN(HostTensor stacked, StackValues(call, scans[i], 0, false));
    results.push_back(std::move(stacked));
  }
  return results;
}

// Slice `index` of `tensor` along `axis` (that axis removed).
HostTensor TakeSlice(const HostTensor& tensor, int64_t axis, int64_t index) {
  const AxisSplit split = SplitAtAxis(tensor.dims, axis);
  std::vector<int64_t> dims = tensor.dims;
  dims.erase(dims.begin() + axis);
  HostTensor slice = MakeTensor(tensor.elem_type, dims);
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    const double* source = tensor.values.data() + (outer * split.axis + index) * split.inner;
    std::copy(source, source + split.inner, slice.values.data() + outer * split.inner);
  }
  return slice;
}

Outputs RunScan(const OpCall& call) {
  if (call.opset < 9) {
    return absl::UnimplementedError(absl::StrCat(call.label, ": the opset 8 form of Scan ",
                                                 "(batch axis, sequence_lens) is not supported; ",
                                                 "convert the model to opset 9 or later"));
  }
  ASSIGN_OR_RETURN(const onnx::GraphProto* body, GraphAttribute(call, "body"));
  const int64_t scan_input_count = IntAttribute(call.node, "num_scan_inputs", 0);
  const int64_t state_count = static_cast<int64_t>(call.inputs.size()) - scan_input_count;
  const int64_t scan_output_count = body->output_size() - state_count;
  if (scan_input_count <= 0 || state_count < 0 || scan_output_count < 0 ||
      body->input_size() != state_count + scan_input_count) {
    return InvalidNodeArgument(call, absl::StrCat("num_scan_inputs ", scan_input_count,
                                                  " does not fit ", call.inputs.size(),
                                                  " node inputs and a body of ",
                                                  body->input_size(), " inputs and ",
                                                  body->output_size(), " outputs"));
  }
  const std::vector<int64_t> input_axes = IntsAttribute(call.node, "scan_input_axes")
                                              .value_or(std::vector<int64_t>(scan_input_count, 0));
  const std::vector<int64_t> input_directions =
      IntsAttribute(call.node, "scan_input_directions")
          .value_or(std::vector<int64_t>(scan_input_count, 0));
  const std::vector<int64_t> output_axes =
      IntsAttribute(call.node, "scan_output_axes")
          .value_or(std::vector<int64_t>(scan_output_count, 0));
  const std::vector<int64_t> output_directions =
      IntsAttribute(call.node, "scan_output_directions")
          .value_or(std::vector<int64_t>(scan_output_count, 0));
  if (static_cast<int64_t>(input_axes.size()) != scan_input_count ||
      static_cast<int64_t>(input_directions.size()) != scan_input_count ||
      static_cast<int64_t>(output_axes.size()) != scan_output_count ||
      static_cast<int64_t>(output_directions.size()) != scan_output_count) {
    return InvalidNodeArgument(call, "scan axes and directions need one entry per scan input "
                                     "and per scan output");
  }

  std::vector<HostTensor> state;
  for (int64_t i = 0; i < state_count; ++i) {
    ASSIGN_OR_RETURN(const HostTensor* initial, RequiredInput(call, i));
    state.push_back(*initial);
  }
  std::vector<const HostTensor*> scan_inputs;
  std::vector<int64_t> axes;
  int64_t length = -1;
  for (int64_t i = 0; i < scan_input_count; ++i) {
    ASSIGN_OR_RETURN(const HostTensor* input, RequiredInput(call, state_count + i));
    ASSIGN_OR_RETURN(const int64_t axis,
                     NormalizeAxis(call.node, input_axes[i],
                                   static_cast<int64_t>(input->dims.size())));
    if (length >= 0 && input->dims[axis] != length) {
      return InvalidNodeArgument(call, absl::StrCat("scan inputs have different lengths: ",
                                                    length, " and ", input->dims[axis]));
    }
    length = input->dims[axis];
    scan_inputs.push_back(input);
    axes.push_back(axis);
  }

  std::vector<std::vector<HostTensor>> scans(scan_output_count);
  ValueScope feeds = OuterFeeds(call);
  for (int64_t step = 0; step < length; ++step) {
    for (int64_t i = 0; i < state_count; ++i) feeds[body->input(i).name()] = state[i];
    for (int64_t i = 0; i < scan_input_count; ++i) {
      const int64_t index = input_directions[i] != 0 ? length - 1 - step : step;
      feeds[body->input(state_count + i).name()] = TakeSlice(*scan_inputs[i], axes[i], index);
    }
    auto outputs = RunGraph(*body, call.opset, feeds);
    if (!outputs.ok()) {
      return WrapBodyError(call, absl::StrCat("body step ", step), outputs.status());
    }
    for (int64_t i = 0; i < state_count; ++i) state[i] = std::move((*outputs)[i]);
    for (int64_t i = 0; i < scan_output_count; ++i) {
      scans[i].push_back(std::move((*outputs)[state_count + i]));
    }
  }
  std::vector<HostTensor> results = std::move(state);
  for (int64_t i = 0; i < scan_output_count; ++i) {
    ASSIGN_OR_RETURN(HostTensor stacked,
                     StackValues(call, scans[i], output_axes[i], output_directions[i] != 0));
    results.push_back(std::move(stacked));
  }
  return results;
}

}  // namespace

void RegisterControlOps(OpTable& table) {
  table["/If"] = {RunIf, "sequence and optional values not supported"};
  table["/Loop"] = {RunLoop, "sequence and optional values not supported"};
  table["/Scan"] = {RunScan, "opset 8 form (batch axis, sequence_lens) not supported"};
}

}  // namespace soma::onnx_ops
