// stream_validation.cc: checks that a command stream is well formed before any replay runs.
#include "replay/stream_validation.h"

#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/box_mapping.h"
#include "replay/layer_validation.h"
#include "replay/tensor_layout.h"

namespace soma::replay {

namespace {

absl::Status CheckTensorTable(const stream::CommandStream& command_stream) {
  const int64_t blob_floats = static_cast<int64_t>(command_stream.constant_blob().size()) / 4;
  int64_t total_elements = 0;
  for (int id = 0; id < command_stream.tensors_size(); ++id) {
    const stream::Tensor& tensor = command_stream.tensors(id);
    const std::string where = absl::StrCat("tensor ", id, " \"", tensor.name(), "\"");
    if (tensor.id() != static_cast<uint32_t>(id)) {
      return absl::InvalidArgumentError(absl::StrCat(where, " has id ", tensor.id(),
                                                     ", expected its table index ", id));
    }
    if (tensor.shape_size() != graph::kRank) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " has ", tensor.shape_size(), " shape extents, expected 4 (N, C, H, W)"));
    }
    int64_t elements = 1;
    for (int64_t extent : tensor.shape()) {
      if (extent <= 0 || extent > kMaxTensorElements) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, " has extent ", extent, ", expected 1 to ", kMaxTensorElements));
      }
      elements *= extent;
      if (elements > kMaxTensorElements) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, " has more than ", kMaxTensorElements, " elements, the replay's limit"));
      }
    }
    total_elements += elements;
    if (total_elements > kMaxTotalElements) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the tensors up to ", where, " have more than ", kMaxTotalElements,
          " elements together, the replay's limit"));
    }
    if (tensor.element_bytes() == 0 || tensor.element_bytes() > 16) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " has element_bytes ", tensor.element_bytes(), ", expected 1 to 16"));
    }
    if (tensor.in_dram() && (tensor.dram_offset() > static_cast<uint64_t>(kMaxAddress) ||
                             tensor.dram_bytes() > static_cast<uint64_t>(kMaxAddress))) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " has dram_offset ", tensor.dram_offset(), " and dram_bytes ", tensor.dram_bytes(),
          ", expected each at most ", kMaxAddress));
    }
    if (tensor.in_dram() &&
        tensor.dram_bytes() < static_cast<uint64_t>(elements) * tensor.element_bytes()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " has dram_bytes ", tensor.dram_bytes(), ", expected at least ",
          elements * tensor.element_bytes(), " (", elements, " elements of ",
          tensor.element_bytes(), " bytes)"));
    }
    if (tensor.role() != stream::Tensor::ROLE_CONSTANT) continue;
    if (tensor.has_fill()) continue;
    if (tensor.constant_count() != static_cast<uint64_t>(elements)) {
      return absl::InvalidArgumentError(absl::StrCat(where, " is a constant of ",
                                                     tensor.constant_count(), " values, expected ",
                                                     elements, " (its element count)"));
    }
    if (tensor.constant_blob_offset() > static_cast<uint64_t>(blob_floats) ||
        static_cast<uint64_t>(blob_floats) - tensor.constant_blob_offset() <
            tensor.constant_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " has constant values [", tensor.constant_blob_offset(), ", ",
                       tensor.constant_blob_offset() + tensor.constant_count(),
                       ") outside the constant blob of ", blob_floats, " floats"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckQueueTable(const stream::CommandStream& command_stream) {
  if (command_stream.queues_size() == 0) {
    return absl::InvalidArgumentError("the stream has no queues, expected the compute queue 0");
  }
  for (int id = 0; id < command_stream.queues_size(); ++id) {
    const stream::Queue& queue = command_stream.queues(id);
    if (queue.id() != static_cast<uint32_t>(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("queue ", id, " has id ", queue.id(), ", expected its table index ", id));
    }
    const stream::Queue::Kind expected = id == 0 ? stream::Queue::COMPUTE : stream::Queue::DMA;
    if (queue.kind() != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          "queue ", id, " has kind ", stream::Queue::Kind_Name(queue.kind()), ", expected ",
          stream::Queue::Kind_Name(expected), " (queue 0 computes, the others are DMA queues)"));
    }
  }
  return absl::OkStatus();
}

/// Collects the problems of one command as clauses of a single finding.
class CommandChecker {
 public:
  CommandChecker(const CommandTable& table, const CommandRef& ref)
      : table_(table), stream_(table.command_stream()), ref_(ref) {}

