// shape_rules.h: the canonical rank-4 layout of ONNX shapes and numpy-style broadcasting.
#ifndef SOMA_IMPORTER_SHAPE_RULES_H_
#define SOMA_IMPORTER_SHAPE_RULES_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "graph/box.h"

namespace soma::importer {

/// Maps ONNX dims onto the canonical rank-4 shape, a row-major view of the same elements:
/// [] -> (1, 1, 1, 1), [C] -> (1, C, 1, 1), [N, C] -> (N, C, 1, 1), [d0, d1, d2] ->
/// (d0*d1, d2, 1, 1) (rows x features), [N, C, H, W] unchanged, and rank r >= 5 ->
/// (d0*...*d(r-4), d(r-3), d(r-2), d(r-1)).
graph::Shape CanonicalShape(const std::vector<int64_t>& dims);

/// The ONNX axis that the canonical shape maps to C: 0 for rank 1, 1 for ranks 2 and 4,
/// 2 for rank 3, r-3 for rank r >= 5. Nullopt for rank 0.
std::optional<int64_t> ChannelAxis(size_t rank);

/// Prepends ones to `dims` until it has `rank` entries (ONNX right-aligned broadcasting).
/// Requires: dims.size() <= rank.
std::vector<int64_t> AlignToRank(const std::vector<int64_t>& dims, size_t rank);

/// The numpy-style broadcast of `a` and `b`, or nullopt when a pair of extents differs and
/// neither is 1.
std::optional<std::vector<int64_t>> BroadcastDims(const std::vector<int64_t>& a,
                                                  const std::vector<int64_t>& b);

/// True when an operand of ONNX dims `operand` broadcast to `output` (numpy rules) reads the
/// same elements as its canonical shape broadcast to the output's canonical shape, i.e. each
/// canonical extent of the aligned operand equals the output's or is 1.
bool CanonicalBroadcastMatches(const std::vector<int64_t>& operand,
                               const std::vector<int64_t>& output);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_SHAPE_RULES_H_
