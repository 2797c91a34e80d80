// allocation_check.cc: allocation checks of search candidates.
#include "schedule/search/allocation_check.h"

#include "alloc/buffer_allocation.h"
#include "schedule/program_builder.h"
#include "soma/status_macros.h"

namespace soma::schedule {

absl::Status CheckAllocatable(const TilingModel& model, const DramPlan& dram, int64_t usable_bytes,
                              const SearchInputs& inputs) {
  ASSIGN_OR_RETURN(const Program program, BuildProgram(model, dram, usable_bytes, "search"));
  return alloc::AllocateBuffer(program, inputs.capacity_bytes, inputs.costs.alignment_bytes)
      .status();
}

std::function<bool(const FusionPlan&, const Metrics&)> DefaultTimingAllocates(
    FusionEvaluator& evaluator, int64_t usable_bytes, const SearchInputs& inputs) {
  return [&evaluator, usable_bytes, &inputs](const FusionPlan& plan, const Metrics& metrics) {
    if (static_cast<double>(metrics.peak_buffer_bytes) <=
        kUncheckedPeakFraction * static_cast<double>(inputs.capacity_bytes)) {
      return true;
    }
    absl::StatusOr<TilingModel> model = evaluator.Build(plan);
    return model.ok() &&
           CheckAllocatable(*model, model->DefaultDramPlan(), usable_bytes, inputs).ok();
  };
}

}  // namespace soma::schedule
