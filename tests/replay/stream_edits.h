// stream_edits.h: small edits of hand-built streams that inject faults in replay tests.
#ifndef SOMA_TESTS_REPLAY_STREAM_EDITS_H_
#define SOMA_TESTS_REPLAY_STREAM_EDITS_H_

#include <cstdint>

#include "soma/command_stream.pb.h"

namespace soma::testing {

/// Command `index` of queue `queue`.
stream::Command* MutableCommand(stream::CommandStream* command_stream, int queue, int index);
/// Removes command `index` of queue `queue`; later commands move up by one.
void RemoveCommand(stream::CommandStream* command_stream, int queue, int index);
/// Inserts `command` before command `index` of queue `queue` (at the end when `index` is the
/// queue's size) and returns it.
stream::Command* InsertCommand(stream::CommandStream* command_stream, int queue, int index,
                               const stream::Command& command);
/// A Wait{target, count} command.
stream::Command WaitCommand(int target, uint64_t count);

}  // namespace soma::testing

#endif  // SOMA_TESTS_REPLAY_STREAM_EDITS_H_
