// lower_tensor_op.cc: any node the reference interpreter implements and no specialised
// lowering takes becomes kTensorOp layers, one per used output.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "importer/host_values.h"
#include "importer/shape_rules.h"
#include "importer/tensor_op_lowering.h"
#include "importer/tensor_op_shapes.h"
#include "importer/tensor_op_tiling.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::importer {

namespace {

// Largest input that the importer evaluates to find output shapes, in elements. Each
// element takes 8 bytes in a HostTensor, so one input takes at most 512 MiB.
// NOTE: the zero-filled run costs as much as the real node. Output dims computed from the
// shapes alone (MatMul, Gemm) would avoid that cost for large weights fed at run time.
constexpr int64_t kMaxEvaluatedElements = int64_t{1} << 26;

// Operators whose output shape follows from input values, never from shapes alone.
bool HasValueDependentShape(std::string_view op_type) {
  return op_type == "NonZero" || op_type == "Compress" || op_type == "Unique" ||
         op_type == "NonMaxSuppression" || op_type == "StringSplit";
}

// Operators whose output shape can depend on the value of an activation input.
bool MayDependOnValues(std::string_view op_type) {
  return op_type == "If" || op_type == "Loop" || op_type == "Scan" || op_type == "Resize" ||
         op_type == "Upsample";
}

// The state built while the node's operands are mapped onto the layer.
struct OperandMap {
  graph::TensorOpParams params;
  std::vector<graph::TensorId> inputs;
  std::vector<std::vector<int64_t>> slot_dims;
  std::vector<onnx_ops::HostTensor> zero_values;
  std::vector<onnx_ops::HostTensor> ones_values;
  onnx_ops::ValueScope zero_scope;
  onnx_ops::ValueScope ones_scope;
  bool has_integer_activation = false;
  /// An activation input exceeds kMaxEvaluatedElements: its stand-ins hold dims only, and
  /// the output shapes come from OutputShapesFromInputShapes.
  bool too_large_to_evaluate = false;

  // Index of (tensor, dims) in Layer::inputs, added when new.
  int AddInput(graph::TensorId tensor, const std::vector<int64_t>& dims, int32_t elem_type) {
    for (size_t index = 0; index < inputs.size(); ++index) {
      if (inputs[index] == tensor && params.input_dims[index] == dims &&
          params.input_elem_types[index] == elem_type) {
        return static_cast<int>(index);
      }
    }
    inputs.push_back(tensor);
    params.input_dims.push_back(dims);
    params.input_elem_types.push_back(elem_type);
    return static_cast<int>(inputs.size()) - 1;
  }
};

absl::Status CheckEvaluable(const NodeScope& scope, const std::string& value,
                            const std::vector<int64_t>& dims) {
  if (DimsElementCount(dims) <= kMaxEvaluatedElements) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(
      scope.label, ": input '", value, "' has shape ", DimsToString(dims), ", more than ",
      kMaxEvaluatedElements, " elements, too large to evaluate at import time"));
}

// Adds the value `name` to the layer as a float graph tensor or an activation, with its
// host stand-ins. Integer constants are not handled here.
absl::StatusOr<int> AddValueOperand(const NodeScope& scope, LoweringContext& context,
                                    const std::string& name, OperandMap& map,
                                    onnx_ops::HostTensor& zero, onnx_ops::HostTensor& ones) {
  if (const ConstantTensor* constant = context.FindConstant(name)) {
    absl::Status status = CheckEvaluable(scope, name, constant->dims);
    if (!status.ok()) return status;
    const graph::TensorId tensor = context.ConstantGraphTensor(
        name, CanonicalShape(constant->dims), constant->ToGraphData());
    zero = HostFromConstant(*constant);
    ones = zero;
    return map.AddInput(tensor, constant->dims, zero.elem_type);
  }
  absl::StatusOr<ActivationValue> activation = context.NamedActivation(scope, name);
  if (!activation.ok()) return activation.status();
  if (!IsFloatElementType(activation->elem_type)) map.has_integer_activation = true;
  if (!CheckEvaluable(scope, name, activation->dims).ok()) {
    map.too_large_to_evaluate = true;
    zero.elem_type = activation->elem_type;
    zero.dims = activation->dims;
    ones = zero;
    return map.AddInput(activation->tensor, activation->dims, activation->elem_type);
  }
  zero = FilledHost(activation->dims, activation->elem_type, 0.0);
  ones = FilledHost(activation->dims, activation->elem_type, 1.0);
  return map.AddInput(activation->tensor, activation->dims, activation->elem_type);
}

