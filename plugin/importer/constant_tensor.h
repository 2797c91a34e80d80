// constant_tensor.h: constant values the importer folds (initializers, Constant and
// ConstantOfShape outputs, and the results of folding ops on them).
#ifndef SOMA_IMPORTER_CONSTANT_TENSOR_H_
#define SOMA_IMPORTER_CONSTANT_TENSOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// A constant with its ONNX dims. Floating-point data lives in `float_values`, integer and
/// bool data in `int_values`. A ConstantOfShape result stores one `fill` value instead, so a
/// large fill takes no memory.
struct ConstantTensor {
  std::vector<int64_t> dims;
  /// True for integer and bool element types (shape arithmetic), false for float types.
  bool is_integer = false;
  /// onnx::TensorProto::DataType of the source, or 0 when the constant was computed by the
  /// importer (then FLOAT when `is_integer` is false, else INT64).
  int32_t elem_type = 0;
  std::vector<float> float_values;
  std::vector<int64_t> int_values;
  std::optional<double> fill;

  /// Product of `dims` (1 for a scalar).
  int64_t ElementCount() const;
  /// Value of flat element `index` (row-major), as a double.
  double At(int64_t index) const;
  /// All elements as int64 (truncating floats). Meant for small shape and index tensors.
  std::vector<int64_t> ToInt64() const;
  /// The data as graph::ConstantData (fp32), keeping a fill a fill.
  graph::ConstantData ToGraphData() const;
  /// `elem_type`, or its default when it is 0.
  int32_t ElementType() const;
};

/// The folder that a model's external data files must lie in. An empty `model_folder` means
/// the model came from memory, and then external data is rejected.
struct ExternalDataPolicy {
  std::string model_folder;
};

/// Converts an ONNX TensorProto (raw_data or typed fields; float, double, float16, integer
/// (int4 and uint4 packed two per byte included) or bool elements; embedded or external data) to a ConstantTensor. InvalidArgument names
/// the tensor on an unsupported element type, a size mismatch or a bad external location.
absl::StatusOr<ConstantTensor> ConstantFromTensorProto(const onnx::TensorProto& proto,
                                                       const ExternalDataPolicy& policy);

/// Renders dims as `[1, 3, 224, 224]`.
std::string DimsToString(const std::vector<int64_t>& dims);

/// Product of `dims`.
int64_t DimsElementCount(const std::vector<int64_t>& dims);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_CONSTANT_TENSOR_H_
