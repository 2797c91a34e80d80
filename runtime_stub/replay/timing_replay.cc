// timing_replay.cc: a discrete-event simulation of the stream's queues.
#include "replay/timing_replay.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arch/cost_model.h"
#include "codegen/stream_io.h"
#include "replay/decoded_stream.h"
#include "replay/tensor_layout.h"
#include "soma/status_macros.h"

namespace soma::replay {

namespace {

/// Cycles of work command `command` under the cost model.
int64_t ModelCycles(const arch::CostModel& cost_model, const graph::LayerGraph& graph,
                    const stream::Command& command) {
  switch (command.kind_case()) {
    case stream::Command::kLoad:
      return cost_model.DmaCycles(static_cast<int64_t>(command.load().bytes()));
    case stream::Command::kStore:
      return cost_model.DmaCycles(static_cast<int64_t>(command.store().bytes()));
    case stream::Command::kCompute: {
      const stream::Compute& compute = command.compute();
      const int layer_id = static_cast<int>(compute.layer());
      const arch::TileCost whole =
          cost_model.LayerTileCost(graph, layer_id, ToBox(compute.output_box()));
      // A compute that reads a slice of the input channels is a partial sum.
      const graph::Layer& layer = graph.layer(layer_id);
      if (compute.inputs_size() == 0 || layer.inputs.empty()) return whole.cycles;
      const int64_t total_channels = graph.tensor(layer.inputs[0]).shape[graph::kC];
      const graph::Box input_box = ToBox(compute.inputs(0).box());
      const bool reduction_layer =
          layer.kind == graph::LayerKind::kFullyConnected ||
          (layer.kind == graph::LayerKind::kConv && layer.Params<graph::ConvParams>().groups == 1);
      if (!reduction_layer) return whole.cycles;
      return arch::PartialSumTileCost(whole, input_box.Extent(graph::kC), total_channels).cycles;
    }
    case stream::Command::kWait:
    case stream::Command::KIND_NOT_SET:
      break;
  }
  return 0;
}

/// Checks the hardware fields the cost model divides by.
absl::Status CheckCostModelInputs(const stream::Hardware& hardware) {
  const std::pair<const char*, int64_t> fields[] = {
      {"clock_hz", hardware.clock_hz()},
      {"pe_rows", hardware.pe_rows()},
      {"pe_cols", hardware.pe_cols()},
      {"vector_width", hardware.vector_width()},
      {"lanes", hardware.lanes()},
      {"vector_ops_per_cycle", hardware.vector_ops_per_cycle()},
      {"buffer_bandwidth_bytes_per_cycle", hardware.buffer_bandwidth_bytes_per_cycle()},
      {"dram_bandwidth_bytes_per_second", hardware.dram_bandwidth_bytes_per_second()},
      {"activation_bytes", hardware.activation_bytes()},
      {"weight_bytes", hardware.weight_bytes()},
  };
  for (const auto& [name, value] : fields) {
    if (value <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "hardware ", name, " is ", value, "; the timing replay's cost model needs it positive"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string TimingReport::Summary() const {
  std::string text = absl::StrCat("timing replay: ", ok() ? "ok" : "FAILED", "\n  latency: ",
                                  latency_cycles, " cycles (estimate ", estimated_latency_cycles,
                                  " cycles)\n");
  for (size_t queue = 0; queue < queues.size(); ++queue) {
    absl::StrAppend(&text, "  queue ", queue, queue == 0 ? " (compute)" : " (dma)", ": busy ",
                    queues[queue].busy_cycles, ", stalled ", queues[queue].stall_cycles,
                    ", idle ", queues[queue].idle_cycles, " cycles\n");
  }
  if (!ok()) {
    absl::StrAppend(&text, "  findings: ", findings.size() + dropped_finding_count, "\n",
                    FormatFindings(findings, dropped_finding_count));
  }
  return text;
}

absl::StatusOr<TimingReport> ReplayTiming(const stream::CommandStream& command_stream) {
  ASSIGN_OR_RETURN(DecodedStream decoded, DecodeStream(command_stream));
  RETURN_IF_ERROR(CheckCostModelInputs(command_stream.hardware()));
  const CommandTable& table = *decoded.table;
  TimingReport report;
  report.estimated_latency_cycles = command_stream.estimate().latency_cycles();
  report.queues.resize(table.queue_count());
  report.commands.resize(table.queue_count());
  for (int queue = 0; queue < table.queue_count(); ++queue) {
    report.commands[queue].resize(command_stream.queues(queue).commands_size());
  }

  FindingList findings;
  const std::optional<HappensBefore> happens_before = CheckExecutable(decoded, &findings);
  if (!happens_before.has_value()) {
    report.dropped_finding_count = findings.dropped_count();
    report.findings = findings.Release();
    return report;
  }

  const arch::CostModel cost_model(codegen::DecodeHardware(command_stream.hardware()));
  std::vector<int64_t> queue_free_cycle(table.queue_count(), 0);
  std::vector<int64_t> end_cycle(table.work_count(), 0);
  // The happens-before order runs every wait's target before the waiting command.
  for (int work_id : happens_before->order()) {
    const WorkCommand& work = table.work(work_id);
    const int queue = work.ref.queue;
    const auto& commands = command_stream.queues(queue).commands();
    int64_t ready_cycle = queue_free_cycle[queue];
    for (int index = work.first_wait_index; index < work.ref.index; ++index) {
      const stream::Wait& wait = commands[index].wait();
      if (wait.count() > 0) {
        const int target = table.WorkId(static_cast<int>(wait.queue()),
                                        static_cast<int>(wait.count()) - 1);
        ready_cycle = std::max(ready_cycle, end_cycle[target]);
      }
      report.commands[queue][index] = CommandTiming{ready_cycle, ready_cycle};
    }
    const stream::Command& command = commands[work.ref.index];
    const int64_t duration_cycles = ModelCycles(cost_model, decoded.graph, command);
    if (duration_cycles != command.cycles()) {
      findings.Add(FindingKind::kCyclesMismatch, work.ref,
                   absl::StrCat(table.Describe(work.ref), " has cycles ", command.cycles(),
                                ", but the cost model gives ", duration_cycles, " cycles"));
    }
    report.queues[queue].stall_cycles += ready_cycle - queue_free_cycle[queue];
    report.queues[queue].busy_cycles += duration_cycles;
    end_cycle[work_id] = ready_cycle + duration_cycles;
    queue_free_cycle[queue] = end_cycle[work_id];
    report.commands[queue][work.ref.index] = CommandTiming{ready_cycle, end_cycle[work_id]};
    report.latency_cycles = std::max(report.latency_cycles, end_cycle[work_id]);
  }

  // Waits after a queue's last work command delay nothing. Give them their satisfaction time,
  // and check that every wait takes no cycles.
  for (int queue = 0; queue < table.queue_count(); ++queue) {
    const auto& commands = command_stream.queues(queue).commands();
    int64_t ready_cycle = queue_free_cycle[queue];
    const int work_count = table.WorkCountOf(queue);
    const int first_trailing =
        work_count == 0 ? 0 : table.work(table.WorkId(queue, work_count - 1)).ref.index + 1;
    for (int index = 0; index < commands.size(); ++index) {
      if (commands[index].kind_case() != stream::Command::kWait) continue;
      const stream::Wait& wait = commands[index].wait();
      if (index >= first_trailing) {
        if (wait.count() > 0) {
          const int target = table.WorkId(static_cast<int>(wait.queue()),
                                          static_cast<int>(wait.count()) - 1);
          ready_cycle = std::max(ready_cycle, end_cycle[target]);
        }
        report.commands[queue][index] = CommandTiming{ready_cycle, ready_cycle};
      }
      if (commands[index].cycles() != 0) {
        const CommandRef ref{queue, index};
        findings.Add(FindingKind::kCyclesMismatch, ref,
                     absl::StrCat(table.Describe(ref), " has cycles ", commands[index].cycles(),
                                  ", but waits take 0 cycles"));
      }
    }
  }
  for (QueueTiming& queue : report.queues) {
    queue.idle_cycles = report.latency_cycles - queue.busy_cycles - queue.stall_cycles;
  }

  if (report.latency_cycles != report.estimated_latency_cycles) {
    findings.Add(FindingKind::kLatencyMismatch, std::nullopt,
                 absl::StrCat("the replayed latency is ", report.latency_cycles,
                              " cycles, but the stream's estimate is ",
                              report.estimated_latency_cycles,
                              " cycles; codegen's waits differ from the dependencies the "
                              "schedule assumed"));
  }
  report.dropped_finding_count = findings.dropped_count();
  report.findings = findings.Release();
  return report;
}

}  // namespace soma::replay
