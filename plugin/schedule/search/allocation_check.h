// allocation_check.h: whether a schedule the search found gets buffer offsets.
//
// The evaluator checks capacity as a sum of bytes, but the allocator must also place every
// residency at an aligned offset, which fragmentation can make impossible. The search
// runs these checks on the candidates it keeps, so every Program it returns is
// address-allocatable.
#ifndef SOMA_SCHEDULE_SEARCH_ALLOCATION_CHECK_H_
#define SOMA_SCHEDULE_SEARCH_ALLOCATION_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "schedule/notation.h"
#include "schedule/program.h"
#include "schedule/search/search_inputs.h"
#include "schedule/search/stage1_search.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// Builds the Program of `dram` on `model` with a buffer of `usable_bytes`, labelled
/// `strategy`, and allocates it in the whole buffer. Returns the Program when it
/// allocates. Errors: the evaluator's or the allocator's.
absl::StatusOr<Program> BuildAllocatableProgram(const TilingModel& model, const DramPlan& dram,
                                                int64_t usable_bytes, const SearchInputs& inputs,
                                                const std::string& strategy);

/// BuildAllocatableProgram without the Program: OK when it allocates.
absl::Status CheckAllocatable(const TilingModel& model, const DramPlan& dram, int64_t usable_bytes,
                              const SearchInputs& inputs);

/// Peak buffer use, as a fraction of the buffer, up to which DefaultTimingAllocates
/// accepts a plan without running the allocator, because checking large plans is slow
/// (the allocator costs O(n k log k) for n residencies of which k overlap).
/// NOTE: with this much room interval packing has not failed on the models tried, but
/// nothing guarantees it. A pass whose fallback then fails to allocate yields no result,
/// and the Program a search returns is always checked.
inline constexpr double kUncheckedPeakFraction = 0.85;

/// A Stage1Options::accept_best that accepts a plan whose default DRAM plan passes
/// CheckAllocatable at `usable_bytes`, or peaks at most at kUncheckedPeakFraction of the
/// buffer. `evaluator` must outlive the result.
std::function<bool(const FusionPlan&, const Metrics&)> DefaultTimingAllocates(
    FusionEvaluator& evaluator, int64_t usable_bytes, const SearchInputs& inputs);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_ALLOCATION_CHECK_H_
