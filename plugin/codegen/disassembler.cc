// disassembler.cc: the command stream as text, a header block then one command a line.
//
// Command lines read `q<queue>#<index> <KIND> ...`, where <index> counts every command of
// the queue, waits included. A non-wait command shows `n=<count>`: the number of commands its
// queue has completed once it finishes, which is what `WAIT q<queue>>=<count>` waits for.
// Addresses are hexadecimal bytes, boxes are half-open [lo:hi) ranges over (N, C, H, W).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "codegen/stream_io.h"

namespace soma::codegen {
namespace {

std::string Hex(uint64_t value) { return absl::StrFormat("0x%X", value); }

std::string BoxText(const stream::Box& box) {
  if (box.lo_size() != box.hi_size()) return "[malformed box]";
  std::string text = "[";
  for (int d = 0; d < box.lo_size(); ++d) {
    absl::StrAppend(&text, d == 0 ? "" : ",", box.lo(d), ":", box.hi(d));
  }
  return text + "]";
}

template <typename Values>
std::string ListText(const Values& values) {
  return absl::StrCat("[", absl::StrJoin(values, ","), "]");
}

const char* RoleText(stream::Tensor::Role role) {
  switch (role) {
    case stream::Tensor::ROLE_NETWORK_INPUT:
      return "input";
    case stream::Tensor::ROLE_NETWORK_OUTPUT:
      return "output";
    case stream::Tensor::ROLE_CONSTANT:
      return "constant";
    default:
      return "intermediate";
  }
}

void AppendHeader(const stream::CommandStream& command_stream, std::string* text) {
  const stream::Header& header = command_stream.header();
  const stream::Hardware& hardware = command_stream.hardware();
  const stream::Estimate& estimate = command_stream.estimate();
  absl::StrAppend(text, "; SoMa NPU command stream, schema version ", header.schema_version(),
                  "\n");
  absl::StrAppend(text, "; model '", header.model_name(), "', strategy '", header.strategy(),
                  "'\n");
  absl::StrAppend(text, "; hardware '", hardware.name(), "' (hash ",
                  absl::StrFormat("0x%016X", header.hardware_hash()), "): clock ",
                  hardware.clock_hz(), " Hz, MAC array ", hardware.pe_rows(), "x",
                  hardware.pe_cols(), " PEs of ", hardware.vector_width(), "x", hardware.lanes(),
                  ", buffer ", hardware.buffer_bytes(), " bytes (alignment ",
                  hardware.buffer_alignment_bytes(), "), DRAM ",
                  hardware.dram_bandwidth_bytes_per_second(), " bytes/s, DMA queues ",
                  hardware.dma_queues(), ", element bytes ", hardware.activation_bytes(), " (activation) ",
                  hardware.weight_bytes(), " (weight)\n");
  absl::StrAppend(text, "; estimate: latency ", estimate.latency_cycles(), " cycles, energy ",
                  absl::StrFormat("%.6g", estimate.energy_pj()), " pJ, DRAM ",
                  estimate.dram_bytes(), " bytes, peak buffer ", estimate.peak_buffer_bytes(),
                  " bytes\n");
  absl::StrAppend(text, "; network inputs ", ListText(command_stream.network_inputs()),
                  ", outputs ", ListText(command_stream.network_outputs()), "\n");
}

void AppendTensorTable(const stream::CommandStream& command_stream, std::string* text) {
  int dram_tensors = 0;
  for (const stream::Tensor& tensor : command_stream.tensors())
    dram_tensors += tensor.in_dram() ? 1 : 0;
  absl::StrAppend(text, "; tensors: ", command_stream.tensors_size(), ", ", dram_tensors,
                  " in DRAM, constant blob ", command_stream.constant_blob().size(), " bytes\n");
  for (const stream::Tensor& tensor : command_stream.tensors()) {
    absl::StrAppend(text, ";   t", tensor.id(), " ", RoleText(tensor.role()), " '", tensor.name(),
                    "' ", ListText(tensor.shape()), " onnx ", ListText(tensor.onnx_dims()), " ",
                    tensor.element_bytes(), " B/element");
    if (tensor.in_dram()) {
      absl::StrAppend(text, " dram ", Hex(tensor.dram_offset()), "+", tensor.dram_bytes());
    }
    if (tensor.role() == stream::Tensor::ROLE_CONSTANT) {
      if (tensor.has_fill()) {
        absl::StrAppend(text, " fill ", tensor.constant_fill(), " x", tensor.constant_count());
      } else {
        absl::StrAppend(text, " blob ", tensor.constant_blob_offset(), "+", tensor.constant_count(),
                        " floats");
      }
    }
    absl::StrAppend(text, "\n");
  }
}

std::string ParamsText(const stream::Layer& layer) {
  switch (layer.params_case()) {
    case stream::Layer::kConv: {
      const stream::ConvParams& p = layer.conv();
      return absl::StrCat("Conv k", p.kernel_h(), "x", p.kernel_w(), " s", p.stride_h(), "x",
                          p.stride_w(), " d", p.dilation_h(), "x", p.dilation_w(), " pad ",
                          p.pad_top(), ",", p.pad_left(), ",", p.pad_bottom(), ",", p.pad_right(),
                          " groups ", p.groups());
    }
    case stream::Layer::kFullyConnected:
      return "FullyConnected";
    case stream::Layer::kPool: {
      const stream::PoolParams& p = layer.pool();
      return absl::StrCat(p.average() ? "AveragePool" : "MaxPool", " k", p.kernel_h(), "x",
                          p.kernel_w(), " s", p.stride_h(), "x", p.stride_w(), " d", p.dilation_h(),
                          "x", p.dilation_w(), " pad ", p.pad_top(), ",", p.pad_left(), ",",
                          p.pad_bottom(), ",", p.pad_right(),
                          p.count_include_pad() ? " count_include_pad" : "");
    }
    case stream::Layer::kEltwise:
      return layer.eltwise().multiply() ? "Eltwise mul" : "Eltwise add";
    case stream::Layer::kConcat:
      return "Concat";
    case stream::Layer::kSoftmax:
      return layer.softmax().log() ? "LogSoftmax" : "Softmax";
    case stream::Layer::kLrn: {
      const stream::LrnParams& p = layer.lrn();
      return absl::StrCat("LRN size ", p.size(), " alpha ", p.alpha(), " beta ", p.beta(), " bias ",
                          p.bias());
    }
    case stream::Layer::kActivation:
      return "Activation";
    case stream::Layer::kMatmul:
      return "MatMul";
    case stream::Layer::kTensorOp: {
      const stream::TensorOpParams& p = layer.tensor_op();
      const std::string op = p.domain().empty() ? p.op_type()
                                                : absl::StrCat(p.domain(), ".", p.op_type());
      const std::string unit = p.unit() == stream::TensorOpParams::HOST
                                   ? absl::StrCat("host: ", p.host_reason())
                                   : "vector";
      std::string dims;
      for (const stream::Dims& input : p.input_dims()) {
        absl::StrAppend(&dims, dims.empty() ? "" : " ", "[", absl::StrJoin(input.dims(), ","), "]");
      }
      return absl::StrCat("tensor_op ", op, " (", unit, ") opset ", p.opset(), " dims ", dims,
                          " -> [", absl::StrJoin(p.output_dims().dims(), ","), "]");
    }
    case stream::Layer::PARAMS_NOT_SET:
      break;
  }
  return "(no parameters)";
}

void AppendLayerTable(const stream::CommandStream& command_stream, std::string* text) {
  absl::StrAppend(text, "; layers: ", command_stream.layers_size(), "\n");
  for (int index = 0; index < command_stream.layers_size(); ++index) {
    const stream::Layer& layer = command_stream.layers(index);
    absl::StrAppend(text, ";   L", index, " '", layer.name(), "' ", ParamsText(layer), " in ",
                    ListText(layer.input_tensors()));
    if (layer.has_weight_tensor()) absl::StrAppend(text, " weight t", layer.weight_tensor());
    absl::StrAppend(text, " out t", layer.output_tensor());
    if (layer.channel_scale_size() > 0)
      absl::StrAppend(text, " scale x", layer.channel_scale_size());
    if (layer.channel_bias_size() > 0) absl::StrAppend(text, " bias x", layer.channel_bias_size());
    for (const stream::Activation& activation : layer.activations()) {
      absl::StrAppend(text, " +", stream::Activation::Kind_Name(activation.kind()));
    }
    absl::StrAppend(text, " origins [", absl::StrJoin(layer.origins(), ","), "]\n");
  }
}

std::string OperandText(const stream::Operand& operand) {
  return absl::StrCat("t", operand.tensor(), "@", Hex(operand.region_address()),
                      BoxText(operand.region()), " box ", BoxText(operand.box()));
}

std::string ComputeText(const stream::Compute& compute) {
  std::string text = absl::StrCat("L", compute.layer(), " out ", BoxText(compute.output_box()));
  for (const stream::Operand& output : compute.outputs())
    absl::StrAppend(&text, " -> ", OperandText(output));
  for (int index = 0; index < compute.inputs_size(); ++index) {
    absl::StrAppend(&text, " in", index, " ", OperandText(compute.inputs(index)));
  }
  if (compute.has_weight()) absl::StrAppend(&text, " weight ", OperandText(compute.weight()));
  if (compute.accumulate()) absl::StrAppend(&text, " accumulate");
  if (!compute.final_partial()) absl::StrAppend(&text, " partial");
  return text;
}

std::string DmaText(const stream::Dma& dma) {
  return absl::StrCat("t", dma.tensor(), " box ", BoxText(dma.box()), " dram ",
                      Hex(dma.dram_address()), " strides ", ListText(dma.dram_strides()),
                      " buffer ", Hex(dma.buffer_address()), " strides ",
                      ListText(dma.buffer_strides()), " bytes=", dma.bytes());
}

std::string OriginText(const stream::Origin& origin) {
  std::string text = absl::StrCat(" ; node=", origin.node(), " group=", origin.group(),
                                  " subgroup=", origin.subgroup(), " tile=", origin.tile(),
                                  " pos=", origin.position());
  if (!origin.transfer().empty()) absl::StrAppend(&text, " transfer='", origin.transfer(), "'");
  return text;
}

void AppendQueue(const stream::Queue& queue, std::string* text) {
  uint64_t completed = 0;
  for (int index = 0; index < queue.commands_size(); ++index) {
    const stream::Command& command = queue.commands(index);
    absl::StrAppend(text, "q", queue.id(), "#", index, " ");
    switch (command.kind_case()) {
      case stream::Command::kWait:
        absl::StrAppend(text, "WAIT q", command.wait().queue(), ">=", command.wait().count(), "\n");
        continue;
      case stream::Command::kLoad:
        absl::StrAppend(text, "LOAD n=", ++completed, " ", DmaText(command.load()));
        break;
      case stream::Command::kStore:
        absl::StrAppend(text, "STORE n=", ++completed, " ", DmaText(command.store()));
        break;
      case stream::Command::kCompute:
        absl::StrAppend(text, "COMPUTE n=", ++completed, " ", ComputeText(command.compute()));
        break;
      case stream::Command::KIND_NOT_SET:
        absl::StrAppend(text, "EMPTY");
        break;
    }
    absl::StrAppend(text, " cycles=", command.cycles(), OriginText(command.origin()), "\n");
  }
}

}  // namespace

std::string Disassemble(const stream::CommandStream& command_stream) {
  std::string text;
  AppendHeader(command_stream, &text);
  AppendTensorTable(command_stream, &text);
  AppendLayerTable(command_stream, &text);
  absl::StrAppend(&text, "; queues:");
  for (const stream::Queue& queue : command_stream.queues()) {
    absl::StrAppend(&text, " q", queue.id(), " ", stream::Queue::Kind_Name(queue.kind()), " ",
                    queue.commands_size(), " commands;");
  }
  absl::StrAppend(&text,
                  "\n; n=K: its queue has completed K commands when this command ends; "
                  "WAIT qQ>=K blocks until queue Q has completed K commands\n");
  for (const stream::Queue& queue : command_stream.queues()) AppendQueue(queue, &text);
  return text;
}

}  // namespace soma::codegen
