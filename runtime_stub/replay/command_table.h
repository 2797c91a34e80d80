// command_table.h: numbering of a stream's commands and their descriptions in messages.
//
// Every queue runs its commands in order. Waits take no time and complete nothing, so the
// replay numbers only the other commands ("work commands"), queue 0's in order, then queue
// 1's, and so on. A Wait{queue, count} is satisfied once the first `count` work commands of
// `queue` have completed.
#ifndef SOMA_REPLAY_COMMAND_TABLE_H_
#define SOMA_REPLAY_COMMAND_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "replay/finding.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

/// A load, store or compute command.
struct WorkCommand {
  CommandRef ref;
  /// Work commands of the same queue before this one.
  int position = 0;
  /// Index of the first command after the previous work command of the queue; the commands
  /// in [first_wait_index, ref.index) are the waits that precede this one.
  int first_wait_index = 0;
};

class CommandTable {
 public:
  /// Borrows `command_stream`, which must outlive the table.
  explicit CommandTable(const stream::CommandStream& command_stream);

  const stream::CommandStream& command_stream() const { return *stream_; }
  int queue_count() const { return static_cast<int>(first_work_id_.size()); }
  int work_count() const { return static_cast<int>(work_.size()); }
  /// Work commands of queue `queue`.
  int WorkCountOf(int queue) const { return work_count_of_[queue]; }
  /// Work id of the work command at `position` of queue `queue`.
  int WorkId(int queue, int position) const { return first_work_id_[queue] + position; }
  const WorkCommand& work(int work_id) const { return work_[work_id]; }
  const stream::Command& command(const CommandRef& ref) const {
    return stream_->queues(ref.queue).commands(ref.index);
  }
  const stream::Command& work_command(int work_id) const { return command(work_[work_id].ref); }

  /// "queue Q command I (what it does, its origin)"; safe on malformed commands.
  std::string Describe(const CommandRef& ref) const;
  std::string DescribeWork(int work_id) const { return Describe(work_[work_id].ref); }
  /// Quoted name of tensor `tensor_id`, or its id when it is out of range.
  std::string TensorName(int64_t tensor_id) const;

 private:
  const stream::CommandStream* stream_;
  std::vector<int> first_work_id_;
  std::vector<int> work_count_of_;
  std::vector<WorkCommand> work_;
};

/// "1 command" or "N commands".
std::string CommandCount(int64_t count);

/// "node "conv1", group 0, subgroup 0, tile 3, position 7, transfer load_input(...)".
std::string DescribeOrigin(const stream::Origin& origin);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_COMMAND_TABLE_H_
