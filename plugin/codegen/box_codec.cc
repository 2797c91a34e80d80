// box_codec.cc: graph boxes and shapes in the stream's terms.
#include "codegen/box_codec.h"

#include "absl/strings/str_cat.h"

namespace soma::codegen {

void EncodeBox(const graph::Box& box, stream::Box* proto) {
  proto->Clear();
  for (int d = 0; d < graph::kRank; ++d) {
    proto->add_lo(box.lo[d]);
    proto->add_hi(box.hi[d]);
  }
}

absl::StatusOr<graph::Box> DecodeBox(const stream::Box& proto, const std::string& context) {
  if (proto.lo_size() != graph::kRank || proto.hi_size() != graph::kRank) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": box has ", proto.lo_size(), " lo and ", proto.hi_size(),
                     " hi values, expected ", graph::kRank, " of each (N, C, H, W)"));
  }
  graph::Box box;
  for (int d = 0; d < graph::kRank; ++d) {
    box.lo[d] = proto.lo(d);
    box.hi[d] = proto.hi(d);
  }
  return box;
}

Strides DenseStrides(const graph::Shape& shape) {
  Strides strides;
  int64_t stride = 1;
  for (int d = graph::kRank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

int64_t DenseOffset(const graph::Box& region, const std::array<int64_t, graph::kRank>& index) {
  const Strides strides = DenseStrides(region.Extents());
  int64_t offset = 0;
  for (int d = 0; d < graph::kRank; ++d) offset += (index[d] - region.lo[d]) * strides[d];
  return offset;
}

int64_t LastElementOffset(const graph::Box& box, const Strides& strides) {
  int64_t offset = 0;
  for (int d = 0; d < graph::kRank; ++d) offset += (box.Extent(d) - 1) * strides[d];
  return offset;
}

}  // namespace soma::codegen
