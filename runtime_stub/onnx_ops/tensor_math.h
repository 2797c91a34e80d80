// tensor_math.h: element types, broadcasting, index arithmetic and input access shared by
// the operator families of the reference interpreter (internal).
//
// Every family may append helpers here; each declaration carries a one-line `///` doc.
#ifndef SOMA_ONNX_OPS_TENSOR_MATH_H_
#define SOMA_ONNX_OPS_TENSOR_MATH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "onnx_ops/host_tensor.h"
#include "onnx_ops/op_table.h"

namespace soma::onnx_ops {

// ---------------------------------------------------------------------------------------
// Element types (onnx::TensorProto::DataType values), in element_types.cc.

/// ONNX element type codes, including INT4/UINT4 and the float8 types, which the ONNX 1.12
/// headers of this system do not define yet.
enum ElemType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16,
  kFloat8E4M3Fn = 17,
  kFloat8E4M3Fnuz = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2Fnuz = 20,
  kUint4 = 21,
  kInt4 = 22,
};

/// True for FLOAT, DOUBLE, FLOAT16, BFLOAT16 and the float8 types.
bool IsFloatType(int32_t elem_type);
/// True for the signed and unsigned integer types (INT4 to INT64, UINT4 to UINT64).
bool IsIntegerType(int32_t elem_type);
/// True for the signed integer types.
bool IsSignedIntegerType(int32_t elem_type);
/// True for the element types a HostTensor can hold: float, integer and bool types.
bool IsNumericType(int32_t elem_type);
/// The ONNX spelling of `elem_type` ("FLOAT", "INT64", ...), or "type <n>" when unknown.
std::string ElemTypeName(int32_t elem_type);

/// Smallest and largest value of an integer type (0 and 1 for BOOL).
double IntegerTypeMin(int32_t elem_type);
double IntegerTypeMax(int32_t elem_type);

/// Rounds `value` to what an element of `elem_type` can represent. FLOAT rounds to float,
/// FLOAT16 and BFLOAT16 to their precision (half to even, overflow to infinity), and the
/// float8 types saturate. Integer types truncate toward zero, then wrap modulo 2^bits. BOOL
/// becomes 0 or 1. DOUBLE and unknown types are returned unchanged.
double RoundToType(double value, int32_t elem_type);
/// Like RoundToType, but integer types clamp to their range instead of wrapping (NaN gives 0).
double SaturateToType(double value, int32_t elem_type);
/// Applies RoundToType to every element of `tensor` with its own elem_type.
void RoundTensor(HostTensor& tensor);

/// Rounds `value` to IEEE half precision (round half to even, overflow to infinity).
double RoundToFloat16(double value);
/// Rounds `value` to bfloat16 precision (round half to even, overflow to infinity).
double RoundToBfloat16(double value);
/// Bit pattern of `value` as IEEE half (round half to even).
uint16_t Float16Bits(double value);
/// Value of an IEEE half bit pattern.
double Float16FromBits(uint16_t bits);
/// Bit pattern of `value` as bfloat16 (round half to even).
uint16_t Bfloat16Bits(double value);
/// Value of a bfloat16 bit pattern.
double Bfloat16FromBits(uint16_t bits);
/// Rounds `value` to the float8 type `elem_type` (17 to 20). With `saturate`, values beyond
/// the largest finite value clamp to it; without, they become NaN (E4M3) or infinity (E5M2).
double RoundToFloat8(double value, int32_t elem_type, bool saturate);
/// Bit pattern of a float8 value already rounded by RoundToFloat8.
uint8_t Float8Bits(double value, int32_t elem_type);
/// Value of a float8 bit pattern.
double Float8FromBits(uint8_t bits, int32_t elem_type);

/// Clamps a double to the int64 range (NaN gives 0), truncating toward zero.
int64_t ClampToInt64(double value);

// ---------------------------------------------------------------------------------------
// Shapes, strides and broadcasting.

/// Row-major strides of `dims`, in elements.
std::vector<int64_t> RowMajorStrides(const std::vector<int64_t>& dims);

/// Multidirectional (numpy) broadcast of two shapes. InvalidArgument names `context` (for
/// example the node label) and both shapes when a dimension pair is neither equal nor 1.
absl::StatusOr<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                   const std::vector<int64_t>& b,
                                                   const std::string& context);
