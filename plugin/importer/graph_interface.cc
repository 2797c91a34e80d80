// graph_interface.cc: graph inputs with bound dimensions, and graph outputs.
#include "importer/graph_interface.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/constant_tensor.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"
#include "soma/status_macros.h"

namespace soma::importer {

namespace {

// Splits a dim_param such as "past_seq_len+seq_len" into names, integers and the operators
// + - *. Returns false when it contains anything else.
bool TokenizeDimExpression(const std::string& text, std::vector<std::string>& tokens) {
  std::string current;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
      current.push_back(c);
      continue;
    }
    if (c == ' ') continue;
    if (c != '+' && c != '-' && c != '*') return false;
    if (current.empty()) return false;
    tokens.push_back(current);
    tokens.push_back(std::string(1, c));
    current.clear();
  }
  if (current.empty()) return false;
  tokens.push_back(current);
  return tokens.size() >= 3;
}

// The value of a dim_param expression over bound names ("a+b", "batch*sequence"), with *
// binding tighter than + and -. Nullopt when it is no expression or a name is unbound.
std::optional<int64_t> EvaluateDimExpression(const std::string& text,
                                             const std::map<std::string, int64_t>& bound) {
  std::vector<std::string> tokens;
  if (!TokenizeDimExpression(text, tokens)) return std::nullopt;
  int64_t sum = 0;
  int64_t product = 1;
  int sign = 1;
  for (size_t index = 0; index < tokens.size(); index += 2) {
    const std::string& operand = tokens[index];
    int64_t value = 0;
    if (std::isdigit(static_cast<unsigned char>(operand[0]))) {
      for (char c : operand) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        value = value * 10 + (c - '0');
      }
    } else {
      auto it = bound.find(operand);
      if (it == bound.end()) return std::nullopt;
      value = it->second;
    }
    product *= value;
    const std::string next = index + 1 < tokens.size() ? tokens[index + 1] : "+";
    if (next == "*") continue;
    sum += sign * product;
    product = 1;
    sign = next == "-" ? -1 : 1;
  }
  return sum;
}

// Every dim_param of the graph's inputs, outputs and value_info (subgraphs included), and
// the names inside dim_param expressions.
void CollectSymbolicDimNames(const onnx::GraphProto& graph, std::set<std::string>& names) {
  auto collect = [&](const onnx::ValueInfoProto& value) {
    if (!value.type().has_tensor_type() || !value.type().tensor_type().has_shape()) return;
    for (const auto& dim : value.type().tensor_type().shape().dim()) {
      if (dim.dim_param().empty()) continue;
      names.insert(dim.dim_param());
      std::vector<std::string> tokens;
      if (!TokenizeDimExpression(dim.dim_param(), tokens)) continue;
      for (size_t index = 0; index < tokens.size(); index += 2) names.insert(tokens[index]);
    }
  };
  for (const auto& value : graph.input()) collect(value);
  for (const auto& value : graph.output()) collect(value);
  for (const auto& value : graph.value_info()) collect(value);
  for (const auto& node : graph.node()) {
    for (const auto& attribute : node.attribute()) {
      if (attribute.has_g()) CollectSymbolicDimNames(attribute.g(), names);
      for (const auto& subgraph : attribute.graphs()) CollectSymbolicDimNames(subgraph, names);
    }
  }
}

