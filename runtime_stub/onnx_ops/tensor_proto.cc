// tensor_proto.cc: conversion between onnx::TensorProto and HostTensor.
//
// raw_data is little-endian, as the ONNX specification requires, and is copied as is, so
// the file requires a little-endian host (a static_assert checks it). INT4/UINT4 pack two elements per byte, low nibble
// first, both in raw_data and in int32_data (one byte per int32 entry).
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "onnx_ops/onnx_ops.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

static_assert(std::endian::native == std::endian::little,
              "TensorProto raw_data decoding assumes a little-endian host");

template <typename T>
T LoadLittleEndian(const std::string& raw, size_t index) {
  T value;
  std::memcpy(&value, raw.data() + index * sizeof(T), sizeof(T));
  return value;
}

// Bytes per element in raw_data; 0 for the packed 4-bit types and unsupported types.
size_t RawElementBytes(int32_t elem_type) {
  switch (elem_type) {
    case kUint8:
    case kInt8:
    case kBool:
    case kFloat8E4M3Fn:
    case kFloat8E4M3Fnuz:
    case kFloat8E5M2:
    case kFloat8E5M2Fnuz:
      return 1;
    case kUint16:
    case kInt16:
    case kFloat16:
    case kBfloat16:
      return 2;
    case kFloat:
    case kInt32:
    case kUint32:
      return 4;
    case kInt64:
    case kUint64:
    case kDouble:
      return 8;
    default:
      return 0;
  }
}

// Value of one 4-bit element (`nibble` in 0..15) of INT4 or UINT4.
double Int4Value(uint32_t nibble, int32_t elem_type) {
  if (elem_type == kInt4 && nibble >= 8) return static_cast<double>(nibble) - 16.0;
  return static_cast<double>(nibble);
}

// Decodes one element of raw_data.
double RawElement(const std::string& raw, size_t index, int32_t elem_type) {
  switch (elem_type) {
    case kUint8:
      return LoadLittleEndian<uint8_t>(raw, index);
    case kInt8:
      return LoadLittleEndian<int8_t>(raw, index);
    case kBool:
      return LoadLittleEndian<uint8_t>(raw, index) != 0 ? 1.0 : 0.0;
    case kUint16:
      return LoadLittleEndian<uint16_t>(raw, index);
    case kInt16:
      return LoadLittleEndian<int16_t>(raw, index);
    case kFloat16:
      return Float16FromBits(LoadLittleEndian<uint16_t>(raw, index));
    case kBfloat16:
      return Bfloat16FromBits(LoadLittleEndian<uint16_t>(raw, index));
    case kFloat:
      return LoadLittleEndian<float>(raw, index);
    case kInt32:
      return LoadLittleEndian<int32_t>(raw, index);
    case kUint32:
      return LoadLittleEndian<uint32_t>(raw, index);
    case kInt64:
      return static_cast<double>(LoadLittleEndian<int64_t>(raw, index));
    case kUint64:
      return static_cast<double>(LoadLittleEndian<uint64_t>(raw, index));
    case kDouble:
      return LoadLittleEndian<double>(raw, index);
    default:  // The float8 types.
      return Float8FromBits(LoadLittleEndian<uint8_t>(raw, index), elem_type);
  }
}

std::string TensorLabel(const onnx::TensorProto& proto) {
  return absl::StrCat("tensor '", proto.name(), "'");
}

absl::Status SizeMismatch(const onnx::TensorProto& proto, const char* field, size_t found,
                          int64_t expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(TensorLabel(proto), ": ", field, " holds ", found, " elements but dims ",
                   DimsToString(std::vector<int64_t>(proto.dims().begin(), proto.dims().end())),
                   " need ", expected, "; the model file is corrupt"));
}

absl::Status ReadRawData(const onnx::TensorProto& proto, HostTensor& tensor) {
  const std::string& raw = proto.raw_data();
  const int32_t elem_type = tensor.elem_type;
  const int64_t count = tensor.ElementCount();
  if (elem_type == kInt4 || elem_type == kUint4) {
    const size_t expected_bytes = static_cast<size_t>((count + 1) / 2);
    if (raw.size() != expected_bytes) {
      return SizeMismatch(proto, "raw_data", raw.size() * 2, count);
    }
    for (int64_t i = 0; i < count; ++i) {
      const auto byte = static_cast<uint8_t>(raw[i / 2]);
      tensor.values[i] = Int4Value(i % 2 == 0 ? byte & 0x0F : byte >> 4, elem_type);
    }
    return absl::OkStatus();
  }
  const size_t element_bytes = RawElementBytes(elem_type);
  if (raw.size() != static_cast<size_t>(count) * element_bytes) {
    return SizeMismatch(proto, "raw_data", raw.size() / element_bytes, count);
  }
  for (int64_t i = 0; i < count; ++i) tensor.values[i] = RawElement(raw, i, elem_type);
  return absl::OkStatus();
}

