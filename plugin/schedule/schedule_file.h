// schedule_file.h: the schedule notation as a JSON file, to pin or replay a schedule
// without searching.
//
// The file contains every field of the notation, with layers named as in the model:
//   {
//     "format": "soma-schedule", "version": 1, "model": "resnet50", "strategy": "soma",
//     "dma_chunk_bytes": 0,
//     "groups": [                        // LGs in order; each a list of SLGs
//       [ {"layers": ["conv1", "pool1"], "tiles": 4,
//          "channel_splits": 1, "reduction_splits": 1} ],
//       ...
//     ],
//     "dma_order": [                     // every DRAM transfer, in DMA order
//       {"kind": "load_weight", "layer": "conv1", "tile": 0, "chunk": 0, "queue": 0,
//        "lifetime": [-1, 1]},
//       {"kind": "load_input", "layer": "conv1", "tile": 0, "input": 0, "queue": 0,
//        "lifetime": [-1, 1]},
//       {"kind": "store_output", "layer": "pool1", "tile": 0, "queue": 1, "lifetime": [1, 3]},
//       ...
//     ]
//   }
// The layer order is the concatenation of the SLGs' layer lists. "input" appears only for
// load_input and "chunk" only for weight loads; a missing one means 0. Reading checks the
// notation against the model and names the first broken rule.
#ifndef SOMA_SCHEDULE_SCHEDULE_FILE_H_
#define SOMA_SCHEDULE_SCHEDULE_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arch/cost_model.h"
#include "graph/layer_graph.h"
#include "schedule/notation.h"
#include "schedule/program.h"

namespace soma::schedule {

/// One SLG of a schedule file.
struct ScheduleFileSubgroup {
  std::vector<std::string> layers;
  int tiles = 1;
  int channel_splits = 1;
  int reduction_splits = 1;
};

/// One DRAM transfer of a schedule file.
struct ScheduleFileTransfer {
  TransferKind kind = TransferKind::kLoadInput;
  std::string layer;
  int tile = 0;
  int input = 0;
  int chunk = 0;
  int queue = 0;
  Lifetime lifetime;
};

/// A schedule file as read, with layers still named.
struct ScheduleFile {
  std::string model;
  std::string strategy;
  int64_t dma_chunk_bytes = 0;
  /// LGs in order, each a list of SLGs.
  std::vector<std::vector<ScheduleFileSubgroup>> groups;
  /// Every transfer in DMA order.
  std::vector<ScheduleFileTransfer> dma_order;
};

/// The schedule of `program` as JSON text (the format above).
/// Requires: `program` was built for `graph`.
std::string WriteScheduleJson(const graph::LayerGraph& graph, const Program& program);

/// Parses a schedule file. InvalidArgument names the JSON error or the field that is
/// missing or of the wrong type, e.g. "groups[1][0].tiles".
absl::StatusOr<ScheduleFile> ReadScheduleJson(std::string_view text);

/// Compiles `file` for `graph` without searching: resolves the layer names, builds the
/// TilingModel and evaluates the DRAM plan against the buffer of `cost_model`.
/// InvalidArgument names the broken rule and the layer or transfer involved. The rules
/// are: known and unrepeated layer names, every layer listed, a topological order, tile
/// counts the tensors can be cut into, and every transfer of the plan listed once. Then
/// come the evaluator's rules: queues the hardware has, lifetimes in their legal ranges
/// (release and deadline), data dependencies, queue causality and the buffer capacity.
absl::StatusOr<Program> BuildProgramFromSchedule(const graph::LayerGraph& graph,
                                                 const arch::CostModel& cost_model,
                                                 const ScheduleFile& file);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SCHEDULE_FILE_H_
