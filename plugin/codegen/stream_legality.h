// stream_legality.h: the legality rules every command of a stream obeys (addresses inside
// the buffer and inside their DRAM tensor, aligned regions, boxes inside their tensors,
// byte counts that match the boxes, waits that can be satisfied).
//
// Codegen runs the check on every stream it emits. The replay runtime can run it on a stream
// read from a file before it trusts any address.
#ifndef SOMA_CODEGEN_STREAM_LEGALITY_H_
#define SOMA_CODEGEN_STREAM_LEGALITY_H_

#include <string>

#include "absl/status/status.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Names a command in messages: "command q1#4 (LOAD, node 'conv1', transfer 'load ...')".
/// `command_index` counts every command of the queue, waits included.
std::string CommandName(int queue_id, int command_index, const stream::Command& command);

/// Checks every queue and command of `command_stream` against the tensor table and the
/// hardware. Returns the first broken rule as an Internal error that names the command (queue,
/// index, origin node) and gives the offending numbers.
absl::Status CheckStreamLegality(const stream::CommandStream& command_stream);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_STREAM_LEGALITY_H_