std::set<std::string> SymbolicDimNames(const onnx::GraphProto& graph) {
  std::set<std::string> names;
  CollectSymbolicDimNames(graph, names);
  return names;
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
    if (std::optional<int64_t> value = EvaluateDimExpression(name, options.dims)) {
      if (*value > 0) return *value;
    }
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

namespace {

// Makes graph input `input` the constant in TensorProto file `path`, after checking that its
// rank and static extents match the declaration.
absl::Status FreezeGraphInput(const onnx::ValueInfoProto& input, const std::string& path,
                              LoweringContext& context) {
  const std::string flag = absl::StrCat("--soma-constant-input=", input.name(), "=", path);
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto proto;
  if (!in || !proto.ParseFromIstream(&in)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read a TensorProto from '", path, "'"));
  }
  auto constant = ConstantFromTensorProto(proto, ExternalDataPolicy{});
  if (!constant.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", constant.status().message()));
  }
  if (input.type().has_tensor_type() && input.type().tensor_type().has_shape()) {
    const onnx::TensorShapeProto& shape = input.type().tensor_type().shape();
    bool matches = shape.dim_size() == static_cast<int>(constant->dims.size());
    for (int axis = 0; matches && axis < shape.dim_size(); ++axis) {
      if (shape.dim(axis).has_dim_value() && shape.dim(axis).dim_value() != constant->dims[axis]) {
        matches = false;
      }
    }
    if (!matches) {
      std::vector<std::string> declared;
      for (const onnx::TensorShapeProto::Dimension& dim : shape.dim()) {
        declared.push_back(dim.has_dim_value() ? std::to_string(dim.dim_value())
                                               : (dim.dim_param().empty() ? "?" : dim.dim_param()));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": the file holds a tensor of shape ", DimsToString(constant->dims),
          ", but the input is declared [", absl::StrJoin(declared, ", "), "]"));
    }
  }
  context.AddConstant(input.name(), *std::move(constant));
  return absl::OkStatus();
}

// A graph output whose value folded to a constant (a Shape of an input, a Range of
// constants) is written by a tensor operation: Cast, to the output's element type, of a float
// graph tensor that contains the values.
absl::Status AddConstantOutputLayer(const onnx::ValueInfoProto& output, LoweringContext& context) {
  const ConstantTensor& constant = *context.FindConstant(output.name());
  ConstantTensor as_float;
  as_float.dims = constant.dims;
  const int64_t count = constant.ElementCount();
  if (constant.fill.has_value()) {
    as_float.fill = constant.fill;
  } else {
    as_float.float_values.reserve(count);
    for (int64_t index = 0; index < count; ++index) {
      as_float.float_values.push_back(static_cast<float>(constant.At(index)));
    }
  }
  const std::string source = absl::StrCat(output.name(), "_values");
  context.AddConstant(source, std::move(as_float));
  int32_t elem_type = onnx::TensorProto::FLOAT;
  if (output.type().has_tensor_type() && output.type().tensor_type().elem_type() != 0) {
    elem_type = output.type().tensor_type().elem_type();
  } else if (constant.is_integer) {
    elem_type = onnx::TensorProto::INT64;
  }
  onnx::NodeProto built;
  built.set_op_type("Cast");
  built.set_name(absl::StrCat(output.name(), "_constant_output"));
  built.add_input(source);
  built.add_output(output.name());
  onnx::AttributeProto* to = built.add_attribute();
  to->set_name("to");
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(elem_type);
  const onnx::NodeProto& node = context.OwnNode(std::move(built));
  const std::string label = absl::StrCat("graph output '", output.name(), "'");
  const NodeScope scope{node, -1, node.name(), label, NodeAttributes(node, label)};
  auto outcome = LowerSynthesisedTensorOp(scope, context, node, std::max<int64_t>(context.opset(), 13),
                                          {node.name()});
  return outcome.ok() ? absl::OkStatus() : outcome.status();
}

}  // namespace