// Names that the subgraphs of `graph` read from enclosing scopes, in first-use order.
void CollectOuterNames(const onnx::GraphProto& graph, std::set<std::string> defined,
                       std::vector<std::string>& names) {
  for (const auto& input : graph.input()) defined.insert(input.name());
  for (const auto& initializer : graph.initializer()) defined.insert(initializer.name());
  for (const auto& node : graph.node()) {
    for (const std::string& output : node.output()) defined.insert(output);
  }
  for (const auto& node : graph.node()) {
    for (const std::string& input : node.input()) {
      if (input.empty() || defined.count(input) > 0) continue;
      if (std::find(names.begin(), names.end(), input) == names.end()) names.push_back(input);
    }
    for (const auto& attribute : node.attribute()) {
      if (attribute.has_g()) CollectOuterNames(attribute.g(), defined, names);
      for (const auto& subgraph : attribute.graphs()) CollectOuterNames(subgraph, defined, names);
    }
  }
}

// Maps the outer-scope values that the node's subgraphs read: activations and float
// constants become captures, integer constants become initializers of every subgraph.
absl::Status MapCaptures(const NodeScope& scope, LoweringContext& context, onnx::NodeProto& node,
                         OperandMap& map) {
  std::vector<std::string> names;
  for (const auto& attribute : node.attribute()) {
    if (attribute.has_g()) CollectOuterNames(attribute.g(), {}, names);
    for (const auto& subgraph : attribute.graphs()) CollectOuterNames(subgraph, {}, names);
  }
  for (const std::string& name : names) {
    const ConstantTensor* constant = context.FindConstant(name);
    if (constant != nullptr && (constant->is_integer || constant->ElementCount() == 0)) {
      const onnx::TensorProto proto = ConstantToTensorProto(*constant, name);
      for (auto& attribute : *node.mutable_attribute()) {
        if (attribute.has_g()) *attribute.mutable_g()->add_initializer() = proto;
        for (auto& subgraph : *attribute.mutable_graphs()) *subgraph.add_initializer() = proto;
      }
      continue;
    }
    onnx_ops::HostTensor zero;
    onnx_ops::HostTensor ones;
    auto index = AddValueOperand(scope, context, name, map, zero, ones);
    if (!index.ok()) return index.status();
    map.params.captures.emplace_back(name, *index);
    map.zero_scope[name] = std::move(zero);
    map.ones_scope[name] = std::move(ones);
  }
  return absl::OkStatus();
}

