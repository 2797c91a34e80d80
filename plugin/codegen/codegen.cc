// codegen.cc: EmitCommandStream, the codegen stage driver.
//
// Plan: 1. check that the Program and the allocation agree in size; 2. write the header, the
// hardware and the graph tables; 3. place the moved tensors in DRAM; 4. emit the compute
// queue and every DMA queue, each command preceded by its waits; 5. copy the estimate;
// 6. check the legality of every command and the message size.
#include "codegen/codegen.h"

#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/command_emitter.h"
#include "codegen/dram_layout.h"
#include "codegen/graph_tables.h"
#include "codegen/stream_io.h"
#include "codegen/stream_legality.h"
#include "codegen/sync_insertion.h"
#include "soma/status_macros.h"

namespace soma::codegen {
namespace {

absl::Status CheckProgramSizes(const schedule::Program& program,
                               const alloc::BufferAllocation& allocation) {
  if (allocation.offsets.size() != program.residencies.size()) {
    return absl::InternalError(absl::StrCat("the buffer allocation has ", allocation.offsets.size(),
                                            " offsets for the program's ",
                                            program.residencies.size(), " residencies"));
  }
  if (program.compute_waits.size() != program.compute_ops.size()) {
    return absl::InternalError(absl::StrCat("the program has ", program.compute_waits.size(),
                                            " compute wait lists for ", program.compute_ops.size(),
                                            " compute ops"));
  }
  if (program.transfer_waits.size() != program.transfers.size()) {
    return absl::InternalError(absl::StrCat("the program has ", program.transfer_waits.size(),
                                            " transfer wait lists for ", program.transfers.size(),
                                            " transfers"));
  }
  return absl::OkStatus();
}

void AddWaits(const std::vector<stream::Wait>& waits, const stream::Command& guarded,
              stream::Queue* queue) {
  for (const stream::Wait& wait : waits) {
    stream::Command* command = queue->add_commands();
    *command->mutable_wait() = wait;
    // The wait carries the origin of the command it guards, so replay errors name a node.
    *command->mutable_origin() = guarded.origin();
  }
}

// Emits one queue: `emit(ordinal, place)` builds the command of the queue's ordinal-th
// operation, and `dependencies[ordinal]` lists the operations it waits for.
template <typename EmitFn>
absl::Status EmitQueue(int queue_id, int op_count, WaitPlanner* planner,
                       const std::vector<const std::vector<schedule::OpRef>*>& dependencies,
                       EmitFn emit, stream::Queue* queue) {
  queue->set_id(static_cast<uint32_t>(queue_id));
  queue->set_kind(queue_id == 0 ? stream::Queue::COMPUTE : stream::Queue::DMA);
  for (int ordinal = 0; ordinal < op_count; ++ordinal) {
    absl::StatusOr<std::vector<stream::Wait>> waits =
        planner->PlanWaits(QueueSlot{queue_id, ordinal}, *dependencies[ordinal]);
    const CommandPlace place{
        queue_id, queue->commands_size() + (waits.ok() ? static_cast<int>(waits->size()) : 0)};
    ASSIGN_OR_RETURN(stream::Command command, emit(ordinal, place));
    if (!waits.ok()) {
      return absl::InternalError(absl::StrCat(
          CommandName(place.queue, place.command_index, command), ": ", waits.status().message()));
    }
    AddWaits(*waits, command, queue);
    *queue->add_commands() = std::move(command);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<stream::CommandStream> EmitCommandStream(const graph::LayerGraph& graph,
                                                        const schedule::Program& program,
                                                        const alloc::BufferAllocation& allocation,
                                                        const arch::ArchConfig& config) {
  // Step 1: sizes that every later step indexes by.
  RETURN_IF_ERROR(CheckProgramSizes(program, allocation));

  // Step 2: header, hardware, tensor and layer tables.
  stream::CommandStream command_stream;
  stream::Header* header = command_stream.mutable_header();
  header->set_magic(kStreamMagic);
  header->set_schema_version(kStreamSchemaVersion);
  header->set_hardware_hash(config.Hash());
  header->set_hardware_name(config.name);
  header->set_model_name(graph.model_name);
  header->set_strategy(program.schedule.strategy);
  *command_stream.mutable_hardware() = EncodeHardware(config);
  EncodeGraphTables(graph, config, &command_stream);

  // Step 3: DRAM placement.
  RETURN_IF_ERROR(AssignDramPlacement(graph, program, &command_stream));

  // Step 4: the queues. They are built apart and moved in, so the emitter reads fixed tables.
  ASSIGN_OR_RETURN(const QueueLayout layout, QueueLayout::Build(program));
  const CommandEmitter emitter(graph, program, allocation, command_stream);
  WaitPlanner planner(layout);
  std::vector<stream::Queue> queues(layout.queue_count());

  std::vector<const std::vector<schedule::OpRef>*> dependencies;
  for (const auto& waits : program.compute_waits) dependencies.push_back(&waits);
  RETURN_IF_ERROR(EmitQueue(
      0, static_cast<int>(program.compute_ops.size()), &planner, dependencies,
      [&](int ordinal, CommandPlace place) { return emitter.EmitCompute(ordinal, place); },
      &queues[0]));
  for (int dma_queue = 0; dma_queue < static_cast<int>(program.dma_queues.size()); ++dma_queue) {
    const std::vector<int>& served = program.dma_queues[dma_queue];
    dependencies.clear();
    for (int transfer_id : served) dependencies.push_back(&program.transfer_waits[transfer_id]);
    RETURN_IF_ERROR(EmitQueue(
        dma_queue + 1, static_cast<int>(served.size()), &planner, dependencies,
        [&](int ordinal, CommandPlace place) {
          return emitter.EmitTransfer(served[ordinal], place);
        },
        &queues[dma_queue + 1]));
  }
  for (stream::Queue& queue : queues) *command_stream.add_queues() = std::move(queue);

  // Step 5: the scheduler's prediction.
  stream::Estimate* estimate = command_stream.mutable_estimate();
  estimate->set_latency_cycles(program.latency_cycles);
  estimate->set_energy_pj(program.energy_pj);
  estimate->set_dram_bytes(program.dram_bytes);
  estimate->set_peak_buffer_bytes(program.peak_buffer_bytes);

  // Step 6: legality of every command, and a message protobuf can serialise.
  RETURN_IF_ERROR(CheckStreamLegality(command_stream));
  const size_t message_bytes = command_stream.ByteSizeLong();
  if (message_bytes > static_cast<size_t>(INT_MAX)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the command stream of model '", graph.model_name, "' needs ", message_bytes,
                     " bytes, above the protobuf message limit of ", INT_MAX,
                     " bytes; most of it is the constant blob (",
                     command_stream.constant_blob().size(), " bytes of float32 weights)"));
  }
  return command_stream;
}

}  // namespace soma::codegen
