// program_verify.cc: Program::Verify, the invariants later stages rely on, and the enum names
// of program.h.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "schedule/program.h"

namespace soma::schedule {

const char* ResidencyKindName(ResidencyKind kind) {
  switch (kind) {
    case ResidencyKind::kLoadedInput:
      return "loaded_input";
    case ResidencyKind::kWeight:
      return "weight";
    case ResidencyKind::kTileOutput:
      return "tile_output";
    case ResidencyKind::kFullMap:
      return "full_map";
  }
  return "unknown";
}

namespace {

// Relative tolerance of the energy total, which sums doubles in another order.
constexpr double kEnergyTolerance = 1e-9;

absl::Status Broken(const std::string& rule, const std::string& detail) {
  return absl::InternalError(absl::StrCat("program invariant '", rule, "' broken: ", detail));
}

std::string OpName(const ComputeOp& op) {
  return absl::StrCat("compute op at position ", op.position, " (layer ", op.layer, " tile ",
                      op.tile, ")");
}

std::string TransferName(int transfer, const TransferOp& op) {
  return absl::StrCat("transfer ", transfer, " (", op.key.ToString(), ")");
}

bool IsLiveAt(const Residency& residency, int position) {
  return residency.lifetime.start <= position && position < residency.lifetime.end;
}

class ProgramVerifier {
 public:
  explicit ProgramVerifier(const Program& program) : program_(program) {}

  absl::Status Run() {
    if (absl::Status status = CheckSizes(); !status.ok()) return status;
    if (absl::Status status = CheckResidencies(); !status.ok()) return status;
    if (absl::Status status = CheckComputeOps(); !status.ok()) return status;
    if (absl::Status status = CheckTransfers(); !status.ok()) return status;
    if (absl::Status status = CheckQueues(); !status.ok()) return status;
    if (absl::Status status = CheckWaitsAndTimings(); !status.ok()) return status;
    return CheckTotals();
  }