// Maps every input slot of `node`.
absl::Status MapInputs(const NodeScope& scope, LoweringContext& context,
                       const onnx::NodeProto& node, OperandMap& map) {
  map.zero_values.resize(node.input_size());
  map.ones_values.resize(node.input_size());
  map.slot_dims.resize(node.input_size());
  for (int slot = 0; slot < node.input_size(); ++slot) {
    const std::string& name = node.input(slot);
    if (name.empty()) {
      map.params.input_slots.push_back(-1);
      continue;
    }
    const ConstantTensor* constant = context.FindConstant(name);
    if (constant != nullptr && (constant->is_integer || constant->ElementCount() == 0)) {
      absl::Status status = CheckEvaluable(scope, name, constant->dims);
      if (!status.ok()) return status;
      map.params.input_slots.push_back(-1);
      map.params.embedded_inputs.emplace_back(
          slot, SerializeDeterministic(ConstantToTensorProto(*constant, name)));
      map.zero_values[slot] = HostFromConstant(*constant);
      map.ones_values[slot] = map.zero_values[slot];
      map.slot_dims[slot] = constant->dims;
      continue;
    }
    auto index = AddValueOperand(scope, context, name, map, map.zero_values[slot],
                                 map.ones_values[slot]);
    if (!index.ok()) return index.status();
    map.params.input_slots.push_back(*index);
    map.slot_dims[slot] = map.zero_values[slot].dims;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<onnx_ops::HostTensor>> RunOn(
    const onnx::NodeProto& node, int64_t opset, const std::vector<onnx_ops::HostTensor>& values,
    const onnx_ops::ValueScope& scope_values) {
  std::vector<const onnx_ops::HostTensor*> pointers;
  for (int slot = 0; slot < node.input_size(); ++slot) {
    pointers.push_back(node.input(slot).empty() ? nullptr : &values[slot]);
  }
  return onnx_ops::RunNode(node, opset, pointers, &scope_values);
}

// True when output `index` of `node` is read by a node or is a graph output.
bool OutputUsed(const LoweringContext& context, const onnx::NodeProto& node, int index) {
  const std::string& name = node.output(index);
  return !name.empty() && (!context.ConsumersOf(name).empty() || context.IsGraphOutput(name));
}

// The node's input slots as the tiling rules see them.
std::vector<TensorOpSlot> TilingSlots(LoweringContext& context, const OperandMap& map,
                                      const onnx::NodeProto& node) {
  std::vector<TensorOpSlot> slots(node.input_size());
  for (int slot = 0; slot < node.input_size(); ++slot) {
    TensorOpSlot& entry = slots[slot];
    entry.dims = map.slot_dims[slot];
    if (node.input(slot).empty()) continue;
    const int index = map.params.input_slots[slot];
    if (index < 0) {
      entry.kind = TensorOpSlot::Kind::kEmbedded;
      for (const double value : map.zero_values[slot].values) {
        entry.values.push_back(static_cast<int64_t>(value));
      }
      continue;
    }
    entry.kind = TensorOpSlot::Kind::kLayerInput;
    entry.canonical = context.graph().tensor(map.inputs[index]).shape;
  }
  return slots;
}

// Sets the tiling of one output's layer. In canonical form the node, the dims of its layer
// inputs and the output dims become those of the canonical shapes.
void ApplyTiling(LoweringContext& context, const OperandMap& map,
                 const onnx::NodeProto& node, int64_t opset, graph::TensorOpParams& params) {
  const std::vector<TensorOpSlot> slots = TilingSlots(context, map, node);
  const TensorOpTiling tiling =
      ChooseTensorOpTiling(node, opset, slots, params.output_index, params.output_dims,
                           CanonicalShape(params.output_dims));
  params.parallel_dims = tiling.parallel_dims;
  params.axis0_sliced = tiling.axis0_sliced;
  if (tiling.parallel_dims <= 0) return;
  params.node_proto = SerializeDeterministic(tiling.node);
  size_t next = 0;
  for (int slot = 0; slot < node.input_size(); ++slot) {
    if (slots[slot].kind != TensorOpSlot::Kind::kLayerInput) continue;
    if (next < tiling.input_dims.size()) {
      params.input_dims[map.params.input_slots[slot]] = tiling.input_dims[next];
    }
    ++next;
  }
  params.output_dims = tiling.output_dims;
}

int64_t EinsumMacCount(const onnx::NodeProto& node,
                       const std::vector<std::vector<int64_t>>& slot_dims) {
  std::string equation;
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == "equation") equation = attribute.s();
  }
  const std::string inputs = equation.substr(0, equation.find("->"));
  std::map<char, int64_t> extents;
  size_t operand = 0;
  size_t axis = 0;
  for (char letter : inputs) {
    if (letter == ',') {
      ++operand;
      axis = 0;
      continue;
    }
    if (letter == ' ' || letter == '.' || operand >= slot_dims.size()) continue;
    if (axis < slot_dims[operand].size()) extents[letter] = slot_dims[operand][axis];
    ++axis;
  }
  if (slot_dims.size() < 2) return 0;
  int64_t macs = 1;
  for (const auto& [letter, extent] : extents) macs *= extent;
  return macs;
}

}  // namespace

bool IsDefaultDomain(std::string_view domain) { return domain.empty() || domain == "ai.onnx"; }

std::string HostReason(std::string_view domain_view, std::string_view op_view) {
  const std::string domain(domain_view);
  const std::string op_type(op_view);
  if (!IsDefaultDomain(domain)) {
    return absl::StrCat("operator ", domain, ".", op_type,
                        " is outside the ai.onnx domain and runs on the host");
  }
  if (op_type == "If" || op_type == "Loop" || op_type == "Scan") {
    return absl::StrCat("control flow (", op_type, ") runs on the host");
  }
  if (op_type == "LSTM" || op_type == "GRU" || op_type == "RNN") {
    return absl::StrCat("recurrent operator ", op_type, " runs on the host");
  }
  return "";
}

