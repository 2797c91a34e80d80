// box.h: four-dimensional half-open index boxes over NCHW tensors.
//
// Every activation tensor in the LayerGraph has the canonical rank-4 layout (N, C, H, W).
// Tiling, fusion, codegen and replay describe regions of tensors as boxes; a box is
// half-open, so `lo[d] <= index < hi[d]` in each dimension d.
#ifndef SOMA_GRAPH_BOX_H_
#define SOMA_GRAPH_BOX_H_

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace soma::graph {

inline constexpr int kRank = 4;
enum Dim : int { kN = 0, kC = 1, kH = 2, kW = 3 };

/// Extents of a canonical (N, C, H, W) tensor, in elements.
using Shape = std::array<int64_t, kRank>;

/// Product of the extents of `shape`.
int64_t ElementCount(const Shape& shape);
std::string ShapeToString(const Shape& shape);
/// The extents of `shape` as a dims vector, N first.
std::vector<int64_t> ShapeDims(const Shape& shape);

/// A half-open region `[lo, hi)` of a rank-4 tensor.
struct Box {
  std::array<int64_t, kRank> lo{0, 0, 0, 0};
  std::array<int64_t, kRank> hi{0, 0, 0, 0};

  /// The box that covers a whole tensor of `shape`.
  static Box Full(const Shape& shape);

  int64_t Extent(int dim) const { return hi[dim] - lo[dim]; }
  Shape Extents() const { return {Extent(0), Extent(1), Extent(2), Extent(3)}; }
  int64_t Volume() const;
  bool IsEmpty() const;
  bool Contains(const Box& other) const;
  bool Overlaps(const Box& other) const;
  /// Largest box inside both; empty when they do not overlap.
  Box Intersect(const Box& other) const;
  /// Smallest box that holds both (the bounding box, not the set union).
  Box BoundingUnion(const Box& other) const;

  std::string ToString() const;
  friend bool operator==(const Box& a, const Box& b) { return a.lo == b.lo && a.hi == b.hi; }
  friend bool operator!=(const Box& a, const Box& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const Box& box);

}  // namespace soma::graph

#endif  // SOMA_GRAPH_BOX_H_
