// host_tensor.h: one ONNX value as the reference interpreter holds it.
#ifndef SOMA_ONNX_OPS_HOST_TENSOR_H_
#define SOMA_ONNX_OPS_HOST_TENSOR_H_

#include <cstdint>
#include <vector>

namespace soma::onnx_ops {

/// A tensor value: ONNX dims, ONNX element type and row-major elements. Every element type
/// is held as double: float types round to their own precision after every operator (so
/// fp32 results are fp32 results), and integer and bool types hold exact integers (int64
/// values beyond 2^53 are clamped where they are used as indices).
struct HostTensor {
  /// onnx::TensorProto::DataType.
  int32_t elem_type = 1;
  std::vector<int64_t> dims;
  std::vector<double> values;

  /// Product of `dims` (1 for a scalar).
  int64_t ElementCount() const;
};

/// Product of `dims` (1 for an empty vector).
int64_t DimsProduct(const std::vector<int64_t>& dims);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_HOST_TENSOR_H_
