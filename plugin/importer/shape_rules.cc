// shape_rules.cc: canonical layout and broadcasting of ONNX shapes.
#include "importer/shape_rules.h"

#include <algorithm>

namespace soma::importer {

std::optional<graph::Shape> CanonicalShape(const std::vector<int64_t>& dims) {
  switch (dims.size()) {
    case 0: return graph::Shape{1, 1, 1, 1};
    case 1: return graph::Shape{1, dims[0], 1, 1};
    case 2: return graph::Shape{dims[0], dims[1], 1, 1};
    case 3: return graph::Shape{dims[0], dims[1], dims[2], 1};
    case 4: return graph::Shape{dims[0], dims[1], dims[2], dims[3]};
    default: return std::nullopt;
  }
}

std::vector<int64_t> AlignToRank(const std::vector<int64_t>& dims, size_t rank) {
  std::vector<int64_t> aligned(rank - dims.size(), 1);
  aligned.insert(aligned.end(), dims.begin(), dims.end());
  return aligned;
}

std::optional<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                  const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  const std::vector<int64_t> left = AlignToRank(a, rank);
  const std::vector<int64_t> right = AlignToRank(b, rank);
  std::vector<int64_t> result(rank);
  for (size_t axis = 0; axis < rank; ++axis) {
    if (left[axis] == right[axis] || right[axis] == 1) {
      result[axis] = left[axis];
    } else if (left[axis] == 1) {
      result[axis] = right[axis];
    } else {
      return std::nullopt;
    }
  }
  return result;
}

}  // namespace soma::importer
