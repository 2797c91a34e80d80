// dense_region.h: element addressing inside a dense NCHW region of a tensor.
//
// Internal to soma_kernels. Kernels address operands in tensor coordinates; a view turns
// those coordinates into offsets inside the region that the operand stores.
#ifndef SOMA_KERNELS_DENSE_REGION_H_
#define SOMA_KERNELS_DENSE_REGION_H_

#include <array>
#include <cstdint>

#include "graph/box.h"

namespace soma::kernels {

/// Strides of a dense NCHW region and the offset of a tensor coordinate inside it.
class RegionLayout {
 public:
  explicit RegionLayout(const graph::Box& region)
      : lo_(region.lo),
        stride_h_(region.Extent(graph::kW)),
        stride_c_(region.Extent(graph::kH) * stride_h_),
        stride_n_(region.Extent(graph::kC) * stride_c_) {}

  /// Offset of tensor coordinate (n, c, h, w). Requires: the region contains it.
  int64_t Offset(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return (n - lo_[graph::kN]) * stride_n_ + (c - lo_[graph::kC]) * stride_c_ +
           (h - lo_[graph::kH]) * stride_h_ + (w - lo_[graph::kW]);
  }

  int64_t stride_n() const { return stride_n_; }
  int64_t stride_c() const { return stride_c_; }
  int64_t stride_h() const { return stride_h_; }

 private:
  std::array<int64_t, graph::kRank> lo_;
  int64_t stride_h_;
  int64_t stride_c_;
  int64_t stride_n_;
};

/// Read-only view of a dense region.
struct ConstRegionView {
  const float* data;
  RegionLayout layout;

  ConstRegionView(const float* data, const graph::Box& region) : data(data), layout(region) {}
  /// Pointer to element (n, c, h, w); consecutive w are contiguous.
  const float* At(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data + layout.Offset(n, c, h, w);
  }
};

/// Writable view of a dense region.
struct RegionView {
  float* data;
  RegionLayout layout;

  RegionView(float* data, const graph::Box& region) : data(data), layout(region) {}
  float* At(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data + layout.Offset(n, c, h, w);
  }
};

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_DENSE_REGION_H_
