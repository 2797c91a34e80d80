// layer_by_layer.h: the `lbl` strategy, every layer its own layer group, tiled just enough
// to fit the buffer.
#ifndef SOMA_SCHEDULE_LAYER_BY_LAYER_H_
#define SOMA_SCHEDULE_LAYER_BY_LAYER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "schedule/cost_functions.h"
#include "schedule/notation.h"
#include "schedule/program.h"

namespace soma::schedule {

using ProgressFn = std::function<void(const std::string&)>;

/// Chooses the lbl FusionPlan: every layer its own LG and SLG in layer id order, each with
/// the first tiling that fits `capacity_bytes` at the default DRAM timing, trying in turn
///   1. power-of-two spatial tile counts (up to the output's B*H*W),
///   2. then power-of-two output-channel splits, each with spatial tile counts as above,
///   3. then power-of-two reduction splits (partial sums; kFullyConnected and one-group
///      kConv only), each with channel splits and spatial tile counts as above.
/// A tiling fits when its own buffer footprint fits, and at its last position also the
/// footprint plus the next layer's prologue (first weights and first input tile). When
/// the next layer cannot fit after a layer, that layer is tiled further.
/// Errors: ResourceExhausted naming the layer, the bytes its smallest tile needs (weights,
/// input, output) and the capacity.
absl::StatusOr<FusionPlan> PlanLayerByLayer(const graph::LayerGraph& graph,
                                            const CostFunctions& costs, int64_t capacity_bytes,
                                            const ProgressFn& progress = nullptr);

/// Plans, evaluates and allocates the lbl schedule of `graph` for a buffer of
/// `capacity_bytes`. When the Program fits by capacity but the allocator finds no address
/// for some residency (fragmentation), planning is repeated with 10% less usable capacity,
/// up to a fixed number of times, so every returned Program is address-allocatable.
/// Errors: those of PlanLayerByLayer, and ResourceExhausted with the allocator's message
/// when no retry allocates.
absl::StatusOr<Program> ScheduleLayerByLayer(const graph::LayerGraph& graph,
                                             const CostFunctions& costs, int64_t capacity_bytes,
                                             const ProgressFn& progress = nullptr);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_LAYER_BY_LAYER_H_
