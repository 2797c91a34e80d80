// shape_rules.h: the canonical NCHW layout of ONNX shapes and numpy-style broadcasting.
#ifndef SOMA_IMPORTER_SHAPE_RULES_H_
#define SOMA_IMPORTER_SHAPE_RULES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "graph/box.h"

namespace soma::importer {

/// Maps an ONNX shape of rank 0 to 4 onto the canonical rank-4 NCHW layout: [] → [1, 1, 1, 1],
/// [C] → [1, C, 1, 1], [N, C] → [N, C, 1, 1], [N, C, L] → [N, C, L, 1]. Returns nullopt for
/// rank 5 and above.
std::optional<graph::Shape> CanonicalShape(const std::vector<int64_t>& dims);

/// Prepends ones to `dims` until it has `rank` entries (ONNX right-aligned broadcasting).
/// Requires: dims.size() <= rank.
std::vector<int64_t> AlignToRank(const std::vector<int64_t>& dims, size_t rank);

/// The numpy-style broadcast of `a` and `b`, or nullopt when a pair of extents differs and
/// neither is 1.
std::optional<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                  const std::vector<int64_t>& b);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_SHAPE_RULES_H_
