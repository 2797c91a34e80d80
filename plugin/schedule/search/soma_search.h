// soma_search.h: the soma strategy: SoMa's two-stage search with buffer-ratio passes,
// run on several threads, with address allocation inside the search.
//
// Passes (each with its own random stream derived from the seed and the pass index):
//   - the Cocco pass: the Cocco search (the same one as the cocco strategy), then Stages 2
//     and 3 on its result;
//   - the refined Cocco pass: Stage 1 at the full buffer from the Cocco result, so its
//     groups may gain sub-groups, then Stages 2 and 3. Under a time limit too short for
//     Stage 1 to get far from lbl, it starts from a far better plan;
//   - pass 0: Stage 1 at the full buffer from the lbl plan, then Stages 2 and 3;
//   - passes 1..k: Stage 1 at r0 * 0.9^i of the buffer (r0 = peak of pass 0's Stage-1
//     result / buffer) from the lbl plan of that capacity, then Stages 2 and 3 at the full
//     buffer; Stage 1 leaves headroom that Stage 2 spends on earlier loads and later
//     stores.
// A pass's result must be address-allocatable. Stage 1 keeps the best plan whose
// default-timing Program allocates (Stage1Options::accept_best). When the Program of the
// Stage-3 result does not allocate, the pass tries the earlier Stage-2 bests, which use
// the buffer less. When none of them allocates, the pass repairs its DRAM plan to 10%
// less usable capacity (not below the default plan's peak) and runs Stages 2 and 3 again
// with a quarter of the rounds. After a few such attempts it keeps the default DRAM
// timing. The fastest allocatable result wins, ties by
// pass order (pass 0..k, the Cocco pass, the refined Cocco pass, the plain Cocco result,
// then the lbl schedule).
// The passes run on ScheduleOptions::threads threads and merge in pass order, so the
// result does not depend on the thread count.
//
// Time limit (ScheduleOptions::time_limit_seconds): the stages stop at kStagesTimeShare
// of the limit (search_budget.h). The Cocco search runs first and may use all of that
// time, exactly as the cocco strategy's search does. Each other pass starts with an
// equal share of the time left, except the refined Cocco pass, which starts last with all
// the time left. Passes that would start after the stages' share are skipped. After the limit a pass runs no more allocation checks and yields no result.
// The search therefore ends within the limit plus the time of one candidate evaluation and
// one allocation check per thread. The candidates always include the lbl schedule and
// the plain Cocco result, so soma is never slower than lbl. It is never slower than cocco
// either, with one exception: when the limit cuts both Cocco searches short, they can
// stop a few rounds apart.
//
// DMA chunks: weight loads above ScheduleOptions::dma_chunk_bytes are split into chunks
// (TilingOptions::dma_chunk_bytes), each with its own place in the queue order, DMA queue
// and lifetime start. By default the chunk is what one DMA queue moves during the mean
// compute tile of the lbl schedule (DefaultDmaChunkBytes), so that a long weight load can
// interleave with the inputs and outputs that the next tiles need.
#ifndef SOMA_SCHEDULE_SEARCH_SOMA_SEARCH_H_
#define SOMA_SCHEDULE_SEARCH_SOMA_SEARCH_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "schedule/cost_functions.h"
#include "schedule/program.h"
#include "schedule/strategy.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// Smallest DMA chunk DefaultDmaChunkBytes returns.
inline constexpr int64_t kMinDmaChunkBytes = 16 * 1024;

/// Bytes one DMA queue moves during the mean compute tile of `model` (at least
/// kMinDmaChunkBytes).
int64_t DefaultDmaChunkBytes(const TilingModel& model, const CostFunctions& costs);

/// The soma strategy. Errors: those of the lbl planner when nothing fits the buffer.
absl::StatusOr<Program> ScheduleSoma(const graph::LayerGraph& graph, const CostFunctions& costs,
                                     int64_t capacity_bytes, const ScheduleOptions& options);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_SOMA_SEARCH_H_
