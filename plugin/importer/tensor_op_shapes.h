// tensor_op_shapes.h: output dims and element types of common operators from their input
// shapes alone, for tensor operations whose inputs are too large to evaluate at import time.
#ifndef SOMA_IMPORTER_TENSOR_OP_SHAPES_H_
#define SOMA_IMPORTER_TENSOR_OP_SHAPES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "onnx/onnx_pb.h"

namespace soma::importer {

/// The dims and element type of one value.
struct ValueShape {
  std::vector<int64_t> dims;
  int32_t elem_type = onnx::TensorProto::FLOAT;
};

/// Output shapes of `node` when its operator's outputs follow from the input shapes by a
/// fixed rule (element-wise, broadcasting, Softmax, LayerNormalization with one output,
/// Cast, Transpose, Concat, MatMul, QuantizeLinear, DequantizeLinear); std::nullopt for any other
/// operator or for shapes the rule rejects. `inputs` has one entry per input slot (nullopt
/// for an absent optional input).
std::optional<std::vector<ValueShape>> OutputShapesFromInputShapes(
    const onnx::NodeProto& node, const std::vector<std::optional<ValueShape>>& inputs);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_TENSOR_OP_SHAPES_H_
