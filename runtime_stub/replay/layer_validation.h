// layer_validation.h: checks of the stream's layer table that keep the kernels and the box
// mapping inside their preconditions.
#ifndef SOMA_REPLAY_LAYER_VALIDATION_H_
#define SOMA_REPLAY_LAYER_VALIDATION_H_

#include "absl/status/status.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

/// Largest kernel extent, stride, dilation or padding a layer may declare.
inline constexpr int64_t kMaxWindowParameter = int64_t{1} << 20;

/// Checks every layer and the network input and output lists. InvalidArgument names the
/// layer and the rule.
///   - tensor ids are in range;
///   - parameters are set. Kernel extents, strides, dilations and groups are at least 1,
///     paddings at least 0 and the LRN size at least 1, all at most kMaxWindowParameter;
///   - shapes fit the kind: inputs share the output's batch, pooling keeps the channels,
///     softmax, LRN and activations keep the shape, element-wise inputs broadcast to the
///     output, concatenated channels add up;
///   - epilogue vectors are empty or have one entry per output channel.
/// Requires: the tensor table has four positive extents per tensor.
absl::Status ValidateLayerTable(const stream::CommandStream& command_stream);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_LAYER_VALIDATION_H_
