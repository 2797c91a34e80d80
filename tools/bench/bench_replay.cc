// bench_replay.cc: allocation, codegen, structural and timing replay of one schedule.
#include "bench/bench_replay.h"

#include "absl/strings/str_cat.h"
#include "alloc/buffer_allocation.h"
#include "codegen/codegen.h"
#include "replay/finding.h"
#include "replay/structural_replay.h"
#include "replay/timing_replay.h"
#include "soma/status_macros.h"

namespace soma::bench {

namespace {

// DataLoss naming the level and its first finding, or OK when the report has none.
template <typename Report>
absl::Status FindingsToStatus(const Report& report, const char* level) {
  if (report.ok()) return absl::OkStatus();
  const int64_t count =
      static_cast<int64_t>(report.findings.size()) + report.dropped_finding_count;
  std::string message = absl::StrCat("the ", level, " replay found ", count,
                                     count == 1 ? " mismatch" : " mismatches");
  if (!report.findings.empty()) {
    const replay::Finding& first = report.findings.front();
    absl::StrAppend(&message, "; the first: ", replay::FindingKindName(first.kind), ": ",
                    first.message);
  }
  return absl::DataLossError(message);
}

}  // namespace

absl::StatusOr<ReplayCheck> CheckByReplay(const graph::LayerGraph& graph,
                                          const schedule::Program& program,
                                          const arch::ArchConfig& config) {
  ASSIGN_OR_RETURN(alloc::BufferAllocation allocation,
                   alloc::AllocateBuffer(program, config.buffer_bytes,
                                         config.buffer_alignment_bytes));
  RETURN_IF_ERROR(allocation.Verify(program, config.buffer_bytes, config.buffer_alignment_bytes));
  ASSIGN_OR_RETURN(stream::CommandStream command_stream,
                   codegen::EmitCommandStream(graph, program, allocation, config));

  ASSIGN_OR_RETURN(replay::StructuralReport structural, replay::ReplayStructural(command_stream));
  RETURN_IF_ERROR(FindingsToStatus(structural, "structural"));
  ASSIGN_OR_RETURN(replay::TimingReport timing, replay::ReplayTiming(command_stream));
  RETURN_IF_ERROR(FindingsToStatus(timing, "timing"));
  if (timing.latency_cycles != program.latency_cycles) {
    return absl::DataLossError(absl::StrCat("the timing replay took ", timing.latency_cycles,
                                            " cycles but the schedule estimates ",
                                            program.latency_cycles, " cycles"));
  }
  return ReplayCheck{timing.latency_cycles};
}

}  // namespace soma::bench
