// program_fingerprint.h: a text rendering of every field of a Program, so tests can
// compare two Programs for equality.
#ifndef SOMA_TESTS_SCHEDULE_PROGRAM_FINGERPRINT_H_
#define SOMA_TESTS_SCHEDULE_PROGRAM_FINGERPRINT_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "schedule/program.h"

namespace soma::testing {

inline std::string ProgramFingerprint(const schedule::Program& program) {
  std::string text = absl::StrCat(program.schedule.strategy, " latency ", program.latency_cycles,
                                  " energy ", program.energy_pj, " dram ", program.dram_bytes,
                                  " peak ", program.peak_buffer_bytes, "\n");
  const schedule::FusionPlan& fusion = program.schedule.fusion;
  for (size_t index = 0; index < fusion.order.size(); ++index) {
    absl::StrAppend(&text, fusion.order[index], fusion.group_starts[index] ? "G" : "",
                    fusion.subgroup_starts[index] ? "S" : "", " ");
  }
  for (size_t index = 0; index < fusion.tile_counts.size(); ++index) {
    absl::StrAppend(&text, "x", fusion.tile_counts[index], "/", fusion.channel_splits[index], "/",
                    fusion.reduction_splits[index], " ");
  }
  absl::StrAppend(&text, "\norder");
  for (int transfer : program.schedule.dram.order) absl::StrAppend(&text, " ", transfer);
  for (const schedule::Residency& residency : program.residencies) {
    absl::StrAppend(&text, "\nR ", static_cast<int>(residency.kind), " ", residency.tensor, " ",
                    residency.box.ToString(), " ", residency.bytes, " [",
                    residency.lifetime.start, ",", residency.lifetime.end, "] ", residency.origin);
  }
  for (size_t index = 0; index < program.compute_ops.size(); ++index) {
    const schedule::ComputeOp& op = program.compute_ops[index];
    absl::StrAppend(&text, "\nC ", op.layer, " ", op.tile, " ", op.output_box.ToString(), " ",
                    op.cycles, " ", op.accumulate, op.final_partial, " [",
                    program.compute_timing[index].start_cycle, ",",
                    program.compute_timing[index].end_cycle, "]");
    for (const schedule::Operand& input : op.inputs) {
      absl::StrAppend(&text, " i", input.residency, input.box.ToString());
    }
    if (op.weight) absl::StrAppend(&text, " w", op.weight->residency, op.weight->box.ToString());
    for (int output : op.output_residencies) absl::StrAppend(&text, " o", output);
    for (const schedule::OpRef& wait : program.compute_waits[index]) {
      absl::StrAppend(&text, " wait", static_cast<int>(wait.kind), ":", wait.index);
    }
  }
  for (size_t index = 0; index < program.transfers.size(); ++index) {
    const schedule::TransferOp& op = program.transfers[index];
    absl::StrAppend(&text, "\nT ", op.key.ToString(), " q", op.queue, " r", op.residency, " ",
                    op.box.ToString(), " ", op.bytes, " [", program.transfer_timing[index].start_cycle,
                    ",", program.transfer_timing[index].end_cycle, "]");
    for (const schedule::OpRef& wait : program.transfer_waits[index]) {
      absl::StrAppend(&text, " wait", static_cast<int>(wait.kind), ":", wait.index);
    }
  }
  return text;
}

}  // namespace soma::testing

#endif  // SOMA_TESTS_SCHEDULE_PROGRAM_FINGERPRINT_H_
