// buffer_allocation.cc: buffer offsets for a Program's residencies, and their check.
//
// Only Program::residencies is read, so this library needs no code of the scheduler.
#include "alloc/buffer_allocation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "alloc/interval_packing.h"

namespace soma::alloc {

namespace {

using schedule::Residency;
using schedule::ResidencyKind;

const char* KindNoun(ResidencyKind kind) {
  switch (kind) {
    case ResidencyKind::kLoadedInput:
      return "loaded input";
    case ResidencyKind::kWeight:
      return "weights";
    case ResidencyKind::kTileOutput:
      return "tile output";
    case ResidencyKind::kFullMap:
      return "full map";
  }
  return "residency";
}

std::string Describe(const schedule::Program& program, int index) {
  const Residency& residency = program.residencies[index];
  return absl::StrCat("residency ", index, " (", KindNoun(residency.kind), " of '",
                      residency.origin, "', tensor ", residency.tensor, " box ",
                      residency.box.ToString(), ", ", residency.bytes, " bytes, lifetime [",
                      residency.lifetime.start, ", ", residency.lifetime.end, "])");
}

std::vector<PackingItem> ItemsOf(const schedule::Program& program) {
  std::vector<PackingItem> items;
  items.reserve(program.residencies.size());
  for (const Residency& residency : program.residencies) {
    items.push_back({residency.bytes, residency.lifetime.start, residency.lifetime.end});
  }
  return items;
}

}  // namespace

absl::Status BufferAllocation::Verify(const schedule::Program& program, int64_t capacity_bytes,
                                      int64_t alignment_bytes) const {
  if (offsets.size() != program.residencies.size()) {
    return absl::InternalError(absl::StrCat("buffer allocation has ", offsets.size(),
                                            " offsets for ", program.residencies.size(),
                                            " residencies"));
  }
  if (alignment_bytes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("buffer alignment must be at least 1 byte, found ", alignment_bytes));
  }
  const std::vector<PackingItem> items = ItemsOf(program);
  const std::optional<PackingViolation> violation =
      FindPackingViolation(items, offsets, capacity_bytes, alignment_bytes);
  if (!violation) return absl::OkStatus();
  const int item = violation->item;
  switch (violation->kind) {
    case PackingViolation::Kind::kMisaligned:
      return absl::InternalError(absl::StrCat("buffer allocation misaligned: ",
                                              Describe(program, item), " sits at offset ",
                                              offsets[item], ", not a multiple of ",
                                              alignment_bytes, " bytes"));
    case PackingViolation::Kind::kOutOfBounds:
      return absl::InternalError(absl::StrCat(
          "buffer allocation out of bounds: ", Describe(program, item), " occupies [",
          offsets[item], ", ", offsets[item] + items[item].bytes, ") of a ", capacity_bytes,
          "-byte buffer"));
    case PackingViolation::Kind::kOverlap:
      break;
  }
  const int other = violation->other;
  return absl::InternalError(absl::StrCat(
      "buffer allocation overlap at position ", violation->position, ": ",
      Describe(program, item), " at [", offsets[item], ", ", offsets[item] + items[item].bytes,
      ") collides with ", Describe(program, other), " at [", offsets[other], ", ",
      offsets[other] + items[other].bytes, ")"));
}

absl::StatusOr<BufferAllocation> AllocateBuffer(const schedule::Program& program,
                                                int64_t capacity_bytes, int64_t alignment_bytes) {
  if (alignment_bytes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("buffer alignment must be at least 1 byte, found ", alignment_bytes));
  }
  const std::vector<PackingItem> items = ItemsOf(program);
  PackingResult packing = PackIntervals(items, capacity_bytes, alignment_bytes);
  if (packing.failure) {
    const PackingFailure& failure = *packing.failure;
    std::vector<std::string> blockers;
    for (int blocker : failure.blockers) {
      blockers.push_back(absl::StrCat(Describe(program, blocker), " at offset ",
                                      packing.offsets[blocker]));
    }
    return absl::ResourceExhaustedError(absl::StrCat(
        "buffer allocation failed: ", Describe(program, failure.item), " finds no free range of ",
        items[failure.item].bytes, " bytes in the ", capacity_bytes,
        "-byte buffer; the largest free gap during its lifetime is ", failure.largest_gap_bytes,
        " bytes at offset ", failure.largest_gap_offset, "; largest residencies live then: ",
        blockers.empty() ? std::string("none") : absl::StrJoin(blockers, "; ")));
  }
  BufferAllocation allocation;
  allocation.offsets = std::move(packing.offsets);
  allocation.used_bytes = packing.used_bytes;
  return allocation;
}

}  // namespace soma::alloc