int64_t TensorOpMacCount(const onnx::NodeProto& node,
                         const std::vector<std::vector<int64_t>>& slot_dims,
                         const std::vector<int64_t>& output_dims) {
  const std::string& op = node.op_type();
  if (!IsDefaultDomain(node.domain()) || slot_dims.size() < 2) return 0;
  const std::vector<int64_t>& a = slot_dims[0];
  const std::vector<int64_t>& b = slot_dims[1];
  const int64_t output_count = DimsElementCount(output_dims);
  if (op == "MatMul" && !a.empty()) return output_count * a.back();
  if (op == "Gemm" && a.size() == 2) {
    int64_t trans_a = 0;
    for (const auto& attribute : node.attribute()) {
      if (attribute.name() == "transA") trans_a = attribute.i();
    }
    return output_count * (trans_a != 0 ? a[0] : a[1]);
  }
  if (op == "Conv" && b.size() >= 3) {
    int64_t per_output = 1;
    for (size_t axis = 1; axis < b.size(); ++axis) per_output *= b[axis];
    return output_count * per_output;
  }
  if (op == "ConvTranspose" && b.size() >= 3) {
    int64_t per_input = 1;
    for (size_t axis = 1; axis < b.size(); ++axis) per_input *= b[axis];
    return DimsElementCount(a) * per_input;
  }
  if (op == "Einsum") return EinsumMacCount(node, slot_dims);
  return 0;
}

namespace {

// Step 3 of lowering a tensor operation: one layer per used output of `node` (output 0
// when none is used), with the output dims and element types of `results`.
absl::StatusOr<NodeOutcome> AddTensorOpLayers(const NodeScope& scope, LoweringContext& context,
                                              const onnx::NodeProto& original,
                                              const onnx::NodeProto& node, int64_t opset,
                                              const std::vector<std::string>& origins,
                                              OperandMap& map,
                                              const std::vector<onnx_ops::HostTensor>& results) {
  map.params.domain = node.domain();
  map.params.op_type = node.op_type();
  map.params.node_proto = SerializeDeterministic(node);
  map.params.opset = opset;
  const std::string reason = HostReason(node.domain(), node.op_type());
  map.params.unit = reason.empty() ? graph::ExecutionUnit::kVector : graph::ExecutionUnit::kHost;
  map.params.host_reason = reason;
  std::vector<int> outputs;
  for (int index = 0; index < node.output_size() && index < static_cast<int>(results.size());
       ++index) {
    if (OutputUsed(context, original, index)) outputs.push_back(index);
  }
  if (outputs.empty()) outputs.push_back(0);
  if (map.inputs.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": the node reads no activation or float constant; a tensor operation "
        "needs at least one"));
  }
  int main_layer = -1;
  for (int index : outputs) {
    const onnx_ops::HostTensor& result = results[index];
    graph::TensorOpParams params = map.params;
    params.output_dims = result.dims;
    params.output_elem_type = result.elem_type;
    params.output_index = index;
    params.mac_count = TensorOpMacCount(node, map.slot_dims, result.dims);
    if (params.captures.empty()) ApplyTiling(context, map, node, opset, params);
    graph::Layer layer;
    layer.name = index == outputs.front() ? scope.name : absl::StrCat(scope.name, "_out", index);
    layer.kind = graph::LayerKind::kTensorOp;
    layer.params = std::move(params);
    layer.inputs = map.inputs;
    layer.origins = origins;
    auto layer_id = context.AddLayer(scope, std::move(layer), original.output(index), result.dims,
                                     result.elem_type);
    if (!layer_id.ok()) return layer_id.status();
    if (main_layer < 0) main_layer = *layer_id;
  }
  if (!reason.empty()) return NodeOutcome{PlacementKind::kHost, main_layer, reason};
  return NodeOutcome{PlacementKind::kNpu, main_layer, "vector tensor op"};
}

}  // namespace

