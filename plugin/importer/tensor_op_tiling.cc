// tensor_op_tiling.cc: the tiling rules of tensor operations.
#include "importer/tensor_op_tiling.h"

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <utility>

#include "graph/tensor_op_window.h"
#include "importer/attributes.h"
#include "importer/plane_op_tiling.h"

namespace soma::importer {

namespace {

// Operators that compute each output element from the elements at the same (broadcast)
// index of their inputs.
const std::set<std::string>& ElementwiseOperators() {
  static const std::set<std::string>* const operators = new std::set<std::string>{
      "Abs", "Acos", "Acosh", "Add", "And", "Asin", "Asinh", "Atan", "Atanh", "BitShift",
      "Cast", "CastLike", "Ceil", "Celu", "Clip", "Cos", "Cosh", "DequantizeLinear", "Div",
      "Elu", "Equal", "Erf", "Exp", "Floor", "Gelu", "Greater", "GreaterOrEqual",
      "HardSigmoid", "HardSwish", "Identity", "IsInf", "IsNaN", "LeakyRelu", "Less",
      "LessOrEqual", "Log", "Max", "Mean", "Min", "Mish", "Mod", "Mul", "Neg", "Not", "Or",
      "Pow", "PRelu", "QuantizeLinear", "Reciprocal", "Relu", "Round", "Selu", "Sigmoid",
      "Sign", "Sin", "Sinh", "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Tan", "Tanh",
      "ThresholdedRelu", "Where", "Xor"};
  return *operators;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->i() : fallback;
}

void SetIntAttribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
  for (onnx::AttributeProto& attribute : *node.mutable_attribute()) {
    if (attribute.name() == name) {
      attribute.set_i(value);
      return;
    }
  }
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

int64_t Product(const std::vector<int64_t>& dims) {
  int64_t product = 1;
  for (const int64_t dim : dims) product *= dim;
  return product;
}

// The canonical shape of `dims` aligned (numpy-style) to the axes of an output of rank
// `output_rank` with extents `output_dims`: per canonical dim, the product of the output's
// extents when the aligned dims equal them, 1 when the aligned dims are all 1, and nullopt
// when a canonical dim mixes broadcast and full axes.
std::optional<graph::Shape> AlignedCanonical(const std::vector<int64_t>& dims,
                                             const std::vector<int64_t>& output_dims) {
  const int rank = static_cast<int>(output_dims.size());
  if (static_cast<int>(dims.size()) > rank) return std::nullopt;
  std::vector<int64_t> aligned(rank - dims.size(), 1);
  aligned.insert(aligned.end(), dims.begin(), dims.end());
  const std::vector<int> dim_of_axis = CanonicalDimOfAxes(rank);
  graph::Shape shape{1, 1, 1, 1};
  std::array<int, graph::kRank> full{0, 0, 0, 0};
  std::array<int, graph::kRank> ones{0, 0, 0, 0};
  for (int axis = 0; axis < rank; ++axis) {
    const int dim = dim_of_axis[axis];
    if (aligned[axis] == output_dims[axis]) {
      shape[dim] *= aligned[axis];
      if (output_dims[axis] != 1) ++full[dim];
    } else if (aligned[axis] == 1) {
      ++ones[dim];
    } else {
      return std::nullopt;
    }
  }
  for (int dim = 0; dim < graph::kRank; ++dim) {
    if (full[dim] > 0 && ones[dim] > 0) return std::nullopt;
  }
  return shape;
}

// The canonical dim of ONNX axis `axis` when it is the first axis of its canonical dim
// (so the axes from it to the end are whole canonical dims), else nullopt.
std::optional<int> LeadingDimOfAxis(int axis, int rank) {
  const std::vector<int> dim_of_axis = CanonicalDimOfAxes(rank);
  if (axis > 0 && dim_of_axis[axis - 1] == dim_of_axis[axis]) return std::nullopt;
  return dim_of_axis[axis];
}

// The canonical dim of ONNX axis `axis` when no other axis of extent above 1 shares it.
std::optional<int> SoleDimOfAxis(int axis, const std::vector<int64_t>& dims) {
  const int rank = static_cast<int>(dims.size());
  const std::vector<int> dim_of_axis = CanonicalDimOfAxes(rank);
  for (int other = 0; other < rank; ++other) {
    if (other != axis && dim_of_axis[other] == dim_of_axis[axis] && dims[other] != 1) {
      return std::nullopt;
    }
  }
  return dim_of_axis[axis];
}

bool IsHostOperator(const onnx::NodeProto& node) {
  const std::string& domain = node.domain();
  if (!domain.empty() && domain != "ai.onnx") return true;
  static const std::set<std::string>* const host =
      new std::set<std::string>{"If", "Loop", "Scan", "LSTM", "GRU", "RNN"};
  return host->count(node.op_type()) > 0;
}

// Layer-input slots must be held in tensors whose canonical shape is their own dims'.
bool LayerInputsHaveNaturalLayout(const std::vector<TensorOpSlot>& slots) {
  for (const TensorOpSlot& slot : slots) {
    if (slot.kind == TensorOpSlot::Kind::kLayerInput &&
        slot.canonical != CanonicalShapeOfDims(slot.dims)) {
      return false;
    }
  }
  return true;
}

// Elementwise operators: every operand is the output's canonical shape or broadcasts to it
// dim by dim; embedded operands must be scalars. Parallel along all four dims.
std::optional<TensorOpTiling> ElementwiseTiling(const onnx::NodeProto& node,
                                                const std::vector<TensorOpSlot>& slots,
                                                const std::vector<int64_t>& output_dims) {
  if (FindAttribute(node, "broadcast") != nullptr) return std::nullopt;
  const bool quantization =
      node.op_type() == "QuantizeLinear" || node.op_type() == "DequantizeLinear";
  TensorOpTiling tiling;
  for (size_t slot = 0; slot < slots.size(); ++slot) {
    const TensorOpSlot& operand = slots[slot];
    if (operand.kind == TensorOpSlot::Kind::kAbsent) continue;
    if (quantization && slot > 0 && Product(operand.dims) != 1) return std::nullopt;
    if (operand.kind == TensorOpSlot::Kind::kEmbedded) {
      if (Product(operand.dims) != 1) return std::nullopt;
      continue;
    }
    if (slot > 0 && Product(operand.dims) == 1) {
      // A one-element operand after the first (a quantization scale, a Clip bound) is read
      // whole with its own dims, since those operators require scalars there.
      tiling.input_dims.push_back(operand.dims);
      continue;
    }
    const std::optional<graph::Shape> aligned = AlignedCanonical(operand.dims, output_dims);
    if (!aligned.has_value() || *aligned != operand.canonical) return std::nullopt;
    tiling.input_dims.push_back(graph::ShapeDims(operand.canonical));
  }
  tiling.parallel_dims = graph::kRank;
  tiling.node = node;
  return tiling;
}

// Softmax, LogSoftmax and Hardmax: parallel over the canonical dims before the reduced one.
std::optional<TensorOpTiling> SoftmaxTiling(const onnx::NodeProto& node, int64_t opset,
                                            const std::vector<TensorOpSlot>& slots,
                                            const std::vector<int64_t>& output_dims) {
  const int rank = static_cast<int>(output_dims.size());
  if (rank == 0 || slots.empty() || slots[0].kind != TensorOpSlot::Kind::kLayerInput) {
    return std::nullopt;
  }
  int64_t axis = IntAttribute(node, "axis", opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  const std::optional<int> dim = opset >= 13 ? SoleDimOfAxis(static_cast<int>(axis), output_dims)
                                             : LeadingDimOfAxis(static_cast<int>(axis), rank);
  if (!dim.has_value() || *dim == 0) return std::nullopt;
  TensorOpTiling tiling;
  tiling.parallel_dims = *dim;
  tiling.node = node;
  SetIntAttribute(tiling.node, "axis", *dim);
  tiling.input_dims.push_back(graph::ShapeDims(slots[0].canonical));
  return tiling;
}

// LayerNormalization (output 0): parallel over the canonical dims before the normalised
// ones. Scale and bias are read whole, with the dims of the normalised canonical dims.
std::optional<TensorOpTiling> LayerNormTiling(const onnx::NodeProto& node,
                                              const std::vector<TensorOpSlot>& slots,
                                              int output_index,
                                              const std::vector<int64_t>& output_dims) {
  const int rank = static_cast<int>(output_dims.size());
  if (output_index != 0 || rank == 0 || slots.empty() ||
      slots[0].kind != TensorOpSlot::Kind::kLayerInput) {
    return std::nullopt;
  }
  int64_t axis = IntAttribute(node, "axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  const std::optional<int> dim = LeadingDimOfAxis(static_cast<int>(axis), rank);
  if (!dim.has_value() || *dim == 0) return std::nullopt;
  const graph::Shape& canonical = slots[0].canonical;
  const std::vector<int64_t> normalised(canonical.begin() + *dim, canonical.end());
  TensorOpTiling tiling;
  tiling.input_dims.push_back(graph::ShapeDims(canonical));
  for (size_t slot = 1; slot < slots.size(); ++slot) {
    const TensorOpSlot& operand = slots[slot];
    if (operand.kind == TensorOpSlot::Kind::kAbsent) continue;
    if (operand.kind == TensorOpSlot::Kind::kEmbedded) return std::nullopt;
    if (Product(operand.dims) != Product(normalised)) return std::nullopt;
    tiling.input_dims.push_back(normalised);
  }
  tiling.parallel_dims = *dim;
  tiling.node = node;
  SetIntAttribute(tiling.node, "axis", *dim);
  return tiling;
}

// Transpose of rank-4 tensors stored in their natural layout: parallel over the leading
// axes the permutation keeps in place.
std::optional<TensorOpTiling> TransposeTiling(const onnx::NodeProto& node,
                                              const std::vector<TensorOpSlot>& slots,
                                              const std::vector<int64_t>& output_dims) {
  if (output_dims.size() != 4 || slots.empty() || slots[0].dims.size() != 4) {
    return std::nullopt;
  }
  const onnx::AttributeProto* perm = FindAttribute(node, "perm");
  if (perm == nullptr || perm->ints_size() != 4) return std::nullopt;
  int leading = 0;
  while (leading < 4 && perm->ints(leading) == leading) ++leading;
  if (leading == 0) return std::nullopt;
  TensorOpTiling tiling;
  tiling.parallel_dims = leading;
  tiling.node = node;
  tiling.input_dims.push_back(graph::ShapeDims(slots[0].canonical));
  return tiling;
}

// Reduce* with keepdims on rank-4 tensors: parallel over the dims before the first reduced
// axis. Axes come from the attribute (the input form embeds them and is read whole).
std::optional<TensorOpTiling> ReduceTiling(const onnx::NodeProto& node,
                                           const std::vector<TensorOpSlot>& slots,
                                           const std::vector<int64_t>& output_dims) {
  if (output_dims.size() != 4 || slots.size() != 1 || slots[0].dims.size() != 4) {
    return std::nullopt;
  }
  if (IntAttribute(node, "keepdims", 1) != 1) return std::nullopt;
  const onnx::AttributeProto* axes = FindAttribute(node, "axes");
  if (axes == nullptr || axes->ints_size() == 0) return std::nullopt;
  int first = 4;
  for (const int64_t axis : axes->ints()) {
    first = std::min(first, static_cast<int>(axis < 0 ? axis + 4 : axis));
  }
  if (first <= 0 || first >= 4) return std::nullopt;
  TensorOpTiling tiling;
  tiling.parallel_dims = first;
  tiling.node = node;
  tiling.input_dims.push_back(graph::ShapeDims(slots[0].canonical));
  return tiling;
}

// Operators independent along ONNX axis 0 when their axis attribute leaves axis 0 alone.
bool IndependentAlongAxisZero(const onnx::NodeProto& node, int64_t opset, int rank) {
  const std::string& op = node.op_type();
  if (ElementwiseOperators().count(op) > 0) {
    if (FindAttribute(node, "broadcast") != nullptr) return false;
    if (op == "QuantizeLinear" || op == "DequantizeLinear") {
      return IntAttribute(node, "axis", 1) != 0 && IntAttribute(node, "axis", 1) != -rank;
    }
    return true;
  }
  auto axis_is_not_zero = [&](const char* name, int64_t fallback) {
    int64_t axis = IntAttribute(node, name, fallback);
    if (axis < 0) axis += rank;
    return axis != 0;
  };
  if (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") {
    return axis_is_not_zero("axis", opset >= 13 ? -1 : 1);
  }
  if (op == "LayerNormalization") return axis_is_not_zero("axis", -1);
  if (op == "Concat" || op == "Split" || op == "Gather") return axis_is_not_zero("axis", 0);
  if (op == "Transpose") {
    const onnx::AttributeProto* perm = FindAttribute(node, "perm");
    return perm != nullptr && perm->ints_size() > 0 && perm->ints(0) == 0;
  }
  return op == "Reshape" || op == "Flatten" || op == "InstanceNormalization";
}

// Axis-0 slicing: every layer input whose dims[0] equals the output's is sliced, so it must
// store whole slices as canonical N rows. The others are read whole.
bool Axis0Slicing(const onnx::NodeProto& node, int64_t opset,
                  const std::vector<TensorOpSlot>& slots, int output_index,
                  const std::vector<int64_t>& output_dims, const graph::Shape& output_canonical) {
  const int rank = static_cast<int>(output_dims.size());
  if (rank < 2 || output_dims[0] <= 1) return false;
  if (!IndependentAlongAxisZero(node, opset, rank)) return false;
  const std::string& op = node.op_type();
  if (op == "Gather" && slots.size() > 1 &&
      slots[1].kind == TensorOpSlot::Kind::kLayerInput) {
    return false;  // run-time indices may pick any row
  }
  if (op == "Split" && output_index < 0) return false;
  const int64_t slices = output_dims[0];
  if (output_canonical[graph::kN] % slices != 0) return false;
  for (const TensorOpSlot& slot : slots) {
    if (slot.kind != TensorOpSlot::Kind::kLayerInput) continue;
    // Other operands (a lower rank broadcasts along axis 0) are read whole.
    if (!graph::SlicesAlongAxisZero(op, slot.dims, output_dims)) continue;
    if (slot.canonical[graph::kN] % slices != 0) return false;
  }
  return true;
}

}  // namespace

graph::Shape CanonicalShapeOfDims(const std::vector<int64_t>& dims) {
  const int rank = static_cast<int>(dims.size());
  graph::Shape shape{1, 1, 1, 1};
  const std::vector<int> dim_of_axis = CanonicalDimOfAxes(rank);
  for (int axis = 0; axis < rank; ++axis) shape[dim_of_axis[axis]] *= dims[axis];
  return shape;
}

std::vector<int> CanonicalDimOfAxes(int rank) {
  switch (rank) {
    case 0: return {};
    case 1: return {graph::kC};
    case 2: return {graph::kN, graph::kC};
    case 3: return {graph::kN, graph::kN, graph::kC};
    case 4: return {graph::kN, graph::kC, graph::kH, graph::kW};
    default: {
      std::vector<int> dims(rank, graph::kN);
      dims[rank - 3] = graph::kC;
      dims[rank - 2] = graph::kH;
      dims[rank - 1] = graph::kW;
      return dims;
    }
  }
}

TensorOpTiling ChooseTensorOpTiling(const onnx::NodeProto& node, int64_t opset,
                                    const std::vector<TensorOpSlot>& slots, int output_index,
                                    const std::vector<int64_t>& output_dims,
                                    const graph::Shape& output_canonical) {
  TensorOpTiling whole;
  whole.node = node;
  if (IsHostOperator(node)) return whole;
  const std::string& op = node.op_type();
  const bool natural_output = output_canonical == CanonicalShapeOfDims(output_dims);
  std::optional<TensorOpTiling> canonical_form;
  if (natural_output && LayerInputsHaveNaturalLayout(slots)) {
    if (ElementwiseOperators().count(op) > 0 && output_index == 0) {
      canonical_form = ElementwiseTiling(node, slots, output_dims);
    } else if (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") {
      canonical_form = SoftmaxTiling(node, opset, slots, output_dims);
    } else if (op == "LayerNormalization") {
      canonical_form = LayerNormTiling(node, slots, output_index, output_dims);
    } else if (op == "Transpose") {
      canonical_form = TransposeTiling(node, slots, output_dims);
    } else if (op == "InstanceNormalization") {
      canonical_form = InstanceNormTiling(node, slots, output_dims);
    } else if (op.rfind("Reduce", 0) == 0) {
      canonical_form = ReduceTiling(node, slots, output_dims);
    } else if (op == "ConvTranspose") {
      canonical_form = ConvTransposeTiling(node, slots, output_dims);
    } else if (op == "Pad" || op == "Crop") {
      canonical_form = PlaneTiling(node, slots, output_dims);
    }
  }
  if (canonical_form.has_value()) {
    canonical_form->output_dims = graph::ShapeDims(output_canonical);
    return *canonical_form;
  }
  whole.axis0_sliced =
      Axis0Slicing(node, opset, slots, output_index, output_dims, output_canonical);
  return whole;
}

}  // namespace soma::importer
