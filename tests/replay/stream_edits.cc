// stream_edits.cc: small edits of hand-built streams that inject faults in replay tests.
#include "replay/stream_edits.h"

namespace soma::testing {

stream::Command* MutableCommand(stream::CommandStream* command_stream, int queue, int index) {
  return command_stream->mutable_queues(queue)->mutable_commands(index);
}

void RemoveCommand(stream::CommandStream* command_stream, int queue, int index) {
  command_stream->mutable_queues(queue)->mutable_commands()->DeleteSubrange(index, 1);
}

stream::Command* InsertCommand(stream::CommandStream* command_stream, int queue, int index,
                               const stream::Command& command) {
  auto* commands = command_stream->mutable_queues(queue)->mutable_commands();
  *commands->Add() = command;
  for (int position = commands->size() - 1; position > index; --position) {
    commands->SwapElements(position, position - 1);
  }
  return commands->Mutable(index);
}

stream::Command WaitCommand(int target, uint64_t count) {
  stream::Command command;
  command.mutable_wait()->set_queue(target);
  command.mutable_wait()->set_count(count);
  return command;
}

}  // namespace soma::testing
