// structural_replay.cc: the structural level, on shadows of the buffer and of DRAM.
#include "replay/structural_replay.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "replay/buffer_shadow.h"
#include "replay/decoded_stream.h"
#include "replay/dram_shadow.h"
#include "replay/stream_validation.h"
#include "replay/tensor_layout.h"
#include "soma/status_macros.h"

namespace soma::replay {

namespace {

int64_t ElementBytesOf(const stream::CommandStream& command_stream, uint32_t tensor_id) {
  return command_stream.tensors(static_cast<int>(tensor_id)).element_bytes();
}

/// Checks that the whole region of every operand lies in the buffer, since a kernel may read
/// any element of its regions.
bool CheckOperandRegions(const stream::CommandStream& command_stream, int work_id,
                         const stream::Compute& compute, BufferShadow* shadow) {
  auto check = [&](const stream::Operand& operand, const std::string& operand_name) {
    return shadow->CheckBounds(work_id,
                               OperandAccess(operand, ToBox(operand.region()),
                                             ElementBytesOf(command_stream, operand.tensor())),
                               operand_name);
  };
  for (int k = 0; k < compute.inputs_size(); ++k) {
    if (!check(compute.inputs(k), absl::StrCat("the region of input ", k))) return false;
  }
  if (compute.has_weight() && !check(compute.weight(), "the weight region")) return false;
  for (int k = 0; k < compute.outputs_size(); ++k) {
    if (!check(compute.outputs(k), absl::StrCat("the region of output ", k))) return false;
  }
  return true;
}

/// Runs one compute command on the shadow: bounds first, then every read, then the writes.
void ReplayCompute(const stream::CommandStream& command_stream, int work_id,
                   const stream::Compute& compute, BufferShadow* shadow) {
  struct Access {
    BufferAccess access;
    std::string operand_name;
    DataState state = DataState::kFinal;
  };
  std::vector<Access> reads;
  std::vector<Access> writes;
  for (int k = 0; k < compute.inputs_size(); ++k) {
    const stream::Operand& operand = compute.inputs(k);
    reads.push_back({OperandAccess(operand, ToBox(operand.box()),
                                   ElementBytesOf(command_stream, operand.tensor())),
                     absl::StrCat("input ", k)});
  }
  if (compute.has_weight()) {
    const stream::Operand& operand = compute.weight();
    reads.push_back({OperandAccess(operand, ToBox(operand.box()),
                                   ElementBytesOf(command_stream, operand.tensor())),
                     "the weight"});
  }
  const graph::Box output_box = ToBox(compute.output_box());
  for (int k = 0; k < compute.outputs_size(); ++k) {
    const stream::Operand& operand = compute.outputs(k);
    Access output{OperandAccess(operand, output_box, ElementBytesOf(command_stream, operand.tensor())),
                  absl::StrCat("output ", k)};
    if (compute.accumulate()) {
      reads.push_back({output.access, absl::StrCat("the partial sum in output ", k),
                       DataState::kPartialSum});
    }
    output.state = compute.final_partial() ? DataState::kFinal : DataState::kPartialSum;
    writes.push_back(std::move(output));
  }

  if (!CheckOperandRegions(command_stream, work_id, compute, shadow)) return;
  for (const Access& access : reads) {
    shadow->Read(work_id, access.access, access.operand_name, access.state);
  }
  for (const Access& access : writes) {
    shadow->Write(work_id, access.access, access.operand_name, access.state);
  }
}

}  // namespace

std::string StructuralReport::Summary() const {
  std::string text = absl::StrCat(
      "structural replay: ", ok() ? "ok" : "FAILED", "\n  commands: ", load_count, " loads (",
      loaded_bytes, " bytes), ", store_count, " stores (", stored_bytes, " bytes), ",
      compute_count, " computes, ", wait_count, " waits\n  shadow slot size: ", slot_bytes,
      " B (the greatest common divisor of the element sizes)\n");
  if (!ok()) {
    absl::StrAppend(&text, "  findings: ", findings.size() + dropped_finding_count, "\n",
                    FormatFindings(findings, dropped_finding_count));
  }
  return text;
}

absl::StatusOr<StructuralReport> ReplayStructural(const stream::CommandStream& command_stream) {
  ASSIGN_OR_RETURN(DecodedStream decoded, DecodeStream(command_stream));
  const CommandTable& table = *decoded.table;
  StructuralReport report;
  report.slot_bytes = SlotBytes(command_stream);
  for (const stream::Queue& queue : command_stream.queues()) {
    for (const stream::Command& command : queue.commands()) {
      if (command.kind_case() == stream::Command::kWait) ++report.wait_count;
    }
  }

  FindingList findings;
  const std::optional<HappensBefore> happens_before = CheckExecutable(decoded, &findings);
  if (happens_before.has_value()) {
    ValidateOperandBoxes(decoded.graph, table, &findings);
    BufferShadow buffer(table, *happens_before, command_stream.hardware().buffer_bytes(),
                        report.slot_bytes, &findings);
    DramShadow dram(table, *happens_before, &findings);
    for (int work_id : happens_before->order()) {
      if (findings.Full()) break;
      const stream::Command& command = table.work_command(work_id);
      switch (command.kind_case()) {
        case stream::Command::kLoad: {
          const stream::Dma& dma = command.load();
          ++report.load_count;
          report.loaded_bytes += static_cast<int64_t>(dma.bytes());
          const BufferAccess access = DmaBufferAccess(dma, ElementBytesOf(command_stream, dma.tensor()));
          if (!buffer.CheckBounds(work_id, access, "the load's buffer side")) break;
          if (!dram.CheckAddressing(work_id, dma)) break;
          dram.Load(work_id, dma);
          buffer.Write(work_id, access, "the loaded box");
          break;
        }
        case stream::Command::kStore: {
          const stream::Dma& dma = command.store();
          ++report.store_count;
          report.stored_bytes += static_cast<int64_t>(dma.bytes());
          const BufferAccess access = DmaBufferAccess(dma, ElementBytesOf(command_stream, dma.tensor()));
          if (!buffer.CheckBounds(work_id, access, "the store's buffer side")) break;
          if (!dram.CheckAddressing(work_id, dma)) break;
          buffer.Read(work_id, access, "the stored box");
          dram.Store(work_id, dma);
          break;
        }
        case stream::Command::kCompute:
          ++report.compute_count;
          ReplayCompute(command_stream, work_id, command.compute(), &buffer);
          break;
        case stream::Command::kWait:
        case stream::Command::KIND_NOT_SET:
          break;
      }
    }
    if (!findings.Full()) dram.CheckOutputsWritten();
  }

  report.dropped_finding_count = findings.dropped_count();
  report.findings = findings.Release();
  return report;
}

}  // namespace soma::replay
