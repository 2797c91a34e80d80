// tile_cut.cc: Step A of the SoMa parsing method, cutting an output into tiles.
#include "schedule/tile_cut.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "absl/strings/str_cat.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

// True when ceil(extent / parts)-sized parts leave none of the `parts` empty.
bool CutsWithoutEmptyPart(int64_t extent, int64_t parts) {
  if (parts > extent) return false;
  const int64_t part_size = (extent + parts - 1) / parts;
  return (parts - 1) * part_size < extent;
}

struct Factors {
  int64_t rows = 1;
  int64_t columns = 1;
};

// Distance of the tile's aspect ratio (height / fh) : (width / fw) from 1, as the fraction
// max(a, b) / min(a, b) with a = height * fw and b = width * fh.
struct AspectError {
  __int128 numerator;
  __int128 denominator;
};

AspectError ErrorOf(int64_t height, int64_t width, const Factors& factors) {
  const __int128 a = static_cast<__int128>(height) * factors.columns;
  const __int128 b = static_cast<__int128>(width) * factors.rows;
  return a >= b ? AspectError{a, b} : AspectError{b, a};
}

bool IsSmaller(const AspectError& x, const AspectError& y) {
  return x.numerator * y.denominator < y.numerator * x.denominator;
}

bool IsEqual(const AspectError& x, const AspectError& y) {
  return x.numerator * y.denominator == y.numerator * x.denominator;
}

// The factor pair rows * columns == count that leaves no tile empty and whose tiles are
// closest to square; a tie goes to more rows.
std::optional<Factors> ChooseSpatialFactors(int64_t height, int64_t width, int64_t count) {
  std::optional<Factors> best;
  AspectError best_error{0, 1};
  for (int64_t rows = 1; rows <= std::min(count, height); ++rows) {
    if (count % rows != 0) continue;
    const Factors factors{rows, count / rows};
    if (!CutsWithoutEmptyPart(height, factors.rows) ||
        !CutsWithoutEmptyPart(width, factors.columns)) {
      continue;
    }
    const AspectError error = ErrorOf(height, width, factors);
    if (!best || IsSmaller(error, best_error) ||
        (IsEqual(error, best_error) && factors.rows > best->rows)) {
      best = factors;
      best_error = error;
    }
  }
  return best;
}

}  // namespace

absl::StatusOr<std::vector<IndexRange>> SplitRange(int64_t extent, int parts) {
  if (parts < 1 || !CutsWithoutEmptyPart(extent, parts)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot split ", extent, " elements into ",
                                                   parts, " non-empty parts of equal size"));
  }
  const int64_t part_size = (extent + parts - 1) / parts;
  std::vector<IndexRange> ranges(parts);
  for (int part = 0; part < parts; ++part) {
    ranges[part].lo = part * part_size;
    ranges[part].hi = std::min(extent, (part + 1) * part_size);
  }
  return ranges;
}

namespace {

// How CutIntoTiles splits a shape: parts per batch, rows and columns.
struct CutFactors {
  int64_t batch_parts = 1;
  Factors spatial;
};

absl::StatusOr<CutFactors> ChooseCut(const graph::Shape& shape, int tile_count) {
  if (tile_count < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile count ", tile_count, " is invalid; it must be at least 1"));
  }
  const int64_t batch = shape[graph::kN];
  const int64_t height = shape[graph::kH];
  const int64_t width = shape[graph::kW];
  CutFactors cut;
  cut.batch_parts = std::gcd(batch, static_cast<int64_t>(tile_count));
  const std::optional<Factors> spatial =
      ChooseSpatialFactors(height, width, tile_count / cut.batch_parts);
  if (!spatial) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile count too large: ", tile_count, " tiles of an output of shape ",
        graph::ShapeToString(shape), " leave some tile empty; use fewer tiles (at most B*H*W = ",
        batch * height * width, ", with H and W split into factors that divide them evenly)"));
  }
  cut.spatial = *spatial;
  return cut;
}

}  // namespace

absl::StatusOr<std::vector<graph::Box>> CutIntoTiles(const graph::Shape& shape, int tile_count) {
  ASSIGN_OR_RETURN(const CutFactors cut, ChooseCut(shape, tile_count));
  auto batch_ranges = SplitRange(shape[graph::kN], static_cast<int>(cut.batch_parts));
  auto row_ranges = SplitRange(shape[graph::kH], static_cast<int>(cut.spatial.rows));
  auto column_ranges = SplitRange(shape[graph::kW], static_cast<int>(cut.spatial.columns));

  std::vector<graph::Box> boxes;
  boxes.reserve(tile_count);
  for (const IndexRange& b : *batch_ranges) {
    for (const IndexRange& h : *row_ranges) {
      for (const IndexRange& w : *column_ranges) {
        graph::Box box;
        box.lo = {b.lo, 0, h.lo, w.lo};
        box.hi = {b.hi, shape[graph::kC], h.hi, w.hi};
        boxes.push_back(box);
      }
    }
  }
  return boxes;
}

absl::StatusOr<graph::Box> FirstTileOf(const graph::Shape& shape, int tile_count) {
  ASSIGN_OR_RETURN(const CutFactors cut, ChooseCut(shape, tile_count));
  const auto first_part = [](int64_t extent, int64_t parts) {
    return std::min(extent, (extent + parts - 1) / parts);
  };
  graph::Box box;
  box.hi = {first_part(shape[graph::kN], cut.batch_parts), shape[graph::kC],
            first_part(shape[graph::kH], cut.spatial.rows),
            first_part(shape[graph::kW], cut.spatial.columns)};
  return box;
}

int LargestPowerOfTwoTileCount(const graph::Shape& shape, int limit) {
  int best = 1;
  for (int64_t count = 2; count <= limit; count *= 2) {
    const int64_t batch_parts = std::gcd(shape[graph::kN], count);
    if (ChooseSpatialFactors(shape[graph::kH], shape[graph::kW], count / batch_parts)) {
      best = static_cast<int>(count);
    }
  }
  return best;
}

}  // namespace soma::schedule
