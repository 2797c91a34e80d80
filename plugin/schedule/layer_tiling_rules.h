// layer_tiling_rules.h: which tilings each layer kind allows (spatial tiles, output-channel
// splits, input-channel partial sums).
//
// The lbl planner, the stage-1 moves and the plan check all ask these predicates, so a
// tiling that a strategy proposes is one that the plan check accepts.
#ifndef SOMA_SCHEDULE_LAYER_TILING_RULES_H_
#define SOMA_SCHEDULE_LAYER_TILING_RULES_H_

#include "graph/layer.h"

namespace soma::schedule {

/// Whether a tile may compute a partial sum over a slice of the input channels: kConv with
/// one group, and kFullyConnected.
bool SupportsPartialSums(const graph::Layer& layer);

/// Whether the output channels may be split into chunks. Concat inputs cover disjoint
/// channel ranges, so a chunk could read nothing of one. MatMul and tensor operations are
/// not split by channel either.
bool SupportsChannelSplits(const graph::Layer& layer);

/// Whether every sub-group that contains the layer must run as one tile: a tensor operation
/// whose TensorOpParams allow no tiling (parallel_dims 0 and axis0_sliced false), because
/// its node reads every input whole and computes its whole output.
bool RequiresSingleTile(const graph::Layer& layer);

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_LAYER_TILING_RULES_H_
