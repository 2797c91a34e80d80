// lowering_context.cc: value bookkeeping and LayerGraph construction for the lowering steps.
#include "importer/lowering_context.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "importer/shape_rules.h"

namespace soma::importer {

LoweringContext::LoweringContext(const onnx::GraphProto& graph, int64_t opset,
                                 ExternalDataPolicy policy)
    : onnx_graph_(graph), opset_(opset), policy_(std::move(policy)) {
  std::set<std::string> used_names;
  for (int node = 0; node < graph.node_size(); ++node) {
    std::string name = graph.node(node).name();
    if (name.empty() || used_names.count(name) > 0) {
      name = absl::StrCat(graph.node(node).op_type(), "_", node);
    }
    for (int suffix = 2; used_names.count(name) > 0; ++suffix) {
      name = absl::StrCat(graph.node(node).op_type(), "_", node, "_", suffix);
    }
    used_names.insert(name);
    node_names_.push_back(std::move(name));
  }
  for (int node = 0; node < graph.node_size(); ++node) {
    for (const std::string& input : graph.node(node).input()) {
      if (!input.empty()) consumers_[input].push_back(node);
    }
  }
  for (const onnx::ValueInfoProto& output : graph.output()) ++graph_output_count_[output.name()];
}

int64_t LoweringContext::DomainOpset(const std::string& domain) const {
  if (domain.empty() || domain == "ai.onnx") return opset_;
  auto it = domain_opsets_.find(domain);
  return it == domain_opsets_.end() ? 0 : it->second;
}

std::string LoweringContext::NodeLabel(int node_index) const {
  return absl::StrCat("node '", node_names_[node_index], "' (op '",
                      onnx_graph_.node(node_index).op_type(), "')");
}

const std::vector<int>& LoweringContext::ConsumersOf(const std::string& value) const {
  static const std::vector<int> kNone;
  auto it = consumers_.find(value);
  return it == consumers_.end() ? kNone : it->second;
}

bool LoweringContext::IsGraphOutput(const std::string& value) const {
  return graph_output_count_.count(value) > 0;
}

const ConstantTensor* LoweringContext::FindConstant(const std::string& name) const {
  auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : &it->second;
}

const ActivationValue* LoweringContext::FindActivation(const std::string& name) const {
  auto it = activations_.find(name);
  return it == activations_.end() ? nullptr : &it->second;
}

void LoweringContext::AddConstant(const std::string& name, ConstantTensor constant) {
  constants_[name] = std::move(constant);
}

bool LoweringContext::HasInput(const NodeScope& scope, int input_index) {
  return input_index < scope.node.input_size() && !scope.node.input(input_index).empty();
}

absl::StatusOr<ActivationValue> LoweringContext::NamedActivation(const NodeScope& scope,
                                                                 const std::string& name) const {
  if (const ActivationValue* value = FindActivation(name)) return *value;
  return absl::InvalidArgumentError(
      absl::StrCat(scope.label, ": input '", name,
                   "' is not a graph input, an initializer or the output of any node"));
}

absl::StatusOr<ActivationValue> LoweringContext::ActivationInput(const NodeScope& scope,
                                                                 int input_index) const {
  if (!HasInput(scope, input_index)) {
    return absl::InvalidArgumentError(
        absl::StrCat(scope.label, ": input ", input_index, " is missing"));
  }
  const std::string& name = scope.node.input(input_index);
  if (const ActivationValue* value = FindActivation(name)) return *value;
  if (FindConstant(name) != nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input ", input_index, " '", name,
        "' is a constant, but this operator is only supported on activations"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      scope.label, ": input ", input_index, " '", name,
      "' is not a graph input, an initializer or the output of any node"));
}

absl::StatusOr<const ConstantTensor*> LoweringContext::ConstantInput(const NodeScope& scope,
                                                                     int input_index,
                                                                     const char* role) const {
  if (!HasInput(scope, input_index)) {
    return absl::InvalidArgumentError(
        absl::StrCat(scope.label, ": input ", input_index, " (", role, ") is missing"));
  }
  const std::string& name = scope.node.input(input_index);
  if (const ConstantTensor* constant = FindConstant(name)) return constant;
  if (FindActivation(name) != nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": input ", input_index, " '", name, "' (", role,
        ") is computed at run time; only constant ", role,
        " (an initializer, a Constant or a ConstantOfShape) is supported"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      scope.label, ": input ", input_index, " '", name,
      "' is not a graph input, an initializer or the output of any node"));
}

void LoweringContext::AddUses(graph::TensorId tensor, const std::string& new_value,
                              int consumed_uses) {
  tensor_uses_[tensor] += static_cast<int>(ConsumersOf(new_value).size()) - consumed_uses;
  auto output = graph_output_count_.find(new_value);
  if (output != graph_output_count_.end()) {
    tensor_uses_[tensor] += output->second;
    tensor_reaches_output_[tensor] = true;
  }
}

