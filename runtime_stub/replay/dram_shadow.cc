// dram_shadow.cc: transfer addressing, store tracking and output coverage in DRAM.
#include "replay/dram_shadow.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "replay/tensor_layout.h"

namespace soma::replay {

DramShadow::DramShadow(const CommandTable& table, const HappensBefore& hb, FindingList* findings)
    : table_(table), hb_(hb), findings_(findings), stores_(table.command_stream().tensors_size()) {}

bool DramShadow::IsTrackedTensor(int tensor_id) const {
  const stream::Tensor::Role role = table_.command_stream().tensors(tensor_id).role();
  return role != stream::Tensor::ROLE_CONSTANT && role != stream::Tensor::ROLE_NETWORK_INPUT;
}

std::vector<int32_t>& DramShadow::StoresOf(int tensor_id) {
  std::vector<int32_t>& stores = stores_[tensor_id];
  if (stores.empty()) {
    const graph::Shape shape = TensorShape(table_.command_stream().tensors(tensor_id));
    stores.assign(static_cast<size_t>(graph::ElementCount(shape)), -1);
  }
  return stores;
}

bool DramShadow::CheckAddressing(int work_id, const stream::Dma& dma) {
  const stream::Tensor& tensor = table_.command_stream().tensors(static_cast<int>(dma.tensor()));
  const graph::Shape shape = TensorShape(tensor);
  const graph::Box box = ToBox(dma.box());
  const int64_t element_bytes = tensor.element_bytes();
  const Strides tensor_strides = DenseStrides(shape);
  const CommandRef ref = table_.work(work_id).ref;

  // The byte range the descriptor touches, from its own address and strides.
  int64_t low_offset = 0;
  int64_t high_offset = 0;
  for (int d = 0; d < graph::kRank; ++d) {
    const int64_t reach = (box.Extent(d) - 1) * dma.dram_strides(d);
    low_offset += std::min<int64_t>(0, reach);
    high_offset += std::max<int64_t>(0, reach);
  }
  const int64_t dram_address = static_cast<int64_t>(dma.dram_address());
  const int64_t lowest = dram_address + low_offset * element_bytes;
  const int64_t end = dram_address + (high_offset + 1) * element_bytes;
  const int64_t range_begin = static_cast<int64_t>(tensor.dram_offset());
  const int64_t range_end = range_begin + static_cast<int64_t>(tensor.dram_bytes());
  if (lowest < range_begin || end > range_end) {
    findings_->Add(FindingKind::kOutOfBounds, ref,
                   absl::StrCat(table_.Describe(ref), " touches DRAM bytes [", lowest, ", ", end,
                                "), outside tensor ", table_.TensorName(dma.tensor()),
                                "'s DRAM range [", range_begin, ", ", range_end, ")"));
    return false;
  }

  const int64_t expected_address =
      range_begin + FlatIndex(shape, box.lo) * element_bytes;
  if (dram_address != expected_address) {
    findings_->Add(FindingKind::kMalformedCommand, ref,
                   absl::StrCat(table_.Describe(ref), ": DRAM address ", dram_address,
                                " does not hold element ", CoordinateToString(box.lo),
                                " of tensor ", table_.TensorName(dma.tensor()), ", expected ",
                                expected_address, " (dram_offset ", range_begin, " + flat index ",
                                FlatIndex(shape, box.lo), " x ", element_bytes, " bytes)"));
    return false;
  }
  for (int d = 0; d < graph::kRank; ++d) {
    if (box.Extent(d) > 1 && dma.dram_strides(d) != tensor_strides[d]) {
      findings_->Add(FindingKind::kMalformedCommand, ref,
                     absl::StrCat(table_.Describe(ref), ": DRAM stride ", d, " is ",
                                  dma.dram_strides(d), " elements, expected ", tensor_strides[d],
                                  " (tensor ", table_.TensorName(dma.tensor()), " of shape ",
                                  graph::ShapeToString(shape), " in NCHW order)"));
      return false;
    }
  }
  return true;
}

void DramShadow::Load(int work_id, const stream::Dma& dma) {
  const int tensor_id = static_cast<int>(dma.tensor());
  if (!IsTrackedTensor(tensor_id)) return;
  const std::vector<int32_t>& stores = StoresOf(tensor_id);
  const graph::Shape shape = TensorShape(table_.command_stream().tensors(tensor_id));
  const CommandRef ref = table_.work(work_id).ref;
  BufferAccess dense;
  dense.tensor = tensor_id;
  dense.box = ToBox(dma.box());
  dense.strides = DenseStrides(shape);
  ForEachElement(dense, [&](const Coordinate& x, int64_t flat_index) {
    const int32_t store = stores[flat_index];
    if (store < 0) {
      findings_->Add(FindingKind::kLoadBeforeStore, ref,
                     absl::StrCat(table_.Describe(ref), " loads element ", CoordinateToString(x),
                                  " of tensor ", table_.TensorName(tensor_id),
                                  " from DRAM, which no store ordered before it has written; "
                                  "store it first, or add a Wait for the store that does"));
      return false;
    }
    if (!hb_.Before(store, work_id)) {
      const WorkCommand& store_work = table_.work(store);
      findings_->Add(FindingKind::kRace, ref,
                     absl::StrCat(table_.Describe(ref), " loads element ", CoordinateToString(x),
                                  " of tensor ", table_.TensorName(tensor_id),
                                  " from DRAM, stored by ", table_.DescribeWork(store),
                                  ", which is not ordered before the load; add a Wait for ",
                                  CommandCount(store_work.position + 1), " of queue ",
                                  store_work.ref.queue, " before the load"));
      return false;
    }
    return true;
  });
}

void DramShadow::Store(int work_id, const stream::Dma& dma) {
  const int tensor_id = static_cast<int>(dma.tensor());
  std::vector<int32_t>& stores = StoresOf(tensor_id);
  BufferAccess dense;
  dense.tensor = tensor_id;
  dense.box = ToBox(dma.box());
  dense.strides = DenseStrides(TensorShape(table_.command_stream().tensors(tensor_id)));
  ForEachElement(dense, [&](const Coordinate&, int64_t flat_index) {
    stores[flat_index] = work_id;
    return true;
  });
}

void DramShadow::CheckOutputsWritten() {
  const stream::CommandStream& command_stream = table_.command_stream();
  std::vector<bool> checked(command_stream.tensors_size(), false);
  for (uint32_t output : command_stream.network_outputs()) {
    const int tensor_id = static_cast<int>(output);
    if (checked[tensor_id]) continue;
    checked[tensor_id] = true;
    const std::vector<int32_t>& stores = StoresOf(tensor_id);
    const int64_t missing = std::count(stores.begin(), stores.end(), -1);
    if (missing == 0) continue;
    const int64_t first = std::find(stores.begin(), stores.end(), -1) - stores.begin();
    const graph::Shape shape = TensorShape(command_stream.tensors(tensor_id));
    std::string producer;
    for (const stream::Layer& layer : command_stream.layers()) {
      if (layer.output_tensor() == output) {
        producer = absl::StrCat(", produced by layer \"", layer.name(), "\"");
        break;
      }
    }
    findings_->Add(FindingKind::kOutputNeverWritten, std::nullopt,
                   absl::StrCat("network output ", table_.TensorName(tensor_id), producer,
                                ": no store writes element ",
                                CoordinateToString(CoordinateOf(shape, first)), " (", missing,
                                " of ", stores.size(), " elements are never written); the "
                                "stream must store every output element"));
  }
}

}  // namespace soma::replay