absl::StatusOr<NodeOutcome> LowerSynthesisedTensorOp(const NodeScope& scope,
                                                     LoweringContext& context,
                                                     const onnx::NodeProto& original,
                                                     int64_t opset,
                                                     const std::vector<std::string>& origins) {
  onnx::NodeProto node = original;
  node.set_name(scope.name);
  const std::string& op = node.op_type();
  if (!onnx_ops::IsSupported(node.domain(), op)) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": unsupported operator ", IsDefaultDomain(node.domain()) ? "" : node.domain(),
        IsDefaultDomain(node.domain()) ? "" : ".", op,
        "; neither a specialised lowering nor the reference interpreter implements it (npuc "
        "--soma-supported-ops lists the supported operators)"));
  }
  const bool constant_condition = op == "Compress" && node.input_size() > 1 &&
                                  context.FindConstant(node.input(1)) != nullptr;
  if (HasValueDependentShape(op) && !constant_condition) {
    return absl::UnimplementedError(absl::StrCat(
        "output shape of ", scope.label, " depends on run-time values; only operators with "
        "static output shapes are supported"));
  }

  // Step 1: operands, captures and their host stand-ins.
  OperandMap map;
  absl::Status status = MapInputs(scope, context, node, map);
  if (!status.ok()) return status;
  status = MapCaptures(scope, context, node, map);
  if (!status.ok()) return status;

  // Step 2: output dims and types from the interpreter. A second run on inputs of ones
  // finds outputs whose shape follows an activation's values (a trip count, a branch).
  // Inputs too large to evaluate leave the shapes to the operator's shape rule.
  if (map.too_large_to_evaluate) {
    std::vector<std::optional<ValueShape>> input_shapes;
    for (int slot = 0; slot < node.input_size(); ++slot) {
      if (node.input(slot).empty()) {
        input_shapes.emplace_back();
      } else {
        input_shapes.push_back(
            ValueShape{map.zero_values[slot].dims, map.zero_values[slot].elem_type});
      }
    }
    const auto shapes = OutputShapesFromInputShapes(node, input_shapes);
    if (!shapes.has_value() || map.has_integer_activation || MayDependOnValues(op)) {
      return absl::UnimplementedError(absl::StrCat(
          scope.label, ": an input has more than ", kMaxEvaluatedElements,
          " elements, too large to evaluate at import time, and the output shape of ", op,
          " does not follow from the input shapes alone"));
    }
    std::vector<onnx_ops::HostTensor> results;
    for (const ValueShape& shape : *shapes) {
      onnx_ops::HostTensor result;
      result.dims = shape.dims;
      result.elem_type = shape.elem_type;
      results.push_back(std::move(result));
    }
    return AddTensorOpLayers(scope, context, original, node, opset, origins, map, results);
  }
  auto zero_run = RunOn(node, opset, map.zero_values, map.zero_scope);
  if (!zero_run.ok() && absl::IsInvalidArgument(zero_run.status())) {
    // Zeros can be invalid operands (an integer Mod or Div by zero); ones give the dims.
    auto one_run = RunOn(node, opset, map.ones_values, map.ones_scope);
    if (one_run.ok()) zero_run = std::move(one_run);
  }
  if (!zero_run.ok()) return zero_run.status();
  if (map.has_integer_activation || MayDependOnValues(op)) {
    auto ones_run = RunOn(node, opset, map.ones_values, map.ones_scope);
    for (size_t index = 0; ones_run.ok() && index < zero_run->size(); ++index) {
      if ((*ones_run)[index].dims != (*zero_run)[index].dims) {
        return absl::UnimplementedError(absl::StrCat(
            "output shape of ", scope.label, " depends on run-time values: output ", index,
            " has shape ", DimsToString((*zero_run)[index].dims), " for zero inputs and ",
            DimsToString((*ones_run)[index].dims), " for inputs of ones"));
      }
    }
  }

  return AddTensorOpLayers(scope, context, original, node, opset, origins, map, *zero_run);
}

absl::StatusOr<NodeOutcome> LowerTensorOp(const NodeScope& scope, LoweringContext& context) {
  return LowerSynthesisedTensorOp(scope, context, scope.node,
                                  context.DomainOpset(scope.node.domain()), {scope.name});
}

}  // namespace soma::importer
