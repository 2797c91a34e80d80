// graph_interface.cc: graph inputs with bound dimensions, and graph outputs.
#include "importer/graph_interface.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::importer {

namespace {

bool IsFloatElementType(int elem_type) {
  return elem_type == onnx::TensorProto::FLOAT || elem_type == onnx::TensorProto::DOUBLE ||
         elem_type == onnx::TensorProto::FLOAT16 || elem_type == onnx::TensorProto::BFLOAT16;
}

absl::StatusOr<int64_t> BindDimension(const onnx::ValueInfoProto& input, int axis,
                                      const onnx::TensorShapeProto::Dimension& dim,
                                      const ImportOptions& options) {
  if (axis == 0 && options.batch) {
    if (*options.batch <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--soma-batch ", *options.batch, " must be positive"));
    }
    return *options.batch;
  }
  if (dim.has_dim_value() && dim.dim_value() > 0) return dim.dim_value();
  if (dim.has_dim_value()) {
    return absl::InvalidArgumentError(absl::StrCat("graph input '", input.name(), "': dimension ",
                                                   axis, " has the invalid extent ",
                                                   dim.dim_value()));
  }
  const std::string& name = dim.dim_param();
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graph input '", input.name(), "': dimension ", axis,
        " has neither a value nor a name, so it cannot be bound",
        axis == 0 ? "; set the batch with --soma-batch N" : "; give it a value in the model"));
  }
  auto bound = options.dims.find(name);
  if (bound == options.dims.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graph input '", input.name(), "': dimension ", axis, " '", name,
        "' is symbolic and unbound; bind it with --soma-dim=", name, "=VALUE"));
  }
  if (bound->second <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("--soma-dim=", name, "=", bound->second,
                                                   " must be positive (graph input '",
                                                   input.name(), "', dimension ", axis, ")"));
  }
  return bound->second;
}

}  // namespace

absl::Status AddGraphInputs(const ImportOptions& options, LoweringContext& context) {
  const onnx::GraphProto& graph = context.onnx_graph();
  std::set<std::string> symbolic_names;
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (context.FindConstant(input.name()) != nullptr) continue;
    if (!input.type().has_tensor_type()) {
      return absl::UnimplementedError(
          absl::StrCat("graph input '", input.name(), "' is not a tensor"));
    }
    const onnx::TypeProto::Tensor& type = input.type().tensor_type();
    if (!IsFloatElementType(type.elem_type())) {
      if (context.ConsumersOf(input.name()).empty()) continue;
      return absl::UnimplementedError(absl::StrCat(
          "graph input '", input.name(), "' has element type ",
          onnx::TensorProto::DataType_Name(
              static_cast<onnx::TensorProto::DataType>(type.elem_type())),
          "; only floating-point inputs are supported"));
    }
    if (!type.has_shape()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph input '", input.name(), "' declares no shape; the importer needs its rank"));
    }
    std::vector<int64_t> dims;
    for (int axis = 0; axis < type.shape().dim_size(); ++axis) {
      const onnx::TensorShapeProto::Dimension& dim = type.shape().dim(axis);
      if (!dim.dim_param().empty()) symbolic_names.insert(dim.dim_param());
      auto extent = BindDimension(input, axis, dim, options);
      if (!extent.ok()) return extent.status();
      dims.push_back(*extent);
    }
    auto tensor = context.AddGraphInput(input.name(), dims);
    if (!tensor.ok()) return tensor.status();
  }
  // A binding for a dimension the model does not have is a typo, not something to ignore.
  for (const auto& [name, extent] : options.dims) {
    if (symbolic_names.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--soma-dim=", name, "=", extent, ": the model's graph inputs have no symbolic dimension '",
          name, "'", symbolic_names.empty() ? " (they have none)" : "; they have: ",
          absl::StrJoin(symbolic_names, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::Status MarkGraphOutputs(const ImportOptions& options, LoweringContext& context) {
  graph::LayerGraph& graph = context.graph();
  std::set<graph::TensorId> marked;
  for (const onnx::ValueInfoProto& output : context.onnx_graph().output()) {
    const ActivationValue* value = context.FindActivation(output.name());
    if (value == nullptr) {
      if (context.FindConstant(output.name()) != nullptr) {
        return absl::UnimplementedError(absl::StrCat(
            "graph output '", output.name(),
            "' is a constant; outputs computed entirely at import time are not supported"));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "graph output '", output.name(), "' is not produced by any node or graph input"));
    }
    graph::Tensor& tensor = graph.tensors[value->tensor];
    if (!marked.insert(value->tensor).second) {
      return absl::UnimplementedError(absl::StrCat(
          "graph outputs '", tensor.name, "' and '", output.name(),
          "' are views of the same tensor; each output needs its own tensor"));
    }
    // A declared static shape must agree with the computed one (symbolic extents, and the
    // batch when --soma-batch rewrites it, are not compared).
    if (output.type().tensor_type().has_shape()) {
      const onnx::TensorShapeProto& shape = output.type().tensor_type().shape();
      bool agrees = shape.dim_size() == static_cast<int>(value->dims.size());
      for (int axis = 0; agrees && axis < shape.dim_size(); ++axis) {
        const bool compared = shape.dim(axis).has_dim_value() && !(axis == 0 && options.batch);
        agrees = !compared || shape.dim(axis).dim_value() == value->dims[axis];
      }
      if (!agrees) {
        std::vector<std::string> declared;
        for (const auto& dim : shape.dim()) {
          declared.push_back(dim.has_dim_value() ? absl::StrCat(dim.dim_value())
                                                 : (dim.dim_param().empty() ? "?" : dim.dim_param()));
        }
        return absl::InvalidArgumentError(absl::StrCat(
            "graph output '", output.name(), "' declares shape [", absl::StrJoin(declared, ", "),
            "], but the importer computed ", DimsToString(value->dims)));
      }
    }
    tensor.name = output.name();
    tensor.is_graph_output = true;
    tensor.onnx_dims = value->dims;
    graph.outputs.push_back(value->tensor);
  }
  return absl::OkStatus();
}

}  // namespace soma::importer
