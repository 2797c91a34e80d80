// allocation_check.cc: allocation checks of search candidates.
#include "schedule/search/allocation_check.h"

#include "alloc/buffer_allocation.h"
#include "schedule/program_builder.h"
#include "soma/status_macros.h"

namespace soma::schedule {

absl::StatusOr<Program> BuildAllocatableProgram(const TilingModel& model, const DramPlan& dram,
                                                int64_t usable_bytes, const SearchInputs& inputs,
                                                const std::string& strategy) {
  ASSIGN_OR_RETURN(Program program, BuildProgram(model, dram, usable_bytes, strategy));
  RETURN_IF_ERROR(
      alloc::AllocateBuffer(program, inputs.capacity_bytes, inputs.costs.alignment_bytes).status());
  return program;
}

absl::Status CheckAllocatable(const TilingModel& model, const DramPlan& dram, int64_t usable_bytes,
                              const SearchInputs& inputs) {
  return BuildAllocatableProgram(model, dram, usable_bytes, inputs, "search").status();
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
