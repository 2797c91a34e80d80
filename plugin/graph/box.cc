// box.cc: box arithmetic for rank-4 tensors.
#include "graph/box.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::graph {

int64_t ElementCount(const Shape& shape) {
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;
  return count;
}

std::string ShapeToString(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

std::vector<int64_t> ShapeDims(const Shape& shape) { return {shape.begin(), shape.end()}; }

Box Box::Full(const Shape& shape) {
  Box box;
  for (int d = 0; d < kRank; ++d) box.hi[d] = shape[d];
  return box;
}

int64_t Box::Volume() const {
  if (IsEmpty()) return 0;
  int64_t volume = 1;
  for (int d = 0; d < kRank; ++d) volume *= Extent(d);
  return volume;
}

bool Box::IsEmpty() const {
  for (int d = 0; d < kRank; ++d) {
    if (hi[d] <= lo[d]) return true;
  }
  return false;
}

bool Box::Contains(const Box& other) const {
  if (other.IsEmpty()) return true;
  for (int d = 0; d < kRank; ++d) {
    if (other.lo[d] < lo[d] || other.hi[d] > hi[d]) return false;
  }
  return true;
}

bool Box::Overlaps(const Box& other) const { return !Intersect(other).IsEmpty(); }

Box Box::Intersect(const Box& other) const {
  Box result;
  for (int d = 0; d < kRank; ++d) {
    result.lo[d] = std::max(lo[d], other.lo[d]);
    result.hi[d] = std::max(result.lo[d], std::min(hi[d], other.hi[d]));
  }
  return result;
}

Box Box::BoundingUnion(const Box& other) const {
  if (IsEmpty()) return other;
  if (other.IsEmpty()) return *this;
  Box result;
  for (int d = 0; d < kRank; ++d) {
    result.lo[d] = std::min(lo[d], other.lo[d]);
    result.hi[d] = std::max(hi[d], other.hi[d]);
  }
  return result;
}

std::string Box::ToString() const {
  std::string text = "[";
  for (int d = 0; d < kRank; ++d) {
    absl::StrAppend(&text, d == 0 ? "" : ",", lo[d], ":", hi[d]);
  }
  return text + "]";
}

std::ostream& operator<<(std::ostream& os, const Box& box) { return os << box.ToString(); }

}  // namespace soma::graph
