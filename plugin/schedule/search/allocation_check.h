// allocation_check.h: whether a schedule the search found gets buffer offsets.
//
// The evaluator checks capacity as a sum of bytes; the allocator must also place every
// residency at an aligned offset, which fragmentation can make impossible. The search
// asks these questions about the candidates it keeps, so every Program it returns is
// address-allocatable.
#ifndef SOMA_SCHEDULE_SEARCH_ALLOCATION_CHECK_H_
#define SOMA_SCHEDULE_SEARCH_ALLOCATION_CHECK_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "schedule/notation.h"
#include "schedule/search/search_inputs.h"
#include "schedule/search/stage1_search.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// OK when the Program of `dram` on `model`, evaluated with a buffer of `usable_bytes`,
/// gets offsets in the whole buffer; the evaluator's or the allocator's error otherwise.
absl::Status CheckAllocatable(const TilingModel& model, const DramPlan& dram, int64_t usable_bytes,
                              const SearchInputs& inputs);

/// A Stage1Options::accept_best that accepts a plan whose default DRAM plan passes
/// CheckAllocatable at `usable_bytes`. `evaluator` must outlive the result.
std::function<bool(const FusionPlan&)> DefaultTimingAllocates(FusionEvaluator& evaluator,
                                                              int64_t usable_bytes,
                                                              const SearchInputs& inputs);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_ALLOCATION_CHECK_H_
