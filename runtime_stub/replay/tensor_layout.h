// tensor_layout.h: boxes, strides and byte addresses of the elements a command touches.
//
// A buffer access places element x of a box at byte address
//   base_address + sum_d (x[d] - origin[d]) * strides[d] * element_bytes,
// which covers both DMA descriptors (origin = box.lo, explicit buffer strides) and compute
// operands (origin = region.lo, dense strides of the region's extents).
#ifndef SOMA_REPLAY_TENSOR_LAYOUT_H_
#define SOMA_REPLAY_TENSOR_LAYOUT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "graph/box.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

/// Element strides of the four NCHW dimensions.
using Strides = std::array<int64_t, graph::kRank>;
/// A tensor coordinate (n, c, h, w).
using Coordinate = std::array<int64_t, graph::kRank>;

/// Canonical shape of a stream tensor. Requires: the tensor has four extents.
graph::Shape TensorShape(const stream::Tensor& tensor);
/// A proto box as a graph box. Requires: four `lo` and four `hi` values.
graph::Box ToBox(const stream::Box& proto);
/// True when the proto box has exactly four `lo` and four `hi` values.
bool HasRankFour(const stream::Box& proto);
/// Strides of a dense NCHW array of `extents`: {C*H*W, H*W, W, 1}.
Strides DenseStrides(const graph::Shape& extents);
/// Flat NCHW index of `coordinate` in a tensor of `shape`.
int64_t FlatIndex(const graph::Shape& shape, const Coordinate& coordinate);
/// "[n, c, h, w]".
std::string CoordinateToString(const Coordinate& coordinate);
/// The coordinate of flat NCHW index `flat_index` in a tensor of `shape`.
Coordinate CoordinateOf(const graph::Shape& shape, int64_t flat_index);

/// Placement of the elements of `box` of `tensor` in the global buffer.
struct BufferAccess {
  int tensor = -1;
  graph::Box box;
  int64_t base_address = 0;
  Coordinate origin{0, 0, 0, 0};
  Strides strides{0, 0, 0, 0};
  int64_t element_bytes = 1;

  /// Byte address of element `x`. Requires: `box` contains `x`.
  int64_t AddressOf(const Coordinate& x) const {
    int64_t offset = 0;
    for (int d = 0; d < graph::kRank; ++d) offset += (x[d] - origin[d]) * strides[d];
    return base_address + offset * element_bytes;
  }
  /// Lowest byte address the access touches. Requires: `box` is non-empty.
  int64_t LowestAddress() const;
  /// One past the highest byte address the access touches. Requires: `box` is non-empty.
  int64_t EndAddress() const;
  /// True when no two elements of `box` share a byte: the dimensions with an extent above
  /// one, sorted by stride, each step over the whole span of the smaller ones.
  bool IsInjective() const;
  /// The element of `box` stored at byte `address`, if any.
  /// Requires: IsInjective() and non-negative strides.
  std::optional<Coordinate> CoordinateAt(int64_t address) const;
};

/// The access of DMA `dma` to the buffer.
BufferAccess DmaBufferAccess(const stream::Dma& dma, int64_t element_bytes);
/// The access of compute operand `operand` to `box` inside its dense region.
BufferAccess OperandAccess(const stream::Operand& operand, const graph::Box& box,
                           int64_t element_bytes);

/// True when `box` contains the point `x`.
inline bool BoxContainsPoint(const graph::Box& box, const Coordinate& x) {
  for (int d = 0; d < graph::kRank; ++d) {
    if (x[d] < box.lo[d] || x[d] >= box.hi[d]) return false;
  }
  return true;
}

/// Calls `visit(x, address)` for every element of `access.box` in NCHW order; stops early
/// and returns false when `visit` returns false.
template <typename Visitor>
bool ForEachElement(const BufferAccess& access, Visitor&& visit) {
  const graph::Box& box = access.box;
  if (box.IsEmpty()) return true;
  const int64_t step_bytes = access.strides[graph::kW] * access.element_bytes;
  Coordinate x;
  for (x[0] = box.lo[0]; x[0] < box.hi[0]; ++x[0]) {
    for (x[1] = box.lo[1]; x[1] < box.hi[1]; ++x[1]) {
      for (x[2] = box.lo[2]; x[2] < box.hi[2]; ++x[2]) {
        x[3] = box.lo[3];
        int64_t address = access.AddressOf(x);
        for (; x[3] < box.hi[3]; ++x[3], address += step_bytes) {
          if (!visit(static_cast<const Coordinate&>(x), address)) return false;
        }
      }
    }
  }
  return true;
}

}  // namespace soma::replay

#endif  // SOMA_REPLAY_TENSOR_LAYOUT_H_
