// tensor_layout.cc: boxes, strides and byte addresses of the elements a command touches.
#include "replay/tensor_layout.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::replay {

graph::Shape TensorShape(const stream::Tensor& tensor) {
  graph::Shape shape{1, 1, 1, 1};
  for (int d = 0; d < graph::kRank && d < tensor.shape_size(); ++d) shape[d] = tensor.shape(d);
  return shape;
}

bool HasRankFour(const stream::Box& proto) {
  return proto.lo_size() == graph::kRank && proto.hi_size() == graph::kRank;
}

graph::Box ToBox(const stream::Box& proto) {
  graph::Box box;
  for (int d = 0; d < graph::kRank; ++d) {
    box.lo[d] = proto.lo(d);
    box.hi[d] = proto.hi(d);
  }
  return box;
}

Strides DenseStrides(const graph::Shape& extents) {
  Strides strides;
  strides[graph::kW] = 1;
  for (int d = graph::kRank - 2; d >= 0; --d) strides[d] = strides[d + 1] * extents[d + 1];
  return strides;
}

int64_t FlatIndex(const graph::Shape& shape, const Coordinate& coordinate) {
  int64_t index = 0;
  for (int d = 0; d < graph::kRank; ++d) index = index * shape[d] + coordinate[d];
  return index;
}

Coordinate CoordinateOf(const graph::Shape& shape, int64_t flat_index) {
  Coordinate coordinate;
  for (int d = graph::kRank - 1; d >= 0; --d) {
    coordinate[d] = flat_index % shape[d];
    flat_index /= shape[d];
  }
  return coordinate;
}

std::string CoordinateToString(const Coordinate& coordinate) {
  return absl::StrCat("[", absl::StrJoin(coordinate, ", "), "]");
}

int64_t BufferAccess::LowestAddress() const {
  int64_t offset = 0;
  for (int d = 0; d < graph::kRank; ++d) {
    offset += std::min((box.lo[d] - origin[d]) * strides[d], (box.hi[d] - 1 - origin[d]) * strides[d]);
  }
  return base_address + offset * element_bytes;
}

int64_t BufferAccess::EndAddress() const {
  int64_t offset = 0;
  for (int d = 0; d < graph::kRank; ++d) {
    offset += std::max((box.lo[d] - origin[d]) * strides[d], (box.hi[d] - 1 - origin[d]) * strides[d]);
  }
  return base_address + (offset + 1) * element_bytes;
}

bool BufferAccess::IsInjective() const {
  struct Step {
    int64_t stride;
    int64_t extent;
  };
  std::vector<Step> steps;
  for (int d = 0; d < graph::kRank; ++d) {
    if (box.Extent(d) > 1) steps.push_back({strides[d] < 0 ? -strides[d] : strides[d], box.Extent(d)});
  }
  std::sort(steps.begin(), steps.end(),
            [](const Step& a, const Step& b) { return a.stride < b.stride; });
  int64_t span = 1;  // elements covered by the smaller dimensions
  for (const Step& step : steps) {
    if (step.stride < span) return false;
    span = step.stride * (step.extent - 1) + span;
  }
  return true;
}

std::optional<Coordinate> BufferAccess::CoordinateAt(int64_t address) const {
  if (box.IsEmpty() || address < base_address || (address - base_address) % element_bytes != 0) {
    return std::nullopt;
  }
  int64_t offset = (address - base_address) / element_bytes;
  // Dimensions of extent one contribute a fixed offset; the others are peeled off from the
  // largest stride down, which inverts an injective layout.
  Coordinate x;
  std::vector<int> dims;
  for (int d = 0; d < graph::kRank; ++d) {
    x[d] = box.lo[d];
    if (box.Extent(d) == 1 || strides[d] == 0) {
      offset -= (box.lo[d] - origin[d]) * strides[d];
    } else {
      dims.push_back(d);
    }
  }
  std::sort(dims.begin(), dims.end(), [&](int a, int b) { return strides[a] > strides[b]; });
  for (int d : dims) {
    if (offset < 0) return std::nullopt;
    x[d] = origin[d] + offset / strides[d];
    offset %= strides[d];
  }
  if (!BoxContainsPoint(box, x) || AddressOf(x) != address) return std::nullopt;
  return x;
}

BufferAccess DmaBufferAccess(const stream::Dma& dma, int64_t element_bytes) {
  BufferAccess access;
  access.tensor = static_cast<int>(dma.tensor());
  access.box = ToBox(dma.box());
  access.base_address = static_cast<int64_t>(dma.buffer_address());
  access.origin = access.box.lo;
  for (int d = 0; d < graph::kRank; ++d) access.strides[d] = dma.buffer_strides(d);
  access.element_bytes = element_bytes;
  return access;
}

BufferAccess OperandAccess(const stream::Operand& operand, const graph::Box& box,
                           int64_t element_bytes) {
  BufferAccess access;
  access.tensor = static_cast<int>(operand.tensor());
  access.box = box;
  access.base_address = static_cast<int64_t>(operand.region_address());
  const graph::Box region = ToBox(operand.region());
  access.origin = region.lo;
  access.strides = DenseStrides(region.Extents());
  access.element_bytes = element_bytes;
  return access;
}

}  // namespace soma::replay
