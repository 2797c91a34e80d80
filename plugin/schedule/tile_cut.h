// tile_cut.h: how an SLG's outputs are cut into tiles (batch, rows and columns, channel
// chunks, reduction slices).
#ifndef SOMA_SCHEDULE_TILE_CUT_H_
#define SOMA_SCHEDULE_TILE_CUT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/box.h"

namespace soma::schedule {

/// Cuts a tensor of `shape` into `tile_count` boxes with whole channels: the batch is split
/// first into g = gcd(B, tile_count) parts, then the remaining factor tile_count / g into
/// fh rows by fw columns, with fh * fw chosen so that fh / fw is closest to H / W (the
/// tiles come out closest to square; a tie goes to more rows). Every part has
/// ceil(extent / factor) elements except the last, which is clamped. Boxes are returned
/// batch part first, then row, then column. Only factor pairs that leave no tile empty
/// are considered. InvalidArgument `tile count too large` when every pair leaves one empty.
/// Requires: tile_count >= 1 and every extent of `shape` >= 1.
absl::StatusOr<std::vector<graph::Box>> CutIntoTiles(const graph::Shape& shape, int tile_count);

/// The first (and largest) box CutIntoTiles(shape, tile_count) returns, without building
/// the others. Same errors as CutIntoTiles.
absl::StatusOr<graph::Box> FirstTileOf(const graph::Shape& shape, int tile_count);

/// A half-open index range [lo, hi).
struct IndexRange {
  int64_t lo = 0;
  int64_t hi = 0;
  int64_t Size() const { return hi - lo; }
};

/// Splits [0, extent) into `parts` ranges of ceil(extent / parts) elements, the last one
/// clamped. InvalidArgument when a range would be empty (parts > extent, or the rounding
/// leaves the last part empty).
absl::StatusOr<std::vector<IndexRange>> SplitRange(int64_t extent, int parts);

/// The largest power of two `tile_count` (at most `limit`) for which CutIntoTiles succeeds.
int LargestPowerOfTwoTileCount(const graph::Shape& shape, int limit);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_TILE_CUT_H_