/// Multidirectional broadcast of any number of shapes (see BroadcastDims).
absl::StatusOr<std::vector<int64_t>> BroadcastAllDims(
    absl::Span<const std::vector<int64_t>* const> shapes, const std::string& context);

/// Strides of `input_dims` seen through the output shape `output_dims` (right-aligned):
/// 0 on every broadcast dimension. Requires: `input_dims` broadcasts to `output_dims`.
std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& input_dims,
                                      const std::vector<int64_t>& output_dims);

/// Flat source index into a tensor of `input_dims` for each flat index of `output_dims`.
/// Requires: `input_dims` broadcasts to `output_dims`.
std::vector<int64_t> BroadcastIndexMap(const std::vector<int64_t>& input_dims,
                                       const std::vector<int64_t>& output_dims);

/// Walks the flat indices of an output shape and keeps the matching flat index of one
/// broadcast input, without a per-element division. Requires: `input_dims` broadcasts to
/// `output_dims`.
class BroadcastCursor {
 public:
  BroadcastCursor(const std::vector<int64_t>& input_dims, const std::vector<int64_t>& output_dims);
  /// Flat input index of the current output element.
  int64_t offset() const { return offset_; }
  /// Moves to the next output element (row-major).
  void Advance();

 private:
  std::vector<int64_t> dims_;
  std::vector<int64_t> strides_;
  std::vector<int64_t> index_;
  int64_t offset_ = 0;
};

/// Advances the multi-index `index` over `dims` in row-major order; false after the last.
bool NextIndex(std::vector<int64_t>& index, const std::vector<int64_t>& dims);

/// Splits `dims` around `axis` into (product before, dim at axis, product after).
struct AxisSplit {
  int64_t outer = 1;
  int64_t axis = 1;
  int64_t inner = 1;
};
/// The AxisSplit of `dims` at `axis`. Requires: 0 <= axis < dims.size().
AxisSplit SplitAtAxis(const std::vector<int64_t>& dims, int64_t axis);

// ---------------------------------------------------------------------------------------
// Input access for operator implementations.

/// Input `index` of `call`, or nullptr when the slot is absent or beyond the node's inputs.
const HostTensor* OptionalInput(const OpCall& call, size_t index);
/// Input `index` of `call`; InvalidArgument names the node and the slot when it is absent.
absl::StatusOr<const HostTensor*> RequiredInput(const OpCall& call, size_t index);

/// Elements of `tensor` as int64 (clamped, truncated toward zero).
std::vector<int64_t> ToInt64Vector(const HostTensor& tensor);
/// Input `index` as an int64 vector; InvalidArgument when absent or not an integer type.
absl::StatusOr<std::vector<int64_t>> InputAsInt64s(const OpCall& call, size_t index);
/// Input `index` as one int64; InvalidArgument when absent or when it does not hold exactly
/// one element.
absl::StatusOr<int64_t> InputAsInt64Scalar(const OpCall& call, size_t index);
/// Input `index` as one double; InvalidArgument when absent or not exactly one element.
absl::StatusOr<double> InputAsScalar(const OpCall& call, size_t index);

/// InvalidArgument unless `tensor` has a numeric element type (strings and complex types are
/// rejected as Unimplemented), naming the node and the input slot.
absl::Status CheckNumericInput(const OpCall& call, const HostTensor& tensor, size_t index);

/// A tensor of `elem_type` and `dims` with zero-initialised elements.
HostTensor MakeTensor(int32_t elem_type, std::vector<int64_t> dims);

/// "[2,3,4]" for messages.
std::string DimsToString(const std::vector<int64_t>& dims);

/// A one-element output list, the usual result of an operator.
std::vector<HostTensor> SingleOutput(HostTensor tensor);

/// The axes in `axes` as one flag per dimension of a rank-`rank` tensor
/// (negative axes count from the back). InvalidArgument names the node for an axis out of
/// range or given twice.
absl::StatusOr<std::vector<bool>> AxisFlags(const OpCall& call, const std::vector<int64_t>& axes,
                                            int64_t rank);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_TENSOR_MATH_H_
