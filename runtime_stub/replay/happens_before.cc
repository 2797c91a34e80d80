// happens_before.cc: vector clocks and an execution order from queue order and waits.
#include "replay/happens_before.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::replay {

namespace {

/// Adds a finding for every wait whose count exceeds the work commands of its queue.
bool FindUnsatisfiableWaits(const CommandTable& table, FindingList* findings) {
  bool found = false;
  const stream::CommandStream& command_stream = table.command_stream();
  for (int queue = 0; queue < command_stream.queues_size(); ++queue) {
    const auto& commands = command_stream.queues(queue).commands();
    for (int index = 0; index < commands.size(); ++index) {
      if (commands[index].kind_case() != stream::Command::kWait) continue;
      const stream::Wait& wait = commands[index].wait();
      const int target = static_cast<int>(wait.queue());
      if (wait.count() <= static_cast<uint64_t>(table.WorkCountOf(target))) continue;
      found = true;
      const CommandRef ref{queue, index};
      findings->Add(FindingKind::kUnsatisfiableWait, ref,
                    absl::StrCat(table.Describe(ref), " waits for ",
                                 CommandCount(static_cast<int64_t>(wait.count())), " of queue ",
                                 target, ", but queue ", target, " has only ",
                                 CommandCount(table.WorkCountOf(target)),
                                 " (waits excluded); the wait can never be satisfied"));
    }
  }
  return found;
}

}  // namespace

HappensBefore HappensBefore::Derive(const CommandTable& table, FindingList* findings) {
  HappensBefore result(table);
  if (FindUnsatisfiableWaits(table, findings)) return result;

  const stream::CommandStream& command_stream = table.command_stream();
  const int queue_count = table.queue_count();
  result.clocks_.assign(static_cast<size_t>(table.work_count()) * queue_count, 0);
  result.order_.reserve(table.work_count());
  // Per queue: the next command index, the completed work commands, and the clock of the
  // queue's next command (what every command issued so far on it has waited for).
  std::vector<int> next_index(queue_count, 0);
  std::vector<int> completed(queue_count, 0);
  std::vector<std::vector<int32_t>> queue_clock(queue_count, std::vector<int32_t>(queue_count, 0));

  // Joins the clock after completion of the first `count` work commands of `target`.
  auto join_completion = [&](int queue, int target, int count) {
    if (count == 0) return;
    const int work_id = table.WorkId(target, count - 1);
    std::vector<int32_t>& clock = queue_clock[queue];
    for (int q = 0; q < queue_count; ++q) {
      clock[q] = std::max(clock[q], result.clocks_[static_cast<size_t>(work_id) * queue_count + q]);
    }
    clock[target] = std::max<int32_t>(clock[target], count);
  };

  bool progress = true;
  while (progress) {
    progress = false;
    for (int queue = 0; queue < queue_count; ++queue) {
      const auto& commands = command_stream.queues(queue).commands();
      // Run the satisfied waits, then at most one work command.
      while (next_index[queue] < commands.size()) {
        const stream::Command& command = commands[next_index[queue]];
        if (command.kind_case() == stream::Command::kWait) {
          const int target = static_cast<int>(command.wait().queue());
          const int count = static_cast<int>(command.wait().count());
          if (completed[target] < count) break;
          join_completion(queue, target, count);
          ++next_index[queue];
          progress = true;
          continue;
        }
        const int work_id = table.WorkId(queue, completed[queue]);
        std::copy(queue_clock[queue].begin(), queue_clock[queue].end(),
                  result.clocks_.begin() + static_cast<size_t>(work_id) * queue_count);
        result.order_.push_back(work_id);
        ++completed[queue];
        queue_clock[queue][queue] = completed[queue];
        ++next_index[queue];
        progress = true;
        break;
      }
    }
  }

  std::vector<int> blocked;
  for (int queue = 0; queue < queue_count; ++queue) {
    if (next_index[queue] < command_stream.queues(queue).commands_size()) blocked.push_back(queue);
  }
  if (blocked.empty()) {
    result.complete_ = true;
    return result;
  }

  // Every blocked queue waits for another blocked queue (a finished queue would satisfy any
  // count it has), so following the waits from the first blocked queue reaches a cycle.
  std::vector<int> visit_step(queue_count, -1);
  std::vector<int> path;
  int queue = blocked.front();
  while (visit_step[queue] < 0) {
    visit_step[queue] = static_cast<int>(path.size());
    path.push_back(queue);
    queue = static_cast<int>(
        command_stream.queues(queue).commands(next_index[queue]).wait().queue());
  }
  std::vector<std::string> links;
  for (size_t step = visit_step[queue]; step < path.size(); ++step) {
    const int waiting = path[step];
    const CommandRef ref{waiting, next_index[waiting]};
    const stream::Wait& wait = table.command(ref).wait();
    links.push_back(absl::StrCat(table.Describe(ref), " waits for ",
                                 CommandCount(static_cast<int64_t>(wait.count())), " of queue ",
                                 wait.queue(), ", which has completed ",
                                 completed[wait.queue()]));
  }
  const int first = path[visit_step[queue]];
  findings->Add(FindingKind::kDeadlock, CommandRef{first, next_index[first]},
                absl::StrCat("deadlock: ", absl::StrJoin(links, "; "),
                             "; no queue in this cycle can proceed"));
  return result;
}

}  // namespace soma::replay