absl::StatusOr<graph::TensorId> LoweringContext::AddGraphInput(const std::string& name,
                                                               const std::vector<int64_t>& dims,
                                                               int32_t elem_type) {
  const graph::Shape shape = CanonicalShape(dims);
  graph::Tensor tensor;
  tensor.name = name;
  tensor.shape = shape;
  tensor.onnx_dims = dims;
  tensor.is_graph_input = true;
  const graph::TensorId id = static_cast<graph::TensorId>(graph_.tensors.size());
  graph_.tensors.push_back(std::move(tensor));
  graph_.inputs.push_back(id);
  tensor_uses_.push_back(0);
  tensor_reaches_output_.push_back(false);
  AddUses(id, name, 0);
  activations_[name] = ActivationValue{id, dims, elem_type};
  return id;
}

absl::StatusOr<graph::LayerId> LoweringContext::AddLayer(const NodeScope& scope, graph::Layer layer,
                                                         const std::string& output_name,
                                                         const std::vector<int64_t>& dims,
                                                         int32_t elem_type,
                                                         std::optional<graph::Shape> tensor_shape) {
  const graph::Shape shape = tensor_shape ? *tensor_shape : CanonicalShape(dims);
  for (int64_t extent : dims) {
    if (extent <= 0) {
      return absl::UnimplementedError(absl::StrCat(
          scope.label, ": output '", output_name, "' has shape ", DimsToString(dims),
          " with an empty dimension; tensors without elements are not supported"));
    }
  }
  const graph::LayerId layer_id = static_cast<graph::LayerId>(graph_.layers.size());
  const graph::TensorId output = static_cast<graph::TensorId>(graph_.tensors.size());
  graph::Tensor tensor;
  tensor.name = output_name;
  tensor.shape = shape;
  tensor.producer = layer_id;
  graph_.tensors.push_back(std::move(tensor));
  tensor_uses_.push_back(0);
  tensor_reaches_output_.push_back(false);
  AddUses(output, output_name, 0);

  auto link = [&](graph::TensorId input) {
    std::vector<graph::LayerId>& consumers = graph_.tensors[input].consumers;
    if (consumers.empty() || consumers.back() != layer_id) consumers.push_back(layer_id);
  };
  for (graph::TensorId input : layer.inputs) link(input);
  if (layer.weight) link(*layer.weight);
  layer.output = output;
  graph_.layers.push_back(std::move(layer));
  activations_[output_name] = ActivationValue{output, dims, elem_type};
  return layer_id;
}

void LoweringContext::AddMaterialisedValue(const std::string& value, graph::TensorId tensor,
                                           const std::vector<int64_t>& dims, int32_t elem_type) {
  activations_[value] = ActivationValue{tensor, dims, elem_type};
}

std::optional<graph::TensorId> LoweringContext::MaterialisedView(const std::string& value) const {
  auto it = materialised_views_.find(value);
  if (it == materialised_views_.end()) return std::nullopt;
  return it->second;
}

void LoweringContext::SetMaterialisedView(const std::string& value, graph::TensorId tensor) {
  materialised_views_[value] = tensor;
}

const onnx::NodeProto& LoweringContext::OwnNode(onnx::NodeProto node) {
  owned_nodes_.push_back(std::move(node));
  return owned_nodes_.back();
}

graph::TensorId LoweringContext::ConstantGraphTensor(const std::string& name,
                                                     const graph::Shape& shape,
                                                     graph::ConstantData data) {
  std::string tensor_name = name;
  for (int suffix = 2;; ++suffix) {
    auto it = constant_tensors_.find(tensor_name);
    if (it == constant_tensors_.end()) break;
    if (graph_.tensors[it->second].shape == shape) return it->second;
    tensor_name = absl::StrCat(name, "_", suffix);
  }
  graph::Tensor tensor;
  tensor.name = tensor_name;
  tensor.shape = shape;
  tensor.constant = std::move(data);
  const graph::TensorId id = static_cast<graph::TensorId>(graph_.tensors.size());
  graph_.tensors.push_back(std::move(tensor));
  tensor_uses_.push_back(0);
  tensor_reaches_output_.push_back(false);
  constant_tensors_[tensor_name] = id;
  return id;
}

void LoweringContext::AliasValue(const std::string& input_name, const std::string& output_name,
                                 const std::vector<int64_t>& dims) {
  const ActivationValue& input = activations_.at(input_name);
  const graph::TensorId tensor = input.tensor;
  const int32_t elem_type = input.elem_type;
  AddUses(tensor, output_name, 1);
  activations_[output_name] = ActivationValue{tensor, dims, elem_type};
}

std::optional<graph::LayerId> LoweringContext::FoldableProducer(const std::string& value,
                                                                int reads) const {
  const ActivationValue* activation = FindActivation(value);
  if (activation == nullptr) return std::nullopt;
  const graph::Tensor& tensor = graph_.tensors[activation->tensor];
  if (!tensor.producer || tensor_uses_[activation->tensor] != reads ||
      tensor_reaches_output_[activation->tensor]) {
    return std::nullopt;
  }
  // Matrix products and tensor operations have no epilogue.
  const graph::LayerKind kind = graph_.layers[*tensor.producer].kind;
  if (kind == graph::LayerKind::kMatMul || kind == graph::LayerKind::kTensorOp) {
    return std::nullopt;
  }
  return tensor.producer;
}

void LoweringContext::FoldInto(const std::string& input_name, const std::string& output_name,
                               int reads) {
  const ActivationValue value = activations_.at(input_name);
  AddUses(value.tensor, output_name, reads);
  graph_.tensors[value.tensor].name = output_name;
  activations_[output_name] = value;
}

}  // namespace soma::importer
