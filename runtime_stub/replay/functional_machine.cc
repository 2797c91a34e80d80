// functional_machine.cc: the fp32 state of DRAM and the buffer, and command execution.
#include "replay/functional_machine.h"

#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "kernels/kernels.h"
#include "replay/stream_validation.h"

namespace soma::replay {

namespace {

/// Float `index` of the little-endian float32 blob.
float BlobFloat(const std::string& blob, uint64_t index) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(blob.data()) + index * 4;
  const uint32_t bits = static_cast<uint32_t>(bytes[0]) | (static_cast<uint32_t>(bytes[1]) << 8) |
                        (static_cast<uint32_t>(bytes[2]) << 16) |
                        (static_cast<uint32_t>(bytes[3]) << 24);
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

}  // namespace

FunctionalMachine::FunctionalMachine(const CommandTable& table, const graph::LayerGraph& graph,
                                     const std::map<int, std::vector<float>>& inputs,
                                     FindingList* findings)
    : table_(table),
      graph_(graph),
      findings_(findings),
      buffer_bytes_(table.command_stream().hardware().buffer_bytes()),
      slot_bytes_(SlotBytes(table.command_stream())),
      buffer_(static_cast<size_t>(buffer_bytes_ / slot_bytes_),
              std::numeric_limits<float>::quiet_NaN()),
      dram_(table.command_stream().tensors_size()) {
  const stream::CommandStream& command_stream = table.command_stream();
  for (int id = 0; id < command_stream.tensors_size(); ++id) {
    const stream::Tensor& tensor = command_stream.tensors(id);
    if (tensor.role() != stream::Tensor::ROLE_CONSTANT) continue;
    const int64_t count = graph::ElementCount(TensorShape(tensor));
    std::vector<float>& values = dram_[id];
    if (tensor.has_fill()) {
      values.assign(static_cast<size_t>(count), tensor.constant_fill());
      continue;
    }
    values.resize(static_cast<size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      values[k] = BlobFloat(command_stream.constant_blob(), tensor.constant_blob_offset() + k);
    }
  }
  for (const auto& [id, values] : inputs) dram_[id] = values;
}

const std::vector<float>& FunctionalMachine::DramValues(int tensor_id) {
  std::vector<float>& values = dram_[tensor_id];
  if (values.empty()) {
    const graph::Shape shape = TensorShape(table_.command_stream().tensors(tensor_id));
    values.assign(static_cast<size_t>(graph::ElementCount(shape)), 0.0f);
  }
  return values;
}

int64_t FunctionalMachine::ElementBytesOf(uint32_t tensor_id) const {
  return table_.command_stream().tensors(static_cast<int>(tensor_id)).element_bytes();
}

bool FunctionalMachine::CheckBounds(int work_id, const BufferAccess& access, const char* operand_name) {
  const int64_t lowest = access.LowestAddress();
  const int64_t end = access.EndAddress();
  if (lowest >= 0 && end <= buffer_bytes_) return true;
  findings_->Add(FindingKind::kOutOfBounds, table_.work(work_id).ref,
                 absl::StrCat(table_.DescribeWork(work_id), ": ", operand_name, " touches buffer bytes [",
                              lowest, ", ", end, "), outside the ", buffer_bytes_, "-byte buffer"));
  return false;
}

void FunctionalMachine::Execute(int work_id) {
  const stream::Command& command = table_.work_command(work_id);
  switch (command.kind_case()) {
    case stream::Command::kLoad:
      Load(work_id, command.load());
      break;
    case stream::Command::kStore:
      Store(work_id, command.store());
      break;
    case stream::Command::kCompute:
      Compute(work_id, command.compute());
      break;
    case stream::Command::kWait:
    case stream::Command::KIND_NOT_SET:
      break;
  }
}

void FunctionalMachine::Load(int work_id, const stream::Dma& dma) {
  const BufferAccess access = DmaBufferAccess(dma, ElementBytesOf(dma.tensor()));
  if (!CheckBounds(work_id, access, "the load's buffer side")) return;
  const int tensor_id = static_cast<int>(dma.tensor());
  const std::vector<float>& values = DramValues(tensor_id);
  const graph::Shape shape = TensorShape(table_.command_stream().tensors(tensor_id));
  ForEachElement(access, [&](const Coordinate& x, int64_t address) {
    Slot(address) = values[FlatIndex(shape, x)];
    return true;
  });
}

void FunctionalMachine::Store(int work_id, const stream::Dma& dma) {
  const BufferAccess access = DmaBufferAccess(dma, ElementBytesOf(dma.tensor()));
  if (!CheckBounds(work_id, access, "the store's buffer side")) return;
  const int tensor_id = static_cast<int>(dma.tensor());
  DramValues(tensor_id);
  std::vector<float>& values = dram_[tensor_id];
  const graph::Shape shape = TensorShape(table_.command_stream().tensors(tensor_id));
  ForEachElement(access, [&](const Coordinate& x, int64_t address) {
    values[FlatIndex(shape, x)] = Slot(address);
    return true;
  });
}

FunctionalMachine::RegionData FunctionalMachine::ViewRegion(const stream::Operand& operand,
                                                            const graph::Box& box) {
  RegionData region;
  const int64_t element_bytes = ElementBytesOf(operand.tensor());
  if (element_bytes == slot_bytes_) {
    region.data = buffer_.data() + operand.region_address() / slot_bytes_;
    return region;
  }
  const graph::Box region_box = ToBox(operand.region());
  region.copy.assign(static_cast<size_t>(region_box.Volume()),
                     std::numeric_limits<float>::quiet_NaN());
  const Strides dense = DenseStrides(region_box.Extents());
  ForEachElement(OperandAccess(operand, box, element_bytes), [&](const Coordinate& x, int64_t address) {
    int64_t offset = 0;
    for (int d = 0; d < graph::kRank; ++d) offset += (x[d] - region_box.lo[d]) * dense[d];
    region.copy[offset] = Slot(address);
    return true;
  });
  region.data = region.copy.data();
  return region;
}

void FunctionalMachine::WriteBack(const stream::Operand& operand, const graph::Box& box,
                                  const RegionData& region) {
  if (region.copy.empty()) return;
  const graph::Box region_box = ToBox(operand.region());
  const Strides dense = DenseStrides(region_box.Extents());
  ForEachElement(OperandAccess(operand, box, ElementBytesOf(operand.tensor())),
                 [&](const Coordinate& x, int64_t address) {
                   int64_t offset = 0;
                   for (int d = 0; d < graph::kRank; ++d) offset += (x[d] - region_box.lo[d]) * dense[d];
                   Slot(address) = region.copy[offset];
                   return true;
                 });
}

void FunctionalMachine::Compute(int work_id, const stream::Compute& compute) {
  // A kernel may read any element of its operands' regions, so whole regions must fit.
  auto region_fits = [&](const stream::Operand& operand, const char* operand_name) {
    return CheckBounds(work_id,
                       OperandAccess(operand, ToBox(operand.region()), ElementBytesOf(operand.tensor())),
                       operand_name);
  };
  for (const stream::Operand& operand : compute.inputs()) {
    if (!region_fits(operand, "an input region")) return;
  }
  if (compute.has_weight() && !region_fits(compute.weight(), "the weight region")) return;
  for (const stream::Operand& operand : compute.outputs()) {
    if (!region_fits(operand, "an output region")) return;
  }
  const graph::Box output_box = ToBox(compute.output_box());

  kernels::KernelCall call;
  call.layer = static_cast<int>(compute.layer());
  call.output_box = output_box;
  call.accumulate = compute.accumulate();
  call.final_partial = compute.final_partial();
  std::vector<RegionData> input_regions;
  input_regions.reserve(compute.inputs_size() + 1);
  for (const stream::Operand& operand : compute.inputs()) {
    input_regions.push_back(ViewRegion(operand, ToBox(operand.box())));
    call.inputs.push_back(
        kernels::InputOperand{input_regions.back().data, ToBox(operand.region()), ToBox(operand.box())});
  }
  if (compute.has_weight()) {
    const stream::Operand& operand = compute.weight();
    input_regions.push_back(ViewRegion(operand, ToBox(operand.box())));
    call.weight = kernels::InputOperand{input_regions.back().data, ToBox(operand.region()),
                                        ToBox(operand.box())};
  }

  // The first output runs the kernel; the others receive a copy of its result, unless they
  // accumulate onto partial sums of their own.
  const stream::Operand& first = compute.outputs(0);
  RegionData first_region = ViewRegion(first, output_box);
  for (int k = 0; k < compute.outputs_size(); ++k) {
    const stream::Operand& operand = compute.outputs(k);
    RegionData region = k == 0 ? RegionData() : ViewRegion(operand, output_box);
    RegionData& target = k == 0 ? first_region : region;
    if (k == 0 || compute.accumulate()) {
      call.output = kernels::OutputOperand{target.data, ToBox(operand.region())};
      const absl::Status status = kernels::RunKernel(graph_, call);
      if (!status.ok()) {
        findings_->Add(FindingKind::kMalformedCommand, table_.work(work_id).ref,
                       absl::StrCat(table_.DescribeWork(work_id), ": the kernel rejects output ",
                                    k, ": ", status.message()));
        return;
      }
    } else {
      const BufferAccess from = OperandAccess(first, output_box, ElementBytesOf(first.tensor()));
      const BufferAccess to = OperandAccess(operand, output_box, ElementBytesOf(operand.tensor()));
      const graph::Box first_box = ToBox(first.region());
      const graph::Box target_box = ToBox(operand.region());
      const Strides first_dense = DenseStrides(first_box.Extents());
      const Strides target_dense = DenseStrides(target_box.Extents());
      ForEachElement(from, [&](const Coordinate& x, int64_t) {
        int64_t from_offset = 0;
        int64_t to_offset = 0;
        for (int d = 0; d < graph::kRank; ++d) {
          from_offset += (x[d] - first_box.lo[d]) * first_dense[d];
          to_offset += (x[d] - target_box.lo[d]) * target_dense[d];
        }
        if (target.copy.empty()) {
          Slot(to.AddressOf(x)) = first_region.data[from_offset];
        } else {
          target.copy[to_offset] = first_region.data[from_offset];
        }
        return true;
      });
    }
    WriteBack(operand, output_box, target);
  }
}

}  // namespace soma::replay
