// box_codec.h: graph boxes and shapes in the stream's terms (proto boxes, dense strides,
// linear element offsets).
#ifndef SOMA_CODEGEN_BOX_CODEC_H_
#define SOMA_CODEGEN_BOX_CODEC_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "graph/box.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Element strides of a dense NCHW array.
using Strides = std::array<int64_t, graph::kRank>;

/// Writes `box` into `proto` (four `lo` and four `hi` values).
void EncodeBox(const graph::Box& box, stream::Box* proto);
/// Reads a proto box. InvalidArgument, starting with `context`, when it does not have four
/// `lo` and four `hi` values.
absl::StatusOr<graph::Box> DecodeBox(const stream::Box& proto, const std::string& context);

/// Strides of a dense NCHW array of extents `shape`: {C*H*W, H*W, W, 1}.
Strides DenseStrides(const graph::Shape& shape);
/// Element offset of `index` in a dense array that stores `region` (extents of `region`).
/// Requires: `region` contains `index`.
int64_t DenseOffset(const graph::Box& region, const std::array<int64_t, graph::kRank>& index);
/// Element offset, relative to the first element of `box`, of the last element of `box` in an
/// array with `strides`. A strided access of `box` touches this many elements plus one.
int64_t LastElementOffset(const graph::Box& box, const Strides& strides);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_BOX_CODEC_H_
