// host_tensor.cc: element counts of host tensors.
#include "onnx_ops/host_tensor.h"

namespace soma::onnx_ops {

int64_t DimsProduct(const std::vector<int64_t>& dims) {
  int64_t product = 1;
  for (const int64_t dim : dims) product *= dim;
  return product;
}

int64_t HostTensor::ElementCount() const { return DimsProduct(dims); }

}  // namespace soma::onnx_ops
