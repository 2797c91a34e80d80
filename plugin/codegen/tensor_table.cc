// tensor_table.cc: LayerGraph tensors as the stream's tensor table and constant blob, and back.
#include "codegen/tensor_table.h"

#include <bit>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "soma/status_macros.h"

namespace soma::codegen {
namespace {

constexpr int64_t kFloatBytes = 4;

stream::Tensor::Role RoleOf(const graph::Tensor& tensor) {
  if (tensor.IsConstant()) return stream::Tensor::ROLE_CONSTANT;
  if (tensor.is_graph_input) return stream::Tensor::ROLE_NETWORK_INPUT;
  if (tensor.is_graph_output) return stream::Tensor::ROLE_NETWORK_OUTPUT;
  return stream::Tensor::ROLE_INTERMEDIATE;
}

void AppendFloatsLittleEndian(const std::vector<float>& values, std::string* blob) {
  const size_t start = blob->size();
  blob->resize(start + values.size() * kFloatBytes);
  char* out = blob->data() + start;
  for (float value : values) {
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    for (int byte = 0; byte < kFloatBytes; ++byte) {
      *out++ = static_cast<char>((bits >> (8 * byte)) & 0xFF);
    }
  }
}

float ReadFloatLittleEndian(const std::string& blob, uint64_t float_index) {
  const unsigned char* in =
      reinterpret_cast<const unsigned char*>(blob.data()) + float_index * kFloatBytes;
  uint32_t bits = 0;
  for (int byte = 0; byte < kFloatBytes; ++byte)
    bits |= static_cast<uint32_t>(in[byte]) << (8 * byte);
  return std::bit_cast<float>(bits);
}

std::string TensorLabel(const stream::Tensor& entry, int index) {
  return absl::StrCat("command stream tensor table: tensor ", index, " '", entry.name(), "'");
}

absl::StatusOr<graph::ConstantData> DecodeConstant(const stream::Tensor& entry, int index,
                                                   int64_t element_count, const std::string& blob) {
  if (entry.constant_count() != static_cast<uint64_t>(element_count)) {
    return absl::InvalidArgumentError(
        absl::StrCat(TensorLabel(entry, index), ": constant_count is ", entry.constant_count(),
                     " but the shape has ", element_count, " elements; the stream is corrupt"));
  }
  graph::ConstantData data;
  if (entry.has_fill()) {
    data.fill = entry.constant_fill();
    return data;
  }
  const uint64_t blob_floats = blob.size() / kFloatBytes;
  if (entry.constant_blob_offset() > blob_floats ||
      entry.constant_count() > blob_floats - entry.constant_blob_offset()) {
    return absl::InvalidArgumentError(
        absl::StrCat(TensorLabel(entry, index), ": constant values [", entry.constant_blob_offset(),
                     ", ", entry.constant_blob_offset() + entry.constant_count(),
                     ") (in floats) lie outside the constant blob of ", blob_floats,
                     " floats; the stream is corrupt"));
  }
  data.values.resize(entry.constant_count());
  for (uint64_t i = 0; i < entry.constant_count(); ++i) {
    data.values[i] = ReadFloatLittleEndian(blob, entry.constant_blob_offset() + i);
  }
  return data;
}

}  // namespace

int64_t TensorElementBytes(const graph::Tensor& tensor, const arch::ArchConfig& config) {
  return tensor.IsConstant() ? config.weight_bytes : config.activation_bytes;
}

void EncodeTensorTable(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                       stream::CommandStream* command_stream) {
  size_t blob_floats = 0;
  for (const graph::Tensor& tensor : graph.tensors) {
    if (tensor.IsConstant() && !tensor.constant->fill)
      blob_floats += tensor.constant->values.size();
  }
  std::string* blob = command_stream->mutable_constant_blob();
  blob->reserve(blob->size() + blob_floats * kFloatBytes);

  for (graph::TensorId id = 0; id < static_cast<graph::TensorId>(graph.tensors.size()); ++id) {
    const graph::Tensor& tensor = graph.tensors[id];
    stream::Tensor* entry = command_stream->add_tensors();
    entry->set_id(static_cast<uint32_t>(id));
    entry->set_name(tensor.name);
    entry->set_role(RoleOf(tensor));
    for (int64_t extent : tensor.shape) entry->add_shape(extent);
    for (int64_t dim : tensor.onnx_dims) entry->add_onnx_dims(dim);
    entry->set_element_bytes(static_cast<uint32_t>(TensorElementBytes(tensor, config)));
    if (!tensor.IsConstant()) continue;

    entry->set_constant_count(static_cast<uint64_t>(tensor.ElementCount()));
    if (tensor.constant->fill) {
      entry->set_has_fill(true);
      entry->set_constant_fill(*tensor.constant->fill);
    } else {
      entry->set_constant_blob_offset(blob->size() / kFloatBytes);
      AppendFloatsLittleEndian(tensor.constant->values, blob);
    }
  }
}

absl::StatusOr<std::vector<graph::Tensor>> DecodeTensorTable(
    const stream::CommandStream& command_stream) {
  if (command_stream.constant_blob().size() % kFloatBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "command stream: the constant blob has ", command_stream.constant_blob().size(),
        " bytes, not a whole number of float32 values; the stream is corrupt"));
  }
  std::vector<graph::Tensor> tensors;
  tensors.reserve(command_stream.tensors_size());
  for (int index = 0; index < command_stream.tensors_size(); ++index) {
    const stream::Tensor& entry = command_stream.tensors(index);
    if (entry.id() != static_cast<uint32_t>(index)) {
      return absl::InvalidArgumentError(
          absl::StrCat(TensorLabel(entry, index), ": has id ", entry.id(), ", expected ", index,
                       " (entries are indexed by id); the stream is corrupt"));
    }
    if (entry.shape_size() != graph::kRank) {
      return absl::InvalidArgumentError(
          absl::StrCat(TensorLabel(entry, index), ": shape has ", entry.shape_size(),
                       " extents, expected 4 (N, C, H, W); the stream is corrupt"));
    }
    graph::Tensor tensor;
    tensor.name = entry.name();
    for (int d = 0; d < graph::kRank; ++d) {
      if (entry.shape(d) <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(TensorLabel(entry, index), ": shape [", absl::StrJoin(entry.shape(), ","),
                         "] has a non-positive extent; the stream is corrupt"));
      }
      tensor.shape[d] = entry.shape(d);
    }
    tensor.onnx_dims.assign(entry.onnx_dims().begin(), entry.onnx_dims().end());

    const bool is_constant = entry.role() == stream::Tensor::ROLE_CONSTANT;
    if (is_constant) {
      ASSIGN_OR_RETURN(tensor.constant, DecodeConstant(entry, index, tensor.ElementCount(),
                                                       command_stream.constant_blob()));
    } else if (entry.has_fill() || entry.constant_count() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(TensorLabel(entry, index), ": carries constant data but its role is ",
                       stream::Tensor::Role_Name(entry.role()), "; the stream is corrupt"));
    }
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

}  // namespace soma::codegen