absl::Status AddGraphInputs(const ImportOptions& options, LoweringContext& context) {
  const onnx::GraphProto& graph = context.onnx_graph();
  const std::set<std::string> symbolic_names = SymbolicDimNames(graph);
  std::set<std::string> frozen;
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (context.FindConstant(input.name()) != nullptr) continue;
    const auto constant_file = options.constant_inputs.find(input.name());
    if (constant_file != options.constant_inputs.end()) {
      RETURN_IF_ERROR(FreezeGraphInput(input, constant_file->second, context));
      frozen.insert(input.name());
      continue;
    }
    if (!input.type().has_tensor_type()) {
      return absl::UnimplementedError(
          absl::StrCat("graph input '", input.name(), "' is not a tensor"));
    }
    const onnx::TypeProto::Tensor& type = input.type().tensor_type();
    if (!onnx::TensorProto::DataType_IsValid(type.elem_type()) ||
        type.elem_type() == onnx::TensorProto::UNDEFINED ||
        type.elem_type() == onnx::TensorProto::STRING) {
      if (context.ConsumersOf(input.name()).empty()) continue;
      return absl::UnimplementedError(absl::StrCat(
          "graph input '", input.name(), "' has element type code ", type.elem_type(),
          "; only numeric and bool inputs are supported"));
    }
    if (!type.has_shape()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph input '", input.name(), "' declares no shape; the importer needs its rank"));
    }
    std::vector<int64_t> dims;
    bool empty = false;
    for (const onnx::TensorShapeProto::Dimension& dim : type.shape().dim()) {
      empty = empty || (dim.has_dim_value() && dim.dim_value() == 0);
    }
    if (empty) {
      // A tensor without elements carries no values, so it is known at compile time: it
      // becomes an empty constant, and the nodes that read it fold.
      ConstantTensor constant;
      constant.is_integer = type.elem_type() != onnx::TensorProto::FLOAT &&
                            type.elem_type() != onnx::TensorProto::DOUBLE &&
                            type.elem_type() != onnx::TensorProto::FLOAT16 &&
                            type.elem_type() != onnx::TensorProto::BFLOAT16;
      for (const onnx::TensorShapeProto::Dimension& dim : type.shape().dim()) {
        constant.dims.push_back(dim.has_dim_value() ? dim.dim_value() : 1);
      }
      context.AddConstant(input.name(), std::move(constant));
      continue;
    }
    for (int axis = 0; axis < type.shape().dim_size(); ++axis) {
      const onnx::TensorShapeProto::Dimension& dim = type.shape().dim(axis);
      auto extent = BindDimension(input, axis, dim, options);
      if (!extent.ok()) return extent.status();
      dims.push_back(*extent);
    }
    auto tensor = context.AddGraphInput(input.name(), dims, type.elem_type());
    if (!tensor.ok()) return tensor.status();
  }
  for (const auto& [name, file] : options.constant_inputs) {
    if (frozen.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--soma-constant-input=", name, "=", file, ": the model has no graph input '", name,
          "' (initializers cannot be frozen again)"));
    }
  }
  // A binding for a dimension the model does not have is a typo, not something to ignore.
  for (const auto& [name, extent] : options.dims) {
    if (symbolic_names.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--soma-dim=", name, "=", extent, ": the model has no symbolic dimension '",
          name, "'", symbolic_names.empty() ? "; its dimensions are all fixed" : "; it has: ",
          absl::StrJoin(symbolic_names, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::Status MarkGraphOutputs(const ImportOptions& options, LoweringContext& context) {
  graph::LayerGraph& graph = context.graph();
  std::set<graph::TensorId> marked;
  const onnx::NodeProto& no_node = context.OwnNode(onnx::NodeProto());
  for (const onnx::ValueInfoProto& output : context.onnx_graph().output()) {
    const ActivationValue* value = context.FindActivation(output.name());
    // An output that is a view in another canonical shape, or whose tensor is already an
    // output or a graph input, gets a copy of its own.
    if (value != nullptr) {
      const graph::Tensor& tensor = graph.tensors[value->tensor];
      const bool shared = marked.count(value->tensor) > 0 || tensor.is_graph_input;
      if (shared || CanonicalShape(value->dims) != tensor.shape) {
        const std::string label = absl::StrCat("graph output '", output.name(), "'");
        const NodeScope scope{no_node, -1, "graph_output", label, NodeAttributes(no_node, label)};
        auto copy = shared ? CopyValue(scope, context, output.name())
                           : CanonicalOperand(scope, context, output.name());
        if (!copy.ok()) return copy.status();
        context.AddMaterialisedValue(output.name(), copy->tensor, copy->dims, copy->elem_type);
        value = context.FindActivation(output.name());
      }
    }
    if (value == nullptr && context.FindConstant(output.name()) != nullptr) {
      RETURN_IF_ERROR(AddConstantOutputLayer(output, context));
      value = context.FindActivation(output.name());
    }
    if (value == nullptr) {
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