  void Fail(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }
  bool failed() const { return !problem_.empty(); }
  void Report(FindingList* findings) const {
    if (!failed()) return;
    findings->Add(FindingKind::kMalformedCommand, ref_,
                  absl::StrCat(table_.Describe(ref_), ": ", problem_));
  }

  /// Checks that `box` is rank 4, non-empty and inside tensor `tensor_id`.
  bool CheckBox(const stream::Box& box, uint32_t tensor_id, const std::string& field) {
    if (!HasRankFour(box)) {
      Fail(absl::StrCat(field, " has ", box.lo_size(), " lo and ", box.hi_size(),
                        " hi values, expected 4 each"));
      return false;
    }
    const graph::Box value = ToBox(box);
    if (value.IsEmpty()) {
      Fail(absl::StrCat(field, " ", value.ToString(), " is empty"));
      return false;
    }
    const graph::Shape shape = TensorShape(stream_.tensors(static_cast<int>(tensor_id)));
    if (!graph::Box::Full(shape).Contains(value)) {
      Fail(absl::StrCat(field, " ", value.ToString(), " lies outside tensor ",
                        table_.TensorName(tensor_id), " of shape ", graph::ShapeToString(shape)));
      return false;
    }
    return true;
  }

  /// Checks that every stride lies in [0, kMaxTensorElements].
  bool CheckStrides(const google::protobuf::RepeatedField<int64_t>& strides, const char* name) {
    for (int d = 0; d < strides.size(); ++d) {
      if (strides[d] < 0 || strides[d] > kMaxTensorElements) {
        Fail(absl::StrCat(name, " stride ", d, " is ", strides[d], ", expected 0 to ",
                          kMaxTensorElements, " elements"));
        return false;
      }
    }
    return true;
  }

  bool CheckTensor(uint32_t tensor_id, const std::string& field) {
    if (tensor_id >= static_cast<uint32_t>(stream_.tensors_size())) {
      Fail(absl::StrCat(field, " refers to tensor ", tensor_id, ", but the stream has ",
                        stream_.tensors_size(), " tensors"));
      return false;
    }
    return true;
  }

  void CheckDma(const stream::Dma& dma, bool is_store) {
    if (stream_.queues(ref_.queue).kind() != stream::Queue::DMA) {
      Fail("a DMA command sits on the compute queue; move it to a DMA queue");
      return;
    }
    if (!CheckTensor(dma.tensor(), "the transfer")) return;
    if (!CheckBox(dma.box(), dma.tensor(), "the box")) return;

    const stream::Tensor& tensor = stream_.tensors(static_cast<int>(dma.tensor()));
    if (dma.dram_strides_size() != graph::kRank || dma.buffer_strides_size() != graph::kRank) {
      Fail(absl::StrCat("has ", dma.dram_strides_size(), " DRAM strides and ",
                        dma.buffer_strides_size(), " buffer strides, expected 4 each"));
      return;
    }

    const int64_t volume = ToBox(dma.box()).Volume();
    const uint64_t expected_bytes = static_cast<uint64_t>(volume) * tensor.element_bytes();
    if (dma.bytes() != expected_bytes) {
      Fail(absl::StrCat("moves ", dma.bytes(), " bytes, expected ", expected_bytes, " (",
                        volume, " elements of ", tensor.element_bytes(), " bytes)"));
      return;
    }

    if (!tensor.in_dram()) {
      Fail(absl::StrCat("tensor ", table_.TensorName(dma.tensor()),
                        " has no DRAM placement (in_dram is false)"));
      return;
    }
    if (!CheckStrides(dma.buffer_strides(), "buffer") || !CheckStrides(dma.dram_strides(), "DRAM")) {
      return;
    }
    if (dma.buffer_address() > static_cast<uint64_t>(kMaxAddress) ||
        dma.dram_address() > static_cast<uint64_t>(kMaxAddress)) {
      Fail(absl::StrCat("has buffer address ", dma.buffer_address(), " and DRAM address ",
                        dma.dram_address(), ", expected each at most ", kMaxAddress));
      return;
    }
    if (!DmaBufferAccess(dma, tensor.element_bytes()).IsInjective()) {
      Fail("its buffer strides place two elements of the box on the same bytes");
      return;
    }

    if (is_store && tensor.role() == stream::Tensor::ROLE_CONSTANT) {
      Fail(absl::StrCat("stores into constant tensor ", table_.TensorName(dma.tensor())));
    }
    if (is_store && tensor.role() == stream::Tensor::ROLE_NETWORK_INPUT) {
      Fail(absl::StrCat("stores into network input ", table_.TensorName(dma.tensor())));
    }
  }

