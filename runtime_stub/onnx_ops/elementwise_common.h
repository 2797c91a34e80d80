// elementwise_common.h: registration hooks and the broadcasting kernels shared by the
// elementwise operator files (internal).
//
// The elementwise family is split over elementwise_ops.cc (unary math and activations),
// elementwise_binary.cc (arithmetic, comparison, logic, variadic, Where) and
// elementwise_cast.cc (Cast, CastLike, Clip, Identity, Dropout). RegisterElementwiseOps
// calls the registration function of each part.
#ifndef SOMA_ONNX_OPS_ELEMENTWISE_COMMON_H_
#define SOMA_ONNX_OPS_ELEMENTWISE_COMMON_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx_ops/host_tensor.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

void RegisterElementwiseBinaryOps(OpTable& table);
void RegisterElementwiseCastOps(OpTable& table);

/// Applies `fn(a, b)` element by element with multidirectional broadcasting and returns a
/// tensor of `output_type`, rounded to that type.
template <typename Fn>
absl::StatusOr<HostTensor> BroadcastBinary(const OpCall& call, const HostTensor& a,
                                           const HostTensor& b, int32_t output_type, Fn fn) {
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastDims(a.dims, b.dims, call.label));
  HostTensor out;
  out.elem_type = output_type;
  out.values.resize(static_cast<size_t>(DimsProduct(dims)));
  const size_t count = out.values.size();
  if (a.dims == dims && b.dims == dims) {
    for (size_t i = 0; i < count; ++i) out.values[i] = fn(a.values[i], b.values[i]);
  } else if (a.dims == dims && b.values.size() == 1) {
    const double scalar = b.values[0];
    for (size_t i = 0; i < count; ++i) out.values[i] = fn(a.values[i], scalar);
  } else if (b.dims == dims && a.values.size() == 1) {
    const double scalar = a.values[0];
    for (size_t i = 0; i < count; ++i) out.values[i] = fn(scalar, b.values[i]);
  } else {
    BroadcastCursor cursor_a(a.dims, dims);
    BroadcastCursor cursor_b(b.dims, dims);
    for (size_t i = 0; i < count; ++i) {
      out.values[i] = fn(a.values[cursor_a.offset()], b.values[cursor_b.offset()]);
      cursor_a.Advance();
      cursor_b.Advance();
    }
  }
  out.dims = std::move(dims);
  RoundTensor(out);
  return out;
}

/// Applies `fn(x)` to every element of input 0 and returns a tensor of its type (or of
/// `output_type` when it is not kUndefined), rounded to that type.
template <typename Fn>
absl::StatusOr<std::vector<HostTensor>> MapUnary(const OpCall& call, Fn fn,
                                                 int32_t output_type = kUndefined) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  HostTensor y;
  y.elem_type = output_type == kUndefined ? x->elem_type : output_type;
  y.dims = x->dims;
  y.values.resize(x->values.size());
  for (size_t i = 0; i < y.values.size(); ++i) y.values[i] = fn(x->values[i]);
  RoundTensor(y);
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_ELEMENTWISE_COMMON_H_
