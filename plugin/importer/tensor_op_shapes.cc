// tensor_op_shapes.cc: output shapes from input shapes for common operators.
#include "importer/tensor_op_shapes.h"

#include <algorithm>
#include <set>
#include <string>

#include "importer/attributes.h"
#include "importer/shape_rules.h"

namespace soma::importer {

namespace {

// Operators whose only output has the dims and element type of input 0.
bool KeepsInputShape(const std::string& op) {
  static const std::set<std::string>* const operators = new std::set<std::string>{
      "Abs", "Ceil", "Celu", "Clip", "CumSum", "Elu", "Erf", "Exp", "Floor", "Gelu",
      "HardSigmoid", "HardSwish", "Hardmax", "Identity", "InstanceNormalization",
      "LayerNormalization", "LeakyRelu", "Log", "LogSoftmax", "LpNormalization", "Mish", "Neg",
      "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Softmax", "Softplus",
      "Softsign", "Sqrt", "Tanh", "ThresholdedRelu"};
  return operators->count(op) > 0;
}

bool IsBroadcastArithmetic(const std::string& op) {
  static const std::set<std::string>* const operators = new std::set<std::string>{
      "Add", "Div", "Max", "Mean", "Min", "Mod", "Mul", "PRelu", "Pow", "Sub", "Sum"};
  return operators->count(op) > 0;
}

bool IsComparison(const std::string& op) {
  static const std::set<std::string>* const operators = new std::set<std::string>{
      "And", "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Or", "Xor"};
  return operators->count(op) > 0;
}

// The numpy broadcast of every present input's dims.
std::optional<std::vector<int64_t>> BroadcastAll(
    const std::vector<std::optional<ValueShape>>& inputs, size_t first) {
  std::optional<std::vector<int64_t>> dims;
  for (size_t slot = first; slot < inputs.size(); ++slot) {
    if (!inputs[slot].has_value()) continue;
    if (!dims.has_value()) {
      dims = inputs[slot]->dims;
      continue;
    }
    dims = BroadcastDims(*dims, inputs[slot]->dims);
    if (!dims.has_value()) return std::nullopt;
  }
  return dims;
}

// numpy.matmul dims of `a` and `b` (ranks 1 and above).
std::optional<std::vector<int64_t>> MatMulDims(std::vector<int64_t> a, std::vector<int64_t> b) {
  if (a.empty() || b.empty()) return std::nullopt;
  const bool a_vector = a.size() == 1;
  const bool b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  if (a.back() != b[b.size() - 2]) return std::nullopt;
  const std::vector<int64_t> a_batch(a.begin(), a.end() - 2);
  const std::vector<int64_t> b_batch(b.begin(), b.end() - 2);
  std::optional<std::vector<int64_t>> dims = BroadcastDims(a_batch, b_batch);
  if (!dims.has_value()) return std::nullopt;
  if (!a_vector) dims->push_back(a[a.size() - 2]);
  if (!b_vector) dims->push_back(b.back());
  return dims;
}

}  // namespace

std::optional<std::vector<ValueShape>> OutputShapesFromInputShapes(
    const onnx::NodeProto& node, const std::vector<std::optional<ValueShape>>& inputs) {
  const std::string& domain = node.domain();
  if (!domain.empty() && domain != "ai.onnx") return std::nullopt;
  if (inputs.empty() || !inputs[0].has_value() || node.output_size() == 0) return std::nullopt;
  const std::string& op = node.op_type();
  const ValueShape& first = *inputs[0];
  ValueShape output;
  if (KeepsInputShape(op)) {
    if (node.output_size() > 1) return std::nullopt;  // LayerNormalization's statistics
    output = first;
  } else if (op == "Cast") {
    const onnx::AttributeProto* to = FindAttribute(node, "to");
    if (to == nullptr) return std::nullopt;
    output = {first.dims, static_cast<int32_t>(to->i())};
  } else if (IsBroadcastArithmetic(op) || IsComparison(op) || op == "Not") {
    if (FindAttribute(node, "broadcast") != nullptr) return std::nullopt;
    std::optional<std::vector<int64_t>> dims = BroadcastAll(inputs, 0);
    if (!dims.has_value()) return std::nullopt;
    output = {*dims, IsComparison(op) || op == "Not" ? static_cast<int32_t>(onnx::TensorProto::BOOL)
                                                     : first.elem_type};
  } else if (op == "Where") {
    std::optional<std::vector<int64_t>> dims = BroadcastAll(inputs, 0);
    if (!dims.has_value() || inputs.size() < 3 || !inputs[1].has_value()) return std::nullopt;
    output = {*dims, inputs[1]->elem_type};
  } else if (op == "Transpose") {
    const int rank = static_cast<int>(first.dims.size());
    std::vector<int64_t> perm(rank);
    for (int axis = 0; axis < rank; ++axis) perm[axis] = rank - 1 - axis;
    if (const onnx::AttributeProto* attribute = FindAttribute(node, "perm")) {
      if (attribute->ints_size() != rank) return std::nullopt;
      perm.assign(attribute->ints().begin(), attribute->ints().end());
    }
    output.elem_type = first.elem_type;
    for (const int64_t axis : perm) {
      if (axis < 0 || axis >= rank) return std::nullopt;
      output.dims.push_back(first.dims[axis]);
    }
  } else if (op == "MatMul") {
    if (inputs.size() < 2 || !inputs[1].has_value()) return std::nullopt;
    std::optional<std::vector<int64_t>> dims = MatMulDims(first.dims, inputs[1]->dims);
    if (!dims.has_value()) return std::nullopt;
    output = {*dims, first.elem_type};
  } else if (op == "Concat") {
    const onnx::AttributeProto* axis_attribute = FindAttribute(node, "axis");
    const int64_t rank = static_cast<int64_t>(first.dims.size());
    if (axis_attribute == nullptr || rank == 0) return std::nullopt;
    const int64_t axis = axis_attribute->i() < 0 ? axis_attribute->i() + rank : axis_attribute->i();
    if (axis < 0 || axis >= rank) return std::nullopt;
    output = {first.dims, first.elem_type};
    output.dims[axis] = 0;
    for (const std::optional<ValueShape>& input : inputs) {
      if (!input.has_value() || static_cast<int64_t>(input->dims.size()) != rank) {
        return std::nullopt;
      }
      for (int64_t other = 0; other < rank; ++other) {
        if (other != axis && input->dims[other] != first.dims[other]) return std::nullopt;
      }
      output.dims[axis] += input->dims[axis];
    }
  } else if (op == "QuantizeLinear") {
    int32_t type = onnx::TensorProto::UINT8;
    if (inputs.size() > 2 && inputs[2].has_value()) type = inputs[2]->elem_type;
    output = {first.dims, type};
  } else if (op == "DequantizeLinear") {
    int32_t type = onnx::TensorProto::FLOAT;
    if (inputs.size() > 1 && inputs[1].has_value()) type = inputs[1]->elem_type;
    output = {first.dims, type};
  } else {
    return std::nullopt;
  }
  return std::vector<ValueShape>{output};
}

}  // namespace soma::importer
