// bench_replay.h: the npu-replay checks of a benchmark schedule, run in process: buffer
// allocation, command-stream emission, then the structural and the timing replay.
#ifndef SOMA_TOOLS_BENCH_BENCH_REPLAY_H_
#define SOMA_TOOLS_BENCH_BENCH_REPLAY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"

namespace soma::bench {

struct ReplayCheck {
  /// Latency of the timing replay.
  int64_t latency_cycles = 0;
};

/// Allocates `program`'s buffer, emits its command stream and replays it. Returns the
/// timing replay's latency when both levels find nothing and the replayed latency equals
/// the program's. DataLoss carries the first finding (or the latency mismatch) of the
/// level that failed; other codes come from the allocator or codegen.
absl::StatusOr<ReplayCheck> CheckByReplay(const graph::LayerGraph& graph,
                                          const schedule::Program& program,
                                          const arch::ArchConfig& config);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_BENCH_REPLAY_H_
