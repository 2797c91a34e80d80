// command_table.cc: numbering of a stream's commands and their descriptions in messages.
#include "replay/command_table.h"

#include "absl/strings/str_cat.h"
#include "replay/tensor_layout.h"

namespace soma::replay {

namespace {

std::string DescribeBox(const stream::Box& box) {
  return HasRankFour(box) ? ToBox(box).ToString() : std::string("(box not rank 4)");
}

}  // namespace

CommandTable::CommandTable(const stream::CommandStream& command_stream)
    : stream_(&command_stream) {
  for (int queue = 0; queue < command_stream.queues_size(); ++queue) {
    first_work_id_.push_back(static_cast<int>(work_.size()));
    int position = 0;
    int first_wait_index = 0;
    const auto& commands = command_stream.queues(queue).commands();
    for (int index = 0; index < commands.size(); ++index) {
      if (commands[index].kind_case() == stream::Command::kWait) continue;
      work_.push_back(WorkCommand{CommandRef{queue, index}, position, first_wait_index});
      ++position;
      first_wait_index = index + 1;
    }
    work_count_of_.push_back(position);
  }
}

std::string CommandTable::TensorName(int64_t tensor_id) const {
  if (tensor_id < 0 || tensor_id >= stream_->tensors_size()) {
    return absl::StrCat("tensor id ", tensor_id);
  }
  return absl::StrCat("\"", stream_->tensors(static_cast<int>(tensor_id)).name(), "\"");
}

std::string CommandTable::Describe(const CommandRef& ref) const {
  std::string text = absl::StrCat("queue ", ref.queue, " command ", ref.index);
  if (ref.queue < 0 || ref.queue >= stream_->queues_size() ||
      ref.index < 0 || ref.index >= stream_->queues(ref.queue).commands_size()) {
    return text;
  }
  const stream::Command& command = this->command(ref);
  std::string action;
  switch (command.kind_case()) {
    case stream::Command::kLoad:
      action = absl::StrCat("load of ", TensorName(command.load().tensor()), " box ",
                          DescribeBox(command.load().box()));
      break;
    case stream::Command::kStore:
      action = absl::StrCat("store of ", TensorName(command.store().tensor()), " box ",
                          DescribeBox(command.store().box()));
      break;
    case stream::Command::kCompute: {
      const uint32_t layer = command.compute().layer();
      const std::string layer_name =
          layer < static_cast<uint32_t>(stream_->layers_size())
              ? absl::StrCat(" \"", stream_->layers(static_cast<int>(layer)).name(), "\"")
              : std::string();
      action = absl::StrCat("compute of layer ", layer, layer_name, " box ",
                          DescribeBox(command.compute().output_box()));
      break;
    }
    case stream::Command::kWait:
      action = absl::StrCat("wait for ", CommandCount(static_cast<int64_t>(command.wait().count())),
                          " of queue ", command.wait().queue());
      break;
    case stream::Command::KIND_NOT_SET:
      action = "command without a kind";
      break;
  }
  absl::StrAppend(&text, " (", action);
  if (command.has_origin()) absl::StrAppend(&text, "; ", DescribeOrigin(command.origin()));
  return text + ")";
}

std::string CommandCount(int64_t count) {
  return absl::StrCat(count, count == 1 ? " command" : " commands");
}

std::string DescribeOrigin(const stream::Origin& origin) {
  std::string text = absl::StrCat("node \"", origin.node(), "\", group ", origin.group(),
                                  ", subgroup ", origin.subgroup(), ", tile ", origin.tile(),
                                  ", position ", origin.position());
  if (!origin.transfer().empty()) absl::StrAppend(&text, ", transfer ", origin.transfer());
  return text;
}

}  // namespace soma::replay
