// tensor_op_tiling.h: how a tensor operation may be tiled, decided from its operator and
// the shapes of its operands.
//
// A kTensorOp layer runs one ONNX node. Read whole, a large tensor operation (a Softmax over
// 25 x 1024 x 1024 attention scores, a Transpose of a 64-sequence batch) can exceed the
// buffer, so the importer gives the scheduler two ways to cut it into tiles:
//   - canonical form (parallel_dims p > 0): the node is rewritten to work on the tensors'
//     canonical rank-4 shapes and is independent along canonical dims [0, p);
//   - axis-0 slicing: the node is independent along ONNX axis 0, and every sliced operand
//     stores its axis-0 slices as whole runs of canonical N rows.
// See graph::TensorOpParams for the contract the scheduler and the kernels follow.
#ifndef SOMA_IMPORTER_TENSOR_OP_TILING_H_
#define SOMA_IMPORTER_TENSOR_OP_TILING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "graph/box.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// One ONNX input slot of the node.
struct TensorOpSlot {
  enum class Kind {
    /// An absent optional input.
    kAbsent,
    /// A layer input: an activation or a float constant tensor.
    kLayerInput,
    /// An integer or bool constant embedded in the layer.
    kEmbedded,
  };
  Kind kind = Kind::kAbsent;
  /// The node's view of the value (its ONNX dims).
  std::vector<int64_t> dims;
  /// kLayerInput: the canonical shape of the tensor that contains the value.
  graph::Shape canonical{1, 1, 1, 1};
  /// kEmbedded: the constant's elements in row-major order.
  std::vector<int64_t> values;
};

/// The tiling chosen for a tensor operation.
struct TensorOpTiling {
  /// See graph::TensorOpParams::parallel_dims.
  int parallel_dims = 0;
  /// See graph::TensorOpParams::axis0_sliced.
  bool axis0_sliced = false;
  /// With parallel_dims > 0: the node with its axis attributes rewritten for the canonical
  /// shapes, the dims the node reads for each kLayerInput slot (in slot order), and the
  /// output's dims (its canonical shape).
  onnx::NodeProto node;
  std::vector<std::vector<int64_t>> input_dims;
  std::vector<int64_t> output_dims;
};

/// The canonical rank-4 shape of ONNX `dims`: rank 0 -> (1, 1, 1, 1), rank 1 [c] ->
/// (1, c, 1, 1), rank 2 [n, c] -> (n, c, 1, 1), rank 3 [a, b, c] -> (a*b, c, 1, 1), rank 4 as
/// is, rank r >= 5 -> (d0*...*d(r-4), d(r-3), d(r-2), d(r-1)).
graph::Shape CanonicalShapeOfDims(const std::vector<int64_t>& dims);

/// For each ONNX axis of a rank-`rank` tensor, the canonical dim that contains it (rank 1 maps
/// its axis to C).
std::vector<int> CanonicalDimOfAxes(int rank);

/// Chooses the tiling of `node` (output `output_index`, dims `output_dims` held in a
/// tensor of canonical shape `output_canonical`) with operands `slots`. Operators without a
/// rule, host operators and shapes that do not line up get parallel_dims 0 and
/// axis0_sliced false (whole tensors).
TensorOpTiling ChooseTensorOpTiling(const onnx::NodeProto& node, int64_t opset,
                                    const std::vector<TensorOpSlot>& slots, int output_index,
                                    const std::vector<int64_t>& output_dims,
                                    const graph::Shape& output_canonical);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_TENSOR_OP_TILING_H_
