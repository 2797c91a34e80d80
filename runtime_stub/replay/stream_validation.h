// stream_validation.h: checks that a command stream is well formed before any replay runs.
//
// Table problems (tensors, layers, hardware, queues) make the stream unreadable, so they are
// InvalidArgument errors. A malformed command is a finding, which a replay reports with the
// command's index, queue and origin. The replay levels execute only streams that pass both
// checks, so no id, rank or range is trusted after this point.
#ifndef SOMA_REPLAY_STREAM_VALIDATION_H_
#define SOMA_REPLAY_STREAM_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "graph/layer_graph.h"
#include "replay/command_table.h"
#include "replay/finding.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

/// Largest global buffer the replay models, in bytes (256 MiB). The structural shadow takes
/// 4 bytes per slot plus 4 per slot and queue.
inline constexpr int64_t kMaxBufferBytes = int64_t{1} << 28;
/// Largest element count of one tensor, and of all tensors together, that the replay
/// models; the functional level keeps 4 bytes per element.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 28;
inline constexpr int64_t kMaxTotalElements = int64_t{1} << 30;
/// Largest DRAM or buffer byte address a command or tensor may name. With the limits above it
/// keeps every address computation far from 64-bit overflow.
inline constexpr int64_t kMaxAddress = int64_t{1} << 48;

/// Checks the stream's tables. InvalidArgument names the entry and the rule.
///   - hardware: the buffer size;
///   - tensors: ids in order, four positive extents, element bytes, DRAM placement, constant
///     data inside the blob, sizes within the limits above;
///   - layers: see ValidateLayerTable;
///   - queues: ids in order, queue 0 the compute queue, the others DMA queues.
absl::Status ValidateStreamTables(const stream::CommandStream& command_stream);

/// Checks every command and adds one kMalformedCommand finding per bad command:
///   - a kind is set, DMA commands sit on DMA queues and computes on the compute queue;
///   - tensor, layer and queue ids are in range;
///   - boxes are rank 4, non-empty and inside their tensors;
///   - operands match the layer's tensors and lie inside their regions;
///   - DMA byte counts equal the box volume times the element bytes;
///   - strides and addresses are within the limits above, and buffer strides never place two
///     elements on one byte;
///   - stores never write constants or network inputs.
/// Requires: ValidateStreamTables passed.
void ValidateCommands(const CommandTable& table, FindingList* findings);

/// Checks that every compute operand's box covers what the layer reads for its output box
/// (graph::InputBox and graph::WeightBox). For a partial sum over an input-channel slice, only
/// the dimensions outside the reduction count. Adds kMalformedCommand findings.
/// Requires: ValidateCommands found nothing; `graph` is DecodeLayerGraph of the stream.
void ValidateOperandBoxes(const graph::LayerGraph& graph, const CommandTable& table,
                          FindingList* findings);

/// Bytes of one buffer slot: the greatest common divisor of every tensor's element bytes,
/// so that each element covers whole slots.
/// Requires: ValidateStreamTables passed.
int64_t SlotBytes(const stream::CommandStream& command_stream);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_STREAM_VALIDATION_H_