absl::Status ReadTypedData(const onnx::TensorProto& proto, HostTensor& tensor) {
  const int32_t elem_type = tensor.elem_type;
  const int64_t count = tensor.ElementCount();
  switch (elem_type) {
    case kFloat:
      if (proto.float_data_size() != count) {
        return SizeMismatch(proto, "float_data", proto.float_data_size(), count);
      }
      for (int64_t i = 0; i < count; ++i) tensor.values[i] = proto.float_data(i);
      return absl::OkStatus();
    case kDouble:
      if (proto.double_data_size() != count) {
        return SizeMismatch(proto, "double_data", proto.double_data_size(), count);
      }
      for (int64_t i = 0; i < count; ++i) tensor.values[i] = proto.double_data(i);
      return absl::OkStatus();
    case kInt64:
      if (proto.int64_data_size() != count) {
        return SizeMismatch(proto, "int64_data", proto.int64_data_size(), count);
      }
      for (int64_t i = 0; i < count; ++i) {
        tensor.values[i] = static_cast<double>(proto.int64_data(i));
      }
      return absl::OkStatus();
    case kUint32:
    case kUint64:
      if (proto.uint64_data_size() != count) {
        return SizeMismatch(proto, "uint64_data", proto.uint64_data_size(), count);
      }
      for (int64_t i = 0; i < count; ++i) {
        tensor.values[i] = static_cast<double>(proto.uint64_data(i));
      }
      return absl::OkStatus();
    case kInt4:
    case kUint4:
      if (proto.int32_data_size() != (count + 1) / 2) {
        return SizeMismatch(proto, "int32_data", proto.int32_data_size() * 2, count);
      }
      for (int64_t i = 0; i < count; ++i) {
        const auto byte = static_cast<uint32_t>(proto.int32_data(i / 2)) & 0xFF;
        tensor.values[i] = Int4Value(i % 2 == 0 ? byte & 0x0F : byte >> 4, elem_type);
      }
      return absl::OkStatus();
    default:
      break;
  }
  // The remaining types store one element per int32_data entry; 16-bit floats and float8
  // store their bit patterns.
  if (proto.int32_data_size() != count) {
    return SizeMismatch(proto, "int32_data", proto.int32_data_size(), count);
  }
  for (int64_t i = 0; i < count; ++i) {
    const int32_t entry = proto.int32_data(i);
    double value = entry;
    if (elem_type == kFloat16) {
      value = Float16FromBits(static_cast<uint16_t>(entry));
    } else if (elem_type == kBfloat16) {
      value = Bfloat16FromBits(static_cast<uint16_t>(entry));
    } else if (IsFloatType(elem_type)) {
      value = Float8FromBits(static_cast<uint8_t>(entry), elem_type);
    } else if (elem_type == kBool) {
      value = entry != 0 ? 1.0 : 0.0;
    }
    tensor.values[i] = value;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HostTensor> TensorFromProto(const onnx::TensorProto& proto) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    return absl::InvalidArgumentError(
        absl::StrCat(TensorLabel(proto),
                     ": data is stored in an external file, which is not read; "
                     "save the model with its tensors inside the file"));
  }
  if (!IsNumericType(proto.data_type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(TensorLabel(proto), ": element type ", ElemTypeName(proto.data_type()),
                     " is not supported; only float, integer and bool tensors are"));
  }
  HostTensor tensor;
  tensor.elem_type = proto.data_type();
  tensor.dims.assign(proto.dims().begin(), proto.dims().end());
  for (const int64_t dim : tensor.dims) {
    if (dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat(TensorLabel(proto), ": dims ",
                                                     DimsToString(tensor.dims),
                                                     " contain a negative dimension"));
    }
  }
  tensor.values.assign(static_cast<size_t>(tensor.ElementCount()), 0.0);
  if (proto.has_raw_data()) {
    RETURN_IF_ERROR(ReadRawData(proto, tensor));
  } else {
    RETURN_IF_ERROR(ReadTypedData(proto, tensor));
  }
  return tensor;
}

onnx::TensorProto TensorToProto(const HostTensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(tensor.elem_type);
  for (const int64_t dim : tensor.dims) proto.add_dims(dim);
  const int32_t elem_type = tensor.elem_type;
  switch (elem_type) {
    case kFloat:
      for (const double value : tensor.values) proto.add_float_data(static_cast<float>(value));
      return proto;
    case kDouble:
      for (const double value : tensor.values) proto.add_double_data(value);
      return proto;
    case kInt64:
      for (const double value : tensor.values) proto.add_int64_data(ClampToInt64(value));
      return proto;
    case kUint32:
    case kUint64:
      for (const double value : tensor.values) {
        proto.add_uint64_data(static_cast<uint64_t>(RoundToType(value, kUint64)));
      }
      return proto;
    case kInt4:
    case kUint4:
      for (size_t i = 0; i < tensor.values.size(); i += 2) {
        uint32_t byte = static_cast<uint32_t>(ClampToInt64(tensor.values[i])) & 0x0F;
        if (i + 1 < tensor.values.size()) {
          byte |= (static_cast<uint32_t>(ClampToInt64(tensor.values[i + 1])) & 0x0F) << 4;
        }
        proto.add_int32_data(static_cast<int32_t>(byte));
      }
      return proto;
    default:
      break;
  }
  for (const double value : tensor.values) {
    int32_t entry = 0;
    if (elem_type == kFloat16) {
      entry = Float16Bits(value);
    } else if (elem_type == kBfloat16) {
      entry = Bfloat16Bits(value);
    } else if (IsFloatType(elem_type)) {
      entry = Float8Bits(RoundToFloat8(value, elem_type, /*saturate=*/true), elem_type);
    } else {
      entry = static_cast<int32_t>(ClampToInt64(RoundToType(value, elem_type)));
    }
    proto.add_int32_data(entry);
  }
  return proto;
}

}  // namespace soma::onnx_ops