  /// Checks an operand of tensor `expected_tensor`: its region is inside the tensor and
  /// contains its box; for outputs, `expected_box` is the box it must equal.
  void CheckOperand(const stream::Operand& operand, uint32_t expected_tensor,
                    const std::string& field, const graph::Box* expected_box) {
    if (operand.tensor() != expected_tensor) {
      Fail(absl::StrCat(field, " has tensor ", table_.TensorName(operand.tensor()),
                        ", expected ", table_.TensorName(expected_tensor)));
      return;
    }
    if (!CheckBox(operand.region(), operand.tensor(), absl::StrCat(field, " region"))) return;
    if (operand.region_address() > static_cast<uint64_t>(kMaxAddress)) {
      Fail(absl::StrCat(field, " has region address ", operand.region_address(),
                        ", expected at most ", kMaxAddress));
      return;
    }
    if (!CheckBox(operand.box(), operand.tensor(), absl::StrCat(field, " box"))) return;
    const graph::Box region = ToBox(operand.region());
    const graph::Box box = ToBox(operand.box());
    if (!region.Contains(box)) {
      Fail(absl::StrCat(field, " box ", box.ToString(), " lies outside its region ",
                        region.ToString()));
      return;
    }
    if (expected_box != nullptr && box != *expected_box) {
      Fail(absl::StrCat(field, " box ", box.ToString(), " differs from the output box ",
                        expected_box->ToString()));
    }
  }

  void CheckCompute(const stream::Compute& compute) {
    if (stream_.queues(ref_.queue).kind() != stream::Queue::COMPUTE) {
      Fail("a compute command sits on a DMA queue; move it to the compute queue 0");
      return;
    }
    if (compute.layer() >= static_cast<uint32_t>(stream_.layers_size())) {
      Fail(absl::StrCat("refers to layer ", compute.layer(), ", but the stream has ",
                        stream_.layers_size(), " layers"));
      return;
    }

    const stream::Layer& layer = stream_.layers(static_cast<int>(compute.layer()));
    if (!CheckBox(compute.output_box(), layer.output_tensor(), "the output box")) return;
    const graph::Box output_box = ToBox(compute.output_box());
    if (compute.outputs_size() == 0) {
      Fail("has no output operand");
      return;
    }
    for (int k = 0; k < compute.outputs_size() && !failed(); ++k) {
      CheckOperand(compute.outputs(k), layer.output_tensor(), absl::StrCat("output ", k),
                   &output_box);
    }

    if (compute.inputs_size() != layer.input_tensors_size()) {
      Fail(absl::StrCat("has ", compute.inputs_size(), " input operands, but layer \"",
                        layer.name(), "\" reads ", layer.input_tensors_size(), " inputs"));
      return;
    }
    for (int k = 0; k < compute.inputs_size() && !failed(); ++k) {
      CheckOperand(compute.inputs(k), layer.input_tensors(k), absl::StrCat("input ", k),
                   nullptr);
    }
    if (failed()) return;

    if (layer.has_weight_tensor() != compute.has_weight()) {
      Fail(layer.has_weight_tensor()
               ? absl::StrCat("has no weight operand, but layer \"", layer.name(),
                              "\" reads weight tensor ", table_.TensorName(layer.weight_tensor()))
               : absl::StrCat("has a weight operand, but layer \"", layer.name(),
                              "\" has no weight"));
      return;
    }
    if (compute.has_weight()) {
      CheckOperand(compute.weight(), layer.weight_tensor(), "the weight", nullptr);
    }
  }

  void CheckWait(const stream::Wait& wait) {
    if (wait.queue() >= static_cast<uint32_t>(stream_.queues_size())) {
      Fail(absl::StrCat("waits for queue ", wait.queue(), ", but the stream has ",
                        stream_.queues_size(), " queues"));
    }
  }

 private:
  const CommandTable& table_;
  const stream::CommandStream& stream_;
  CommandRef ref_;
  std::string problem_;
};

}  // namespace

absl::Status ValidateStreamTables(const stream::CommandStream& command_stream) {
  const int64_t buffer_bytes = command_stream.hardware().buffer_bytes();
  if (buffer_bytes <= 0 || buffer_bytes > kMaxBufferBytes) {
    return absl::InvalidArgumentError(absl::StrCat("hardware buffer_bytes is ", buffer_bytes,
                                                   ", expected 1 to ", kMaxBufferBytes));
  }
  if (absl::Status status = CheckTensorTable(command_stream); !status.ok()) return status;
  if (absl::Status status = ValidateLayerTable(command_stream); !status.ok()) return status;
  return CheckQueueTable(command_stream);
}