 private:
  absl::Status CheckSizes() const {
    const size_t positions = program_.compute_ops.size();
    const size_t transfers = program_.transfers.size();
    if (program_.compute_waits.size() != positions || program_.compute_timing.size() != positions ||
        program_.transfer_waits.size() != transfers ||
        program_.transfer_timing.size() != transfers) {
      return Broken("sizes", absl::StrCat(positions, " compute ops with ",
                                          program_.compute_waits.size(), " wait lists and ",
                                          program_.compute_timing.size(), " timings; ", transfers,
                                          " transfers with ", program_.transfer_waits.size(),
                                          " wait lists and ", program_.transfer_timing.size(),
                                          " timings"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckResidencies() const {
    for (size_t index = 0; index < program_.residencies.size(); ++index) {
      const Residency& residency = program_.residencies[index];
      if (residency.bytes <= 0 || residency.lifetime.start < -1 ||
          residency.lifetime.start >= residency.lifetime.end || residency.box.IsEmpty()) {
        return Broken("residency shape",
                      absl::StrCat("residency ", index, " (", ResidencyKindName(residency.kind),
                                   ", origin '", residency.origin, "') has ", residency.bytes,
                                   " bytes, box ", residency.box.ToString(), " and lifetime [",
                                   residency.lifetime.start, ", ", residency.lifetime.end, "]"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckOperand(const ComputeOp& op, const Operand& operand,
                            const std::string& role) const {
    if (operand.residency < 0 ||
        operand.residency >= static_cast<int>(program_.residencies.size())) {
      return Broken("operand residency", absl::StrCat(OpName(op), " reads ", role,
                                                      " from residency ", operand.residency,
                                                      ", which does not exist"));
    }
    const Residency& residency = program_.residencies[operand.residency];
    if (residency.tensor != operand.tensor || !residency.box.Contains(operand.box)) {
      return Broken("operand inside residency",
                    absl::StrCat(OpName(op), " reads ", role, " box ", operand.box.ToString(),
                                 " of tensor ", operand.tensor, " from residency ",
                                 operand.residency, ", which holds box ",
                                 residency.box.ToString(), " of tensor ", residency.tensor));
    }
    if (!IsLiveAt(residency, op.position)) {
      return Broken("lifetime covers use",
                    absl::StrCat(OpName(op), " uses residency ", operand.residency, " as ", role,
                                 ", but its lifetime is [", residency.lifetime.start, ", ",
                                 residency.lifetime.end, "]"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckComputeOps() const {
    for (size_t index = 0; index < program_.compute_ops.size(); ++index) {
      const ComputeOp& op = program_.compute_ops[index];
      if (op.position != static_cast<int>(index) || op.output_box.IsEmpty() || op.cycles < 0) {
        return Broken("compute op shape",
                      absl::StrCat(OpName(op), " is entry ", index, " of the compute queue, with",
                                   " output box ", op.output_box.ToString(), " and ", op.cycles,
                                   " cycles"));
      }
      for (size_t input = 0; input < op.inputs.size(); ++input) {
        if (absl::Status status = CheckOperand(op, op.inputs[input], absl::StrCat("input ", input));
            !status.ok()) {
          return status;
        }
      }
      if (op.weight) {
        if (absl::Status status = CheckOperand(op, *op.weight, "weights"); !status.ok()) {
          return status;
        }
      }
      if (op.output_residencies.empty()) {
        return Broken("output residency", OpName(op) + " writes no residency");
      }
      for (int residency : op.output_residencies) {
        Operand output{residency, -1, op.output_box};
        if (residency >= 0 && residency < static_cast<int>(program_.residencies.size())) {
          output.tensor = program_.residencies[residency].tensor;
        }
        if (absl::Status status = CheckOperand(op, output, "its output"); !status.ok()) {
          return status;
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckTransfers() const {
    for (size_t index = 0; index < program_.transfers.size(); ++index) {
      const TransferOp& op = program_.transfers[index];
      const std::string name = TransferName(static_cast<int>(index), op);
      if (op.residency < 0 || op.residency >= static_cast<int>(program_.residencies.size())) {
        return Broken("transfer residency",
                      absl::StrCat(name, " uses residency ", op.residency, ", which does not exist"));
      }
      const Residency& residency = program_.residencies[op.residency];
      if (residency.tensor != op.tensor || !residency.box.Contains(op.box) || op.box.IsEmpty()) {
        return Broken("transfer inside residency",
                      absl::StrCat(name, " moves box ", op.box.ToString(), " of tensor ",
                                   op.tensor, " through residency ", op.residency,
                                   ", which holds box ", residency.box.ToString(), " of tensor ",
                                   residency.tensor));
      }
      if (op.bytes <= 0 || op.cycles < 0 || op.queue < 0 ||
          op.queue >= static_cast<int>(program_.dma_queues.size())) {
        return Broken("transfer shape", absl::StrCat(name, " has ", op.bytes, " bytes, ",
                                                     op.cycles, " cycles and DMA queue ",
                                                     op.queue, " of ",
                                                     program_.dma_queues.size()));
      }
    }
    return CheckLoadsFillResidencies();
  }

  // The loads of a residency (one, or the chunks of a split load) partition its box.
  absl::Status CheckLoadsFillResidencies() const {
    std::vector<std::vector<int>> loads(program_.residencies.size());
    for (size_t index = 0; index < program_.transfers.size(); ++index) {
      const TransferOp& op = program_.transfers[index];
      if (op.direction == TransferDirection::kLoad) {
        loads[op.residency].push_back(static_cast<int>(index));
      }
    }
    for (size_t residency = 0; residency < loads.size(); ++residency) {
      if (loads[residency].empty()) continue;
      int64_t volume = 0;
      for (size_t a = 0; a < loads[residency].size(); ++a) {
        const TransferOp& op = program_.transfers[loads[residency][a]];
        volume += op.box.Volume();
        for (size_t b = 0; b < a; ++b) {
          if (op.box.Overlaps(program_.transfers[loads[residency][b]].box)) {
            return Broken("loads partition residency",
                          absl::StrCat(TransferName(loads[residency][a], op), " overlaps ",
                                       TransferName(loads[residency][b],
                                                    program_.transfers[loads[residency][b]]),
                                       " in residency ", residency));
          }
        }
      }
      if (volume != program_.residencies[residency].box.Volume()) {
        return Broken("loads partition residency",
                      absl::StrCat("the loads of residency ", residency, " move ", volume,
                                   " elements of its box ",
                                   program_.residencies[residency].box.ToString(), " (",
                                   program_.residencies[residency].box.Volume(), " elements)"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckQueues() {
    queue_index_.assign(program_.transfers.size(), -1);
    for (size_t queue = 0; queue < program_.dma_queues.size(); ++queue) {
      const std::vector<int>& transfers = program_.dma_queues[queue];
      for (size_t index = 0; index < transfers.size(); ++index) {
        const int transfer = transfers[index];
        if (transfer < 0 || transfer >= static_cast<int>(program_.transfers.size()) ||
            queue_index_[transfer] >= 0 ||
            program_.transfers[transfer].queue != static_cast<int>(queue)) {
          return Broken("queue lists each transfer once",
                        absl::StrCat("DMA queue ", queue, " entry ", index, " is transfer ",
                                     transfer, ", which is out of range, listed twice or "
                                     "assigned to another queue"));
        }
        queue_index_[transfer] = static_cast<int>(index);
      }
    }
    for (size_t transfer = 0; transfer < program_.transfers.size(); ++transfer) {
      if (queue_index_[transfer] < 0) {
        return Broken("queue lists each transfer once",
                      absl::StrCat(TransferName(static_cast<int>(transfer),
                                                program_.transfers[transfer]),
                                   " is in no DMA queue"));
      }
    }
    return absl::OkStatus();
  }

  // End cycle of `ref`, or -1 when `ref` names no operation.
  int64_t EndOf(const OpRef& ref) const {
    if (ref.kind == OpRef::Kind::kCompute) {
      if (ref.index < 0 || ref.index >= static_cast<int>(program_.compute_timing.size())) return -1;
      return program_.compute_timing[ref.index].end_cycle;
    }
    if (ref.index < 0 || ref.index >= static_cast<int>(program_.transfer_timing.size())) return -1;
    return program_.transfer_timing[ref.index].end_cycle;
  }

  absl::Status CheckTiming(const std::string& name, const OpTiming& timing, int64_t cycles,
                           int64_t queue_free_cycle, const std::vector<OpRef>& waits) const {
    int64_t ready = queue_free_cycle;
    for (const OpRef& wait : waits) {
      const int64_t end = EndOf(wait);
      if (end < 0) {
        return Broken("waits refer to operations",
                      absl::StrCat(name, " waits for ",
                                   wait.kind == OpRef::Kind::kCompute ? "compute op " : "transfer ",
                                   wait.index, ", which does not exist"));
      }
      ready = std::max(ready, end);
    }
    if (timing.start_cycle != ready || timing.end_cycle != timing.start_cycle + cycles) {
      return Broken("timing obeys waits and queue order",
                    absl::StrCat(name, " runs [", timing.start_cycle, ", ", timing.end_cycle,
                                 ") cycles; its queue and waits make it start at ", ready,
                                 " and it takes ", cycles, " cycles"));
    }
    return absl::OkStatus();
  }

  absl::Status CheckWaitsAndTimings() const {
    int64_t queue_free = 0;
    for (size_t position = 0; position < program_.compute_ops.size(); ++position) {
      const ComputeOp& op = program_.compute_ops[position];
      if (absl::Status status = CheckTiming(OpName(op), program_.compute_timing[position],
                                            op.cycles, queue_free, program_.compute_waits[position]);
          !status.ok()) {
        return status;
      }
      queue_free = program_.compute_timing[position].end_cycle;
    }
    for (const std::vector<int>& queue : program_.dma_queues) {
      queue_free = 0;
      for (int transfer : queue) {
        const TransferOp& op = program_.transfers[transfer];
        if (absl::Status status =
                CheckTiming(TransferName(transfer, op), program_.transfer_timing[transfer],
                            op.cycles, queue_free, program_.transfer_waits[transfer]);
            !status.ok()) {
          return status;
        }
        queue_free = program_.transfer_timing[transfer].end_cycle;
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckTotals() const {
    int64_t latency = 0;
    double energy = 0;
    int64_t dram_bytes = 0;
    for (size_t position = 0; position < program_.compute_ops.size(); ++position) {
      latency = std::max(latency, program_.compute_timing[position].end_cycle);
      energy += program_.compute_ops[position].energy_pj;
    }
    for (size_t transfer = 0; transfer < program_.transfers.size(); ++transfer) {
      latency = std::max(latency, program_.transfer_timing[transfer].end_cycle);
      energy += program_.transfers[transfer].energy_pj;
      dram_bytes += program_.transfers[transfer].bytes;
    }

    // Peak live bytes over positions, by a difference array.
    int last_end = 0;
    for (const Residency& residency : program_.residencies) {
      last_end = std::max(last_end, residency.lifetime.end);
    }
    std::vector<int64_t> live(last_end + 2, 0);
    for (const Residency& residency : program_.residencies) {
      live[residency.lifetime.start + 1] += residency.bytes;
      live[residency.lifetime.end + 1] -= residency.bytes;
    }
    int64_t peak = 0;
    for (size_t index = 0; index < live.size(); ++index) {
      if (index > 0) live[index] += live[index - 1];
      peak = std::max(peak, live[index]);
    }

    const double energy_error = std::abs(energy - program_.energy_pj);
    if (latency != program_.latency_cycles || dram_bytes != program_.dram_bytes ||
        peak != program_.peak_buffer_bytes ||
        energy_error > kEnergyTolerance * std::max(1.0, std::abs(energy))) {
      return Broken("totals match operations",
                    absl::StrCat("latency ", program_.latency_cycles, " cycles (operations: ",
                                 latency, "), DRAM ", program_.dram_bytes, " bytes (",
                                 dram_bytes, "), peak buffer ", program_.peak_buffer_bytes,
                                 " bytes (", peak, "), energy ", program_.energy_pj, " pJ (",
                                 energy, ")"));
    }
    return absl::OkStatus();
  }

  const Program& program_;
  std::vector<int> queue_index_;
};

}  // namespace

absl::Status Program::Verify() const { return ProgramVerifier(*this).Run(); }

}  // namespace soma::schedule
