// command_emitter.cc: the Compute and Dma commands of a Program.
#include "codegen/command_emitter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codegen/box_codec.h"
#include "codegen/stream_legality.h"
#include "soma/status_macros.h"

namespace soma::codegen {
namespace {

std::string Hex(int64_t value) { return absl::StrFormat("0x%X", value); }

absl::Status Error(const std::string& command_name, const std::string& detail) {
  return absl::InternalError(absl::StrCat(command_name, ": ", detail));
}

}  // namespace

CommandEmitter::CommandEmitter(const graph::LayerGraph& graph, const schedule::Program& program,
                               const alloc::BufferAllocation& allocation,
                               const stream::CommandStream& tables)
    : graph_(graph), program_(program), allocation_(allocation), tables_(tables) {
  for (int index = 0; index < static_cast<int>(program.compute_ops.size()); ++index) {
    const schedule::ComputeOp& op = program.compute_ops[index];
    auto [entry, inserted] = tile_ops_.try_emplace({op.layer, op.tile}, index, index);
    if (!inserted) entry->second.second = index;
  }
}

std::string CommandEmitter::NodeOf(graph::LayerId layer_id) const {
  if (layer_id < 0 || layer_id >= static_cast<graph::LayerId>(graph_.layers.size())) return "";
  const graph::Layer& layer = graph_.layers[layer_id];
  return layer.origins.empty() ? layer.name : layer.origins.front();
}

absl::StatusOr<CommandEmitter::Region> CommandEmitter::ResolveResidency(
    int residency_index, const std::string& command_name) const {
  const int residency_count = static_cast<int>(program_.residencies.size());
  if (residency_index < 0 || residency_index >= residency_count ||
      residency_index >= static_cast<int>(allocation_.offsets.size())) {
    return Error(command_name, absl::StrCat("refers to residency ", residency_index,
                                            ", outside the ", residency_count, " residencies and ",
                                            allocation_.offsets.size(), " allocated offsets"));
  }
  const schedule::Residency& residency = program_.residencies[residency_index];
  if (residency.tensor < 0 ||
      residency.tensor >= static_cast<graph::TensorId>(graph_.tensors.size())) {
    return Error(command_name,
                 absl::StrCat("residency ", residency_index, " holds tensor id ", residency.tensor,
                              ", outside the graph's ", graph_.tensors.size(), " tensors"));
  }
  const graph::Tensor& tensor = graph_.tensors[residency.tensor];
  const std::string label =
      absl::StrCat("residency ", residency_index, " (", schedule::ResidencyKindName(residency.kind),
                   " ", residency.box.ToString(), " of tensor '", tensor.name, "')");
  if (residency.box.IsEmpty() || !graph::Box::Full(tensor.shape).Contains(residency.box)) {
    return Error(command_name,
                 absl::StrCat(label, ": the box is empty or outside the tensor's shape ",
                              graph::ShapeToString(tensor.shape)));
  }

  Region region;
  region.offset_bytes = allocation_.offsets[residency_index];
  region.box = residency.box;
  region.tensor = residency.tensor;
  region.element_bytes = tables_.tensors(residency.tensor).element_bytes();
  const int64_t data_bytes = residency.box.Volume() * region.element_bytes;
  if (residency.bytes < data_bytes) {
    return Error(command_name,
                 absl::StrCat(label, " reserves ", residency.bytes, " bytes but its box needs ",
                              data_bytes, " bytes (", residency.box.Volume(), " elements of ",
                              region.element_bytes, " bytes)"));
  }
  const int64_t alignment_bytes = tables_.hardware().buffer_alignment_bytes();
  if (region.offset_bytes < 0 ||
      (alignment_bytes > 0 && region.offset_bytes % alignment_bytes != 0)) {
    return Error(command_name,
                 absl::StrCat(label, " is allocated at offset ", region.offset_bytes,
                              ", not a non-negative multiple of the buffer alignment of ",
                              alignment_bytes, " bytes"));
  }
  const int64_t buffer_bytes = tables_.hardware().buffer_bytes();
  const int64_t end_bytes = region.offset_bytes + residency.bytes;
  if (end_bytes > buffer_bytes) {
    return Error(command_name,
                 absl::StrCat(label, " occupies buffer bytes [", Hex(region.offset_bytes), ", ",
                              Hex(end_bytes), "), past the buffer end ", Hex(buffer_bytes),
                              " (offset ", region.offset_bytes, " + ", residency.bytes, " bytes > ",
                              buffer_bytes, " bytes)"));
  }
  return region;
}

absl::StatusOr<stream::Operand> CommandEmitter::MakeOperand(int residency_index,
                                                            graph::TensorId tensor,
                                                            const graph::Box& box,
                                                            const std::string& role,
                                                            const std::string& command_name) const {
  ASSIGN_OR_RETURN(const Region region, ResolveResidency(residency_index, command_name));
  if (region.tensor != tensor) {
    return Error(command_name, absl::StrCat(role, " reads tensor '", graph_.tensors[tensor].name,
                                            "', but residency ", residency_index, " holds tensor '",
                                            graph_.tensors[region.tensor].name, "'"));
  }
  if (box.IsEmpty() || !region.box.Contains(box)) {
    return Error(command_name,
                 absl::StrCat(role, " box ", box.ToString(), " is empty or not inside residency ",
                              residency_index, " box ", region.box.ToString()));
  }
  stream::Operand operand;
  operand.set_tensor(static_cast<uint32_t>(tensor));
  operand.set_region_address(static_cast<uint64_t>(region.offset_bytes));
  EncodeBox(region.box, operand.mutable_region());
  EncodeBox(box, operand.mutable_box());
  return operand;
}

absl::StatusOr<stream::Command> CommandEmitter::EmitCompute(int compute_index,
                                                            CommandPlace place) const {
  RET_CHECK(compute_index >= 0 && compute_index < static_cast<int>(program_.compute_ops.size()));
  const schedule::ComputeOp& op = program_.compute_ops[compute_index];
  if (op.layer < 0 || op.layer >= static_cast<graph::LayerId>(graph_.layers.size())) {
    return absl::InternalError(absl::StrCat("compute op ", compute_index, " runs layer ", op.layer,
                                            ", outside the graph's ", graph_.layers.size(),
                                            " layers"));
  }
  const graph::Layer& layer = graph_.layers[op.layer];

  stream::Command command;
  stream::Origin* origin = command.mutable_origin();
  origin->set_node(NodeOf(op.layer));
  origin->set_group(op.group);
  origin->set_subgroup(op.subgroup);
  origin->set_tile(op.tile);
  origin->set_position(op.position);
  command.set_cycles(op.cycles);
  stream::Compute* compute = command.mutable_compute();
  const std::string name = CommandName(place.queue, place.command_index, command);

  compute->set_layer(static_cast<uint32_t>(op.layer));
  EncodeBox(op.output_box, compute->mutable_output_box());
  compute->set_accumulate(op.accumulate);
  compute->set_final_partial(op.final_partial);

  if (op.output_residencies.empty()) return Error(name, "the compute op has no output residency");
  for (int residency : op.output_residencies) {
    ASSIGN_OR_RETURN(*compute->add_outputs(),
                     MakeOperand(residency, layer.output, op.output_box, "output", name));
  }
  if (op.inputs.size() != layer.inputs.size()) {
    return Error(name,
                 absl::StrCat("the compute op has ", op.inputs.size(), " input operands, layer '",
                              layer.name, "' has ", layer.inputs.size(), " inputs"));
  }
  for (size_t index = 0; index < op.inputs.size(); ++index) {
    const schedule::Operand& input = op.inputs[index];
    if (input.tensor != layer.inputs[index]) {
      return Error(name,
                   absl::StrCat("input ", index, " names tensor id ", input.tensor, ", layer '",
                                layer.name, "' reads tensor id ", layer.inputs[index]));
    }
    ASSIGN_OR_RETURN(*compute->add_inputs(), MakeOperand(input.residency, input.tensor, input.box,
                                                         absl::StrCat("input ", index), name));
  }
  if (op.weight.has_value() != layer.weight.has_value()) {
    return Error(name, absl::StrCat("the compute op ", op.weight ? "has a" : "has no",
                                    " weight operand, layer '", layer.name, "' ",
                                    layer.weight ? "has" : "has no", " weight"));
  }
  if (op.weight) {
    if (op.weight->tensor != *layer.weight) {
      return Error(
          name, absl::StrCat("the weight operand names tensor id ", op.weight->tensor, ", layer '",
                             layer.name, "' has weight tensor id ", *layer.weight));
    }
    ASSIGN_OR_RETURN(
        *compute->mutable_weight(),
        MakeOperand(op.weight->residency, op.weight->tensor, op.weight->box, "weight", name));
  }
  return command;
}

stream::Origin CommandEmitter::TransferOrigin(const schedule::TransferOp& transfer) const {
  stream::Origin origin;
  origin.set_node(NodeOf(transfer.key.layer));
  origin.set_tile(transfer.key.tile);
  origin.set_transfer(transfer.key.ToString());
  // A load serves the first op that computes the tile, a store follows the last one.
  origin.set_group(-1);
  origin.set_subgroup(-1);
  origin.set_position(-1);
  auto found = tile_ops_.find({transfer.key.layer, transfer.key.tile});
  if (found != tile_ops_.end()) {
    const bool is_load = transfer.direction == schedule::TransferDirection::kLoad;
    const schedule::ComputeOp& op =
        program_.compute_ops[is_load ? found->second.first : found->second.second];
    origin.set_group(op.group);
    origin.set_subgroup(op.subgroup);
    origin.set_position(op.position);
  }
  return origin;
}

absl::StatusOr<stream::Command> CommandEmitter::EmitTransfer(int transfer_id,
                                                             CommandPlace place) const {
  RET_CHECK(transfer_id >= 0 && transfer_id < static_cast<int>(program_.transfers.size()));
  const schedule::TransferOp& transfer = program_.transfers[transfer_id];

  stream::Command command;
  *command.mutable_origin() = TransferOrigin(transfer);
  command.set_cycles(transfer.cycles);
  stream::Dma* dma = transfer.direction == schedule::TransferDirection::kLoad
                         ? command.mutable_load()
                         : command.mutable_store();
  const std::string name = CommandName(place.queue, place.command_index, command);

  if (transfer.tensor < 0 ||
      transfer.tensor >= static_cast<graph::TensorId>(graph_.tensors.size())) {
    return Error(name, absl::StrCat("moves tensor id ", transfer.tensor, ", outside the graph's ",
                                    graph_.tensors.size(), " tensors"));
  }
  const graph::Tensor& tensor = graph_.tensors[transfer.tensor];
  ASSIGN_OR_RETURN(const Region region, ResolveResidency(transfer.residency, name));
  if (region.tensor != transfer.tensor) {
    return Error(
        name, absl::StrCat("moves tensor '", tensor.name, "', but residency ", transfer.residency,
                           " holds tensor '", graph_.tensors[region.tensor].name, "'"));
  }
  const graph::Box& box = transfer.box;
  if (box.IsEmpty() || !graph::Box::Full(tensor.shape).Contains(box)) {
    return Error(name,
                 absl::StrCat("box ", box.ToString(), " is empty or outside tensor '", tensor.name,
                              "' of shape ", graph::ShapeToString(tensor.shape)));
  }
  if (!region.box.Contains(box)) {
    return Error(name, absl::StrCat("box ", box.ToString(), " is not inside residency ",
                                    transfer.residency, " box ", region.box.ToString()));
  }
  const stream::Tensor& entry = tables_.tensors(transfer.tensor);
  RET_CHECK(entry.in_dram(), "every transferred tensor has a DRAM placement");

  const int64_t element_bytes = region.element_bytes;
  const int64_t bytes = box.Volume() * element_bytes;
  if (bytes != transfer.bytes) {
    return Error(name, absl::StrCat("box ", box.ToString(), " contains ", box.Volume(),
                                    " elements of ", element_bytes, " bytes = ", bytes,
                                    " bytes, but the transfer moves ", transfer.bytes, " bytes"));
  }
  dma->set_tensor(static_cast<uint32_t>(transfer.tensor));
  EncodeBox(box, dma->mutable_box());
  const Strides dram_strides = DenseStrides(tensor.shape);
  dma->set_dram_address(
      entry.dram_offset() +
      static_cast<uint64_t>(DenseOffset(graph::Box::Full(tensor.shape), box.lo) * element_bytes));
  dma->mutable_dram_strides()->Assign(dram_strides.begin(), dram_strides.end());
  const Strides buffer_strides = DenseStrides(region.box.Extents());
  dma->set_buffer_address(
      static_cast<uint64_t>(region.offset_bytes + DenseOffset(region.box, box.lo) * element_bytes));
  dma->mutable_buffer_strides()->Assign(buffer_strides.begin(), buffer_strides.end());
  dma->set_bytes(static_cast<uint64_t>(bytes));
  return command;
}

}  // namespace soma::codegen
