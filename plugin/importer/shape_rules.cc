// shape_rules.cc: canonical layout and broadcasting of ONNX shapes.
#include "importer/shape_rules.h"

#include <algorithm>

namespace soma::importer {

graph::Shape CanonicalShape(const std::vector<int64_t>& dims) {
  switch (dims.size()) {
    case 0: return graph::Shape{1, 1, 1, 1};
    case 1: return graph::Shape{1, dims[0], 1, 1};
    case 2: return graph::Shape{dims[0], dims[1], 1, 1};
    case 3: return graph::Shape{dims[0] * dims[1], dims[2], 1, 1};
    case 4: return graph::Shape{dims[0], dims[1], dims[2], dims[3]};
    default: break;
  }
  const size_t rank = dims.size();
  int64_t leading = 1;
  for (size_t axis = 0; axis + 3 < rank; ++axis) leading *= dims[axis];
  return graph::Shape{leading, dims[rank - 3], dims[rank - 2], dims[rank - 1]};
}

std::optional<int64_t> ChannelAxis(size_t rank) {
  switch (rank) {
    case 0: return std::nullopt;
    case 1: return 0;
    case 2: return 1;
    case 3: return 2;
    case 4: return 1;
    default: return static_cast<int64_t>(rank) - 3;
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

bool CanonicalBroadcastMatches(const std::vector<int64_t>& operand,
                               const std::vector<int64_t>& output) {
  if (operand.size() > output.size()) return false;
  // A canonical extent merges several ONNX axes. It equals the output's merged extent only
  // when every merged axis does (operand extents never exceed the output's), and it is 1
  // only when every merged axis is, so the extent-wise check is exact.
  const graph::Shape operand_shape = CanonicalShape(AlignToRank(operand, output.size()));
  const graph::Shape output_shape = CanonicalShape(output);
  for (size_t axis = 0; axis < operand_shape.size(); ++axis) {
    if (operand_shape[axis] != output_shape[axis] && operand_shape[axis] != 1) return false;
  }
  return true;
}

}  // namespace soma::importer