void ValidateCommands(const CommandTable& table, FindingList* findings) {
  const stream::CommandStream& command_stream = table.command_stream();
  for (int queue = 0; queue < command_stream.queues_size(); ++queue) {
    const auto& commands = command_stream.queues(queue).commands();
    for (int index = 0; index < commands.size(); ++index) {
      const stream::Command& command = commands[index];
      CommandChecker checker(table, CommandRef{queue, index});
      switch (command.kind_case()) {
        case stream::Command::kLoad:
          checker.CheckDma(command.load(), /*is_store=*/false);
          break;
        case stream::Command::kStore:
          checker.CheckDma(command.store(), /*is_store=*/true);
          break;
        case stream::Command::kCompute:
          checker.CheckCompute(command.compute());
          break;
        case stream::Command::kWait:
          checker.CheckWait(command.wait());
          break;
        case stream::Command::KIND_NOT_SET:
          checker.Fail("has no kind (load, store, compute or wait)");
          break;
      }
      checker.Report(findings);
    }
  }
}

namespace {

bool IsReductionLayer(const graph::Layer& layer) {
  return layer.kind == graph::LayerKind::kConv || layer.kind == graph::LayerKind::kFullyConnected;
}

/// `required` with its reduction dimensions widened to `actual`'s, for partial sums.
graph::Box WithoutReductionDims(graph::Box required, const graph::Box& actual,
                                const std::vector<int>& dims) {
  for (int d : dims) {
    required.lo[d] = actual.lo[d];
    required.hi[d] = actual.hi[d];
  }
  return required;
}

}  // namespace

void ValidateOperandBoxes(const graph::LayerGraph& graph, const CommandTable& table,
                          FindingList* findings) {
  for (int work_id = 0; work_id < table.work_count(); ++work_id) {
    const stream::Command& command = table.work_command(work_id);
    if (command.kind_case() != stream::Command::kCompute) continue;
    const stream::Compute& compute = command.compute();
    const int layer_id = static_cast<int>(compute.layer());
    const graph::Layer& layer = graph.layer(layer_id);
    const graph::Box output_box = ToBox(compute.output_box());
    const bool is_partial = IsReductionLayer(layer) && (compute.accumulate() || !compute.final_partial());
    // A partial sum reads a slice of the reduction: input channels for Conv, and the whole
    // flattened C*H*W input for FullyConnected.
    const std::vector<int> input_reduction_dims =
        layer.kind == graph::LayerKind::kConv ? std::vector<int>{graph::kC}
                                              : std::vector<int>{graph::kC, graph::kH, graph::kW};
    for (int k = 0; k < compute.inputs_size(); ++k) {
      const graph::Box actual = ToBox(compute.inputs(k).box());
      graph::Box required = graph::InputBox(graph, layer_id, k, output_box);
      if (is_partial) required = WithoutReductionDims(required, actual, input_reduction_dims);
      if (!actual.Contains(required)) {
        findings->Add(FindingKind::kMalformedCommand, table.work(work_id).ref,
                      absl::StrCat(table.DescribeWork(work_id), ": input ", k, " box ",
                                   actual.ToString(), " does not cover ", required.ToString(),
                                   ", which layer \"", layer.name, "\" reads for output box ",
                                   output_box.ToString()));
      }
    }
    if (compute.has_weight() && layer.weight.has_value()) {
      const graph::Box actual = ToBox(compute.weight().box());
      graph::Box required = graph::WeightBox(graph, layer_id, output_box);
      if (is_partial) required = WithoutReductionDims(required, actual, {graph::kC});
      if (!actual.Contains(required)) {
        findings->Add(FindingKind::kMalformedCommand, table.work(work_id).ref,
                      absl::StrCat(table.DescribeWork(work_id), ": weight box ",
                                   actual.ToString(), " does not cover ", required.ToString(),
                                   ", which layer \"", layer.name, "\" reads for output box ",
                                   output_box.ToString()));
      }
    }
  }
}

int64_t SlotBytes(const stream::CommandStream& command_stream) {
  int64_t slot_bytes = 0;
  for (const stream::Tensor& tensor : command_stream.tensors()) {
    slot_bytes = std::gcd(slot_bytes, static_cast<int64_t>(tensor.element_bytes()));
  }
  return slot_bytes > 0 ? slot_bytes : 1;
}

}  // namespace soma::replay
