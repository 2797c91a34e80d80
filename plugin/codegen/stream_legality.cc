// stream_legality.cc: the legality rules of every command of a stream.
#include "codegen/stream_legality.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "codegen/box_codec.h"
#include "graph/box.h"
#include "soma/status_macros.h"

namespace soma::codegen {
namespace {

const char* KindText(const stream::Command& command) {
  switch (command.kind_case()) {
    case stream::Command::kLoad:
      return "LOAD";
    case stream::Command::kStore:
      return "STORE";
    case stream::Command::kCompute:
      return "COMPUTE";
    case stream::Command::kWait:
      return "WAIT";
    case stream::Command::KIND_NOT_SET:
      break;
  }
  return "EMPTY";
}

std::string Hex(uint64_t value) { return absl::StrFormat("0x%X", value); }

absl::Status Illegal(const std::string& command_name, const std::string& detail) {
  return absl::InternalError(absl::StrCat(command_name, ": ", detail));
}

// Stream-wide facts the per-command rules read.
struct StreamFacts {
  const stream::CommandStream& command_stream;
  // Non-wait commands of every queue: the largest count a wait on that queue can reach.
  std::vector<uint64_t> completable_counts;
};

// Reads the canonical shape of tensor `id`, rejecting ids outside the table.
absl::StatusOr<graph::Shape> TensorShape(const StreamFacts& facts, uint32_t id,
                                         const std::string& command_name) {
  const auto& tensors = facts.command_stream.tensors();
  if (id >= static_cast<uint32_t>(tensors.size())) {
    return Illegal(command_name, absl::StrCat("tensor id ", id, " is not below the tensor count ",
                                              tensors.size()));
  }
  const stream::Tensor& tensor = tensors[static_cast<int>(id)];
  if (tensor.shape_size() != graph::kRank) {
    return Illegal(command_name, absl::StrCat("tensor ", id, " '", tensor.name(), "' has ",
                                              tensor.shape_size(), " extents, expected 4"));
  }
  graph::Shape shape;
  for (int d = 0; d < graph::kRank; ++d) shape[d] = tensor.shape(d);
  return shape;
}

absl::StatusOr<graph::Box> BoxInsideTensor(const stream::Box& proto, const graph::Shape& shape,
                                           const stream::Tensor& tensor, const std::string& label,
                                           const std::string& command_name) {
  auto box = DecodeBox(proto, absl::StrCat(command_name, ": ", label));
  if (!box.ok()) return absl::InternalError(box.status().message());
  if (box->IsEmpty() || !graph::Box::Full(shape).Contains(*box)) {
    return Illegal(command_name,
                   absl::StrCat(label, " ", box->ToString(), " is empty or outside tensor '",
                                tensor.name(), "' of shape ", graph::ShapeToString(shape)));
  }
  return *box;
}

absl::Status CheckWait(const StreamFacts& facts, int queue_id, const stream::Wait& wait,
                       const std::string& command_name) {
  if (wait.queue() >= facts.completable_counts.size() ||
      wait.queue() == static_cast<uint32_t>(queue_id)) {
    return Illegal(command_name,
                   absl::StrCat("waits on queue ", wait.queue(), ", expected another of the ",
                                facts.completable_counts.size(), " queues"));
  }
  const uint64_t completable = facts.completable_counts[wait.queue()];
  if (wait.count() == 0 || wait.count() > completable) {
    return Illegal(command_name,
                   absl::StrCat("waits for q", wait.queue(), ">=", wait.count(),
                                ", which can never be satisfied: queue ", wait.queue(),
                                " completes ", completable, " commands"));
  }
  return absl::OkStatus();
}

absl::Status CheckDma(const StreamFacts& facts, const stream::Dma& dma, bool is_store,
                      const std::string& command_name) {
  ASSIGN_OR_RETURN(const graph::Shape shape, TensorShape(facts, dma.tensor(), command_name));
  const stream::Tensor& tensor = facts.command_stream.tensors(static_cast<int>(dma.tensor()));
  ASSIGN_OR_RETURN(const graph::Box box,
                   BoxInsideTensor(dma.box(), shape, tensor, "box", command_name));
  const uint64_t element_bytes = tensor.element_bytes();
  // Constants and network inputs are read-only in DRAM: no layer produces them.
  if (is_store && (tensor.role() == stream::Tensor::ROLE_CONSTANT ||
                   tensor.role() == stream::Tensor::ROLE_NETWORK_INPUT)) {
    return Illegal(
        command_name,
        absl::StrCat("stores into ",
                     tensor.role() == stream::Tensor::ROLE_CONSTANT ? "constant" : "network input",
                     " tensor '", tensor.name(), "'"));
  }
  const uint64_t expected_bytes = static_cast<uint64_t>(box.Volume()) * element_bytes;
  if (dma.bytes() != expected_bytes) {
    return Illegal(command_name,
                   absl::StrCat("moves ", dma.bytes(), " bytes, but box ", box.ToString(),
                                " contains ", box.Volume(), " elements of ", element_bytes,
                                " bytes = ", expected_bytes, " bytes"));
  }

  // DRAM side: dense tensor strides, the address of box.lo, the span inside the tensor.
  if (!tensor.in_dram()) {
    return Illegal(command_name,
                   absl::StrCat("tensor '", tensor.name(), "' has no DRAM placement"));
  }
  const Strides dram_strides = DenseStrides(shape);
  if (!std::equal(dma.dram_strides().begin(), dma.dram_strides().end(), dram_strides.begin(),
                  dram_strides.end())) {
    return Illegal(
        command_name,
        absl::StrCat("DRAM strides [", absl::StrJoin(dma.dram_strides(), ","), "], expected [",
                     absl::StrJoin(dram_strides, ","), "] for tensor '", tensor.name(), "'"));
  }
  const uint64_t expected_address =
      tensor.dram_offset() +
      static_cast<uint64_t>(DenseOffset(graph::Box::Full(shape), box.lo)) * element_bytes;
  if (dma.dram_address() != expected_address) {
    return Illegal(
        command_name,
        absl::StrCat("DRAM address ", Hex(dma.dram_address()), ", expected ", Hex(expected_address),
                     " for box.lo of ", box.ToString(), " in tensor '", tensor.name(), "'"));
  }
  const uint64_t dram_end =
      dma.dram_address() +
      static_cast<uint64_t>(LastElementOffset(box, dram_strides) + 1) * element_bytes;
  const uint64_t tensor_end = tensor.dram_offset() + tensor.dram_bytes();
  if (dram_end > tensor_end) {
    return Illegal(command_name,
                   absl::StrCat("DRAM range [", Hex(dma.dram_address()), ", ", Hex(dram_end),
                                ") ends past tensor '", tensor.name(), "' at [",
                                Hex(tensor.dram_offset()), ", ", Hex(tensor_end), ")"));
  }

  // Buffer side: the strided span from buffer_address stays inside the buffer.
  if (dma.buffer_strides_size() != graph::kRank) {
    return Illegal(command_name,
                   absl::StrCat("has ", dma.buffer_strides_size(), " buffer strides, expected 4"));
  }
  const uint64_t buffer_bytes =
      static_cast<uint64_t>(facts.command_stream.hardware().buffer_bytes());
  Strides buffer_strides;
  for (int d = 0; d < graph::kRank; ++d) {
    buffer_strides[d] = dma.buffer_strides(d);
    if (buffer_strides[d] < 1 || static_cast<uint64_t>(buffer_strides[d]) > buffer_bytes) {
      return Illegal(command_name,
                     absl::StrCat("buffer stride ", buffer_strides[d], " of dimension ", d,
                                  " is outside [1, ", buffer_bytes, "]"));
    }
  }
  const uint64_t buffer_end =
      dma.buffer_address() +
      static_cast<uint64_t>(LastElementOffset(box, buffer_strides) + 1) * element_bytes;
  if (buffer_end > buffer_bytes) {
    return Illegal(command_name, absl::StrCat("buffer range [", Hex(dma.buffer_address()), ", ",
                                              Hex(buffer_end), ") ends past the buffer end ",
                                              Hex(buffer_bytes), " (", buffer_bytes, " bytes)"));
  }
  return absl::OkStatus();
}

absl::Status CheckOperand(const StreamFacts& facts, const stream::Operand& operand,
                          uint32_t expected_tensor, const std::string& role,
                          const std::string& command_name) {
  if (operand.tensor() != expected_tensor) {
    return Illegal(command_name,
                   absl::StrCat(role, " reads tensor ", operand.tensor(),
                                ", but the layer table names tensor ", expected_tensor));
  }
  ASSIGN_OR_RETURN(const graph::Shape shape, TensorShape(facts, operand.tensor(), command_name));
  const stream::Tensor& tensor = facts.command_stream.tensors(static_cast<int>(operand.tensor()));
  const std::string operand_name = absl::StrCat(role, " of tensor '", tensor.name(), "'");
  ASSIGN_OR_RETURN(const graph::Box region,
                   BoxInsideTensor(operand.region(), shape, tensor,
                                   absl::StrCat(operand_name, ": region"), command_name));
  ASSIGN_OR_RETURN(const graph::Box box,
                   BoxInsideTensor(operand.box(), shape, tensor,
                                   absl::StrCat(operand_name, ": box"), command_name));
  if (!region.Contains(box)) {
    return Illegal(command_name,
                   absl::StrCat(operand_name, ": box ", box.ToString(),
                                " is not inside its buffer region ", region.ToString()));
  }
  const uint64_t alignment =
      static_cast<uint64_t>(facts.command_stream.hardware().buffer_alignment_bytes());
  if (alignment > 0 && operand.region_address() % alignment != 0) {
    return Illegal(
        command_name,
        absl::StrCat(operand_name, ": region address ", Hex(operand.region_address()),
                     " is not a multiple of the buffer alignment of ", alignment, " bytes"));
  }
  const uint64_t buffer_bytes =
      static_cast<uint64_t>(facts.command_stream.hardware().buffer_bytes());
  const uint64_t region_end =
      operand.region_address() + static_cast<uint64_t>(region.Volume()) * tensor.element_bytes();
  if (region_end > buffer_bytes) {
    return Illegal(command_name,
                   absl::StrCat(operand_name, ": buffer region [", Hex(operand.region_address()),
                                ", ", Hex(region_end), ") ends past the buffer end ",
                                Hex(buffer_bytes), " (", buffer_bytes, " bytes)"));
  }
  return absl::OkStatus();
}

absl::Status CheckCompute(const StreamFacts& facts, const stream::Compute& compute,
                          const std::string& command_name) {
  const auto& layers = facts.command_stream.layers();
  if (compute.layer() >= static_cast<uint32_t>(layers.size())) {
    return Illegal(command_name, absl::StrCat("layer ", compute.layer(),
                                              " is not below the layer count ", layers.size()));
  }
  const stream::Layer& layer = layers[static_cast<int>(compute.layer())];
  if (compute.inputs_size() != layer.input_tensors_size()) {
    return Illegal(command_name,
                   absl::StrCat("has ", compute.inputs_size(), " input operands, layer '",
                                layer.name(), "' has ", layer.input_tensors_size(), " inputs"));
  }
  if (compute.outputs_size() == 0) return Illegal(command_name, "has no output operand");
  if (compute.has_weight() != layer.has_weight_tensor()) {
    return Illegal(
        command_name,
        absl::StrCat(compute.has_weight() ? "has a" : "has no", " weight operand, but layer '",
                     layer.name(), "' ", layer.has_weight_tensor() ? "has" : "has no", " weight"));
  }

  for (int index = 0; index < compute.inputs_size(); ++index) {
    RETURN_IF_ERROR(CheckOperand(facts, compute.inputs(index), layer.input_tensors(index),
                                 absl::StrCat("input ", index), command_name));
  }
  if (compute.has_weight()) {
    RETURN_IF_ERROR(
        CheckOperand(facts, compute.weight(), layer.weight_tensor(), "weight", command_name));
  }
  for (int index = 0; index < compute.outputs_size(); ++index) {
    const stream::Operand& output = compute.outputs(index);
    const std::string role = absl::StrCat("output ", index);
    RETURN_IF_ERROR(CheckOperand(facts, output, layer.output_tensor(), role, command_name));
    const auto& lo = output.box().lo();
    const auto& hi = output.box().hi();
    if (!std::equal(lo.begin(), lo.end(), compute.output_box().lo().begin(),
                    compute.output_box().lo().end()) ||
        !std::equal(hi.begin(), hi.end(), compute.output_box().hi().begin(),
                    compute.output_box().hi().end())) {
      return Illegal(command_name,
                     absl::StrCat(role, " box differs from the command's output box"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCommand(const StreamFacts& facts, int queue_id, const stream::Queue& queue,
                          int command_index) {
  const stream::Command& command = queue.commands(command_index);
  const std::string name = CommandName(queue_id, command_index, command);
  const bool is_compute_queue = queue.kind() == stream::Queue::COMPUTE;
  switch (command.kind_case()) {
    case stream::Command::kWait:
      return CheckWait(facts, queue_id, command.wait(), name);
    case stream::Command::kLoad:
    case stream::Command::kStore:
      if (is_compute_queue) return Illegal(name, "a DMA command on the compute queue");
      return CheckDma(
          facts, command.kind_case() == stream::Command::kLoad ? command.load() : command.store(),
          command.kind_case() == stream::Command::kStore, name);
    case stream::Command::kCompute:
      if (!is_compute_queue) return Illegal(name, "a compute command on a DMA queue");
      return CheckCompute(facts, command.compute(), name);
    case stream::Command::KIND_NOT_SET:
      break;
  }
  return Illegal(name, "the command has no kind set");
}

// Runs the queues with zero-cost commands: each queue advances past a wait once the waited-for
// queue has completed enough commands. A queue that stops before its end is blocked by a wait
// inside a cycle of waits.
absl::Status CheckWaitsComplete(const stream::CommandStream& command_stream) {
  const int queue_count = command_stream.queues_size();
  std::vector<int> next_command(queue_count, 0);
  std::vector<uint64_t> completed(queue_count, 0);
  bool progressed = true;
  while (progressed) {
    progressed = false;
    for (int queue_id = 0; queue_id < queue_count; ++queue_id) {
      const stream::Queue& queue = command_stream.queues(queue_id);
      while (next_command[queue_id] < queue.commands_size()) {
        const stream::Command& command = queue.commands(next_command[queue_id]);
        if (command.has_wait()) {
          if (completed[command.wait().queue()] < command.wait().count()) break;
        } else {
          ++completed[queue_id];
        }
        ++next_command[queue_id];
        progressed = true;
      }
    }
  }
  for (int queue_id = 0; queue_id < queue_count; ++queue_id) {
    const stream::Queue& queue = command_stream.queues(queue_id);
    if (next_command[queue_id] == queue.commands_size()) continue;
    const stream::Command& blocked = queue.commands(next_command[queue_id]);
    return Illegal(CommandName(queue_id, next_command[queue_id], blocked),
                   absl::StrCat("waits for q", blocked.wait().queue(), ">=", blocked.wait().count(),
                                ", which can never be satisfied: the waits form a cycle (queue ",
                                blocked.wait().queue(), " stops after ",
                                completed[blocked.wait().queue()], " commands)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string CommandName(int queue_id, int command_index, const stream::Command& command) {
  std::string name =
      absl::StrCat("command q", queue_id, "#", command_index, " (", KindText(command));
  if (!command.origin().node().empty())
    absl::StrAppend(&name, ", node '", command.origin().node(), "'");
  if (!command.origin().transfer().empty()) {
    absl::StrAppend(&name, ", transfer '", command.origin().transfer(), "'");
  }
  return name + ")";
}

absl::Status CheckStreamLegality(const stream::CommandStream& command_stream) {
  const int queue_count = command_stream.queues_size();
  const int64_t dma_queue_limit = command_stream.hardware().dma_queues();
  if (queue_count == 0)
    return absl::InternalError("command stream has no queues; queue 0 is the compute queue");
  if (queue_count - 1 > dma_queue_limit) {
    return absl::InternalError(
        absl::StrCat("command stream has ", queue_count - 1, " DMA queues, the hardware '",
                     command_stream.hardware().name(), "' has ", dma_queue_limit));
  }

  StreamFacts facts{command_stream, {}};
  for (int queue_id = 0; queue_id < queue_count; ++queue_id) {
    const stream::Queue& queue = command_stream.queues(queue_id);
    const stream::Queue::Kind expected_kind =
        queue_id == 0 ? stream::Queue::COMPUTE : stream::Queue::DMA;
    if (queue.id() != static_cast<uint32_t>(queue_id) || queue.kind() != expected_kind) {
      return absl::InternalError(
          absl::StrCat("command stream queue ", queue_id, " has id ", queue.id(), " and kind ",
                       stream::Queue::Kind_Name(queue.kind()), ", expected id ", queue_id,
                       " and kind ", stream::Queue::Kind_Name(expected_kind)));
    }
    uint64_t completable = 0;
    for (const stream::Command& command : queue.commands())
      completable += command.has_wait() ? 0 : 1;
    facts.completable_counts.push_back(completable);
  }

  for (int queue_id = 0; queue_id < queue_count; ++queue_id) {
    const stream::Queue& queue = command_stream.queues(queue_id);
    for (int command_index = 0; command_index < queue.commands_size(); ++command_index) {
      RETURN_IF_ERROR(CheckCommand(facts, queue_id, queue, command_index));
    }
  }
  return CheckWaitsComplete(command_stream);
}

}  // namespace soma::codegen
