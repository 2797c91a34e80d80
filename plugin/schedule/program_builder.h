// program_builder.h: turns an evaluated DramPlan into the Program that later stages read.
#ifndef SOMA_SCHEDULE_PROGRAM_BUILDER_H_
#define SOMA_SCHEDULE_PROGRAM_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "schedule/cost_functions.h"
#include "schedule/notation.h"
#include "schedule/program.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// Evaluates `plan` against `model` with a buffer of `capacity_bytes` and materialises
/// the Program: residencies with their lifetimes, compute ops, transfers, DMA queues,
/// timings, totals, and the waits of every operation reduced to a minimal set. The waits
/// follow the rules in program.h. A wait is dropped when the operation's queue order or
/// another kept wait already implies it (vector clocks over the queues), so dropping it
/// changes no timing. Errors: those of Evaluator::Explain.
absl::StatusOr<Program> BuildProgram(const TilingModel& model, const DramPlan& plan,
                                     int64_t capacity_bytes, const std::string& strategy);

/// Builds the TilingModel of `schedule.fusion` (chunking weight loads by
/// `schedule.dma_chunk_bytes`), then the Program of `schedule.dram`.
absl::StatusOr<Program> EvaluateSchedule(const graph::LayerGraph& graph, const Schedule& schedule,
                                         const CostFunctions& costs, int64_t capacity_bytes);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_PROGRAM_BUILDER_H_
