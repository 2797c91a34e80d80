// constant_tensor.cc: ConstantTensor accessors and TensorProto decoding.
#include "importer/constant_tensor.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/external_data.h"

namespace soma::importer {

namespace {

using DataType = onnx::TensorProto::DataType;

// Converts IEEE half-precision bits to float.
float HalfToFloat(uint16_t bits) {
  const int sign = (bits >> 15) & 1;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return sign ? -magnitude : magnitude;
}

float BFloat16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

// Size of one element in raw_data, or 0 when the type is not supported.
int RawElementBytes(int data_type) {
  switch (data_type) {
    case onnx::TensorProto::FLOAT: return 4;
    case onnx::TensorProto::DOUBLE: return 8;
    case onnx::TensorProto::FLOAT16: return 2;
    case onnx::TensorProto::BFLOAT16: return 2;
    case onnx::TensorProto::INT8: return 1;
    case onnx::TensorProto::UINT8: return 1;
    case onnx::TensorProto::BOOL: return 1;
    case onnx::TensorProto::INT16: return 2;
    case onnx::TensorProto::UINT16: return 2;
    case onnx::TensorProto::INT32: return 4;
    case onnx::TensorProto::UINT32: return 4;
    case onnx::TensorProto::INT64: return 8;
    case onnx::TensorProto::UINT64: return 8;
    default: return 0;
  }
}

// ONNX element type codes of 4-bit integers (onnx.proto from IR version 10), packed two
// per byte with the first element in the low nibble.
constexpr int kUint4Type = 21;
constexpr int kInt4Type = 22;

bool Is4BitType(int data_type) { return data_type == kUint4Type || data_type == kInt4Type; }

// Unpacks `count` 4-bit elements from `packed` bytes into `tensor.int_values`.
void DecodePacked4Bit(const std::string& packed, int data_type, int64_t count,
                      ConstantTensor& tensor) {
  for (int64_t index = 0; index < count; ++index) {
    const uint8_t byte = static_cast<uint8_t>(packed[index / 2]);
    int64_t nibble = index % 2 == 0 ? (byte & 0x0f) : (byte >> 4);
    if (data_type == kInt4Type && nibble >= 8) nibble -= 16;
    tensor.int_values.push_back(nibble);
  }
}

bool IsFloatType(int data_type) {
  return data_type == onnx::TensorProto::FLOAT || data_type == onnx::TensorProto::DOUBLE ||
         data_type == onnx::TensorProto::FLOAT16 || data_type == onnx::TensorProto::BFLOAT16;
}

template <typename T>
T LoadRaw(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

// Decodes one little-endian raw element of `data_type` as a double.
double DecodeRawElement(int data_type, const char* bytes) {
  switch (data_type) {
    case onnx::TensorProto::FLOAT: return LoadRaw<float>(bytes);
    case onnx::TensorProto::DOUBLE: return LoadRaw<double>(bytes);
    case onnx::TensorProto::FLOAT16: return HalfToFloat(LoadRaw<uint16_t>(bytes));
    case onnx::TensorProto::BFLOAT16: return BFloat16ToFloat(LoadRaw<uint16_t>(bytes));
    case onnx::TensorProto::INT8: return LoadRaw<int8_t>(bytes);
    case onnx::TensorProto::UINT8: return LoadRaw<uint8_t>(bytes);
    case onnx::TensorProto::BOOL: return LoadRaw<uint8_t>(bytes) != 0 ? 1 : 0;
    case onnx::TensorProto::INT16: return LoadRaw<int16_t>(bytes);
    case onnx::TensorProto::UINT16: return LoadRaw<uint16_t>(bytes);
    case onnx::TensorProto::INT32: return LoadRaw<int32_t>(bytes);
    case onnx::TensorProto::UINT32: return LoadRaw<uint32_t>(bytes);
    case onnx::TensorProto::UINT64: return static_cast<double>(LoadRaw<uint64_t>(bytes));
    default: return 0;
  }
}

void AppendValue(ConstantTensor& tensor, int data_type, double value, int64_t int_value) {
  if (tensor.is_integer) {
    tensor.int_values.push_back(data_type == onnx::TensorProto::INT64 ? int_value
                                                                      : static_cast<int64_t>(value));
  } else {
    tensor.float_values.push_back(static_cast<float>(value));
  }
}

absl::Status DecodeRaw(const std::string& raw, int data_type, ConstantTensor& tensor) {
  const int element_bytes = RawElementBytes(data_type);
  const int64_t count = static_cast<int64_t>(raw.size()) / element_bytes;
  for (int64_t index = 0; index < count; ++index) {
    const char* bytes = raw.data() + index * element_bytes;
    const int64_t int_value =
        data_type == onnx::TensorProto::INT64 ? LoadRaw<int64_t>(bytes) : 0;
    AppendValue(tensor, data_type, DecodeRawElement(data_type, bytes), int_value);
  }
  return absl::OkStatus();
}

void DecodeTypedFields(const onnx::TensorProto& proto, ConstantTensor& tensor) {
  const int data_type = proto.data_type();
  switch (data_type) {
    case onnx::TensorProto::FLOAT:
      tensor.float_values.assign(proto.float_data().begin(), proto.float_data().end());
      return;
    case onnx::TensorProto::DOUBLE:
      for (double value : proto.double_data()) tensor.float_values.push_back(static_cast<float>(value));
      return;
    case onnx::TensorProto::FLOAT16:
      for (int32_t bits : proto.int32_data()) tensor.float_values.push_back(HalfToFloat(bits));
      return;
    case onnx::TensorProto::BFLOAT16:
      for (int32_t bits : proto.int32_data()) tensor.float_values.push_back(BFloat16ToFloat(bits));
      return;
    case onnx::TensorProto::INT64:
      tensor.int_values.assign(proto.int64_data().begin(), proto.int64_data().end());
      return;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      for (uint64_t value : proto.uint64_data()) tensor.int_values.push_back(static_cast<int64_t>(value));
      return;
    default:
      for (int32_t value : proto.int32_data()) {
        tensor.int_values.push_back(data_type == onnx::TensorProto::BOOL ? (value != 0) : value);
      }
      return;
  }
}

absl::StatusOr<ConstantTensor> Constant4BitFromTensorProto(const onnx::TensorProto& proto,
                                                          const ExternalDataPolicy& policy) {
  ConstantTensor tensor;
  tensor.is_integer = true;
  tensor.elem_type = proto.data_type();
  for (int64_t extent : proto.dims()) {
    if (extent < 0) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", proto.name(),
                                                     "' has a negative dimension ", extent));
    }
    tensor.dims.push_back(extent);
  }
  const int64_t count = tensor.ElementCount();
  const int64_t packed_bytes = (count + 1) / 2;
  std::string packed;
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    auto raw = ReadExternalData(proto, policy);
    if (!raw.ok()) return raw.status();
    packed = std::move(*raw);
  } else if (proto.has_raw_data()) {
    packed = proto.raw_data();
  } else {
    // Typed data keeps one packed byte (two elements) per int32_data entry.
    for (int32_t value : proto.int32_data()) packed.push_back(static_cast<char>(value & 0xff));
  }
  if (static_cast<int64_t>(packed.size()) != packed_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", proto.name(), "' (4-bit elements) has ", packed.size(), " bytes, dims ",
        DimsToString(tensor.dims), " need ", packed_bytes));
  }
  DecodePacked4Bit(packed, proto.data_type(), count, tensor);
  return tensor;
}

}  // namespace

int64_t DimsElementCount(const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t extent : dims) count *= extent;
  return count;
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

int64_t ConstantTensor::ElementCount() const { return DimsElementCount(dims); }

double ConstantTensor::At(int64_t index) const {
  if (fill.has_value()) return *fill;
  return is_integer ? static_cast<double>(int_values[index]) : float_values[index];
}

std::vector<int64_t> ConstantTensor::ToInt64() const {
  std::vector<int64_t> values;
  const int64_t count = ElementCount();
  values.reserve(count);
  for (int64_t index = 0; index < count; ++index) {
    values.push_back(is_integer && !fill ? int_values[index] : static_cast<int64_t>(At(index)));
  }
  return values;
}

graph::ConstantData ConstantTensor::ToGraphData() const {
  graph::ConstantData data;
  if (fill.has_value()) {
    data.fill = static_cast<float>(*fill);
  } else if (is_integer) {
    data.values.assign(int_values.begin(), int_values.end());
  } else {
    data.values = float_values;
  }
  return data;
}

int32_t ConstantTensor::ElementType() const {
  if (elem_type != 0) return elem_type;
  return is_integer ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT;
}

absl::StatusOr<ConstantTensor> ConstantFromTensorProto(const onnx::TensorProto& proto,
                                                       const ExternalDataPolicy& policy) {
  const int data_type = proto.data_type();
  if (Is4BitType(data_type)) return Constant4BitFromTensorProto(proto, policy);
  if (RawElementBytes(data_type) == 0) {
    std::string type_name;
    if (onnx::TensorProto::DataType_IsValid(data_type)) {
      type_name = onnx::TensorProto::DataType_Name(static_cast<DataType>(data_type));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", proto.name(), "' has element type ", type_name.empty() ? "code" : type_name,
        " ", data_type,
        ", which is not supported; supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8/16/32/64, "
        "UINT8/16/32/64, INT4, UINT4, BOOL"));
  }
  ConstantTensor tensor;
  tensor.is_integer = !IsFloatType(data_type);
  tensor.elem_type = data_type;
  for (int64_t extent : proto.dims()) {
    if (extent < 0) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", proto.name(),
                                                     "' has a negative dimension ", extent));
    }
    tensor.dims.push_back(extent);
  }
  const int64_t expected_count = tensor.ElementCount();

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    auto raw = ReadExternalData(proto, policy);
    if (!raw.ok()) return raw.status();
    if (static_cast<int64_t>(raw->size()) != expected_count * RawElementBytes(data_type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor '", proto.name(), "': external data has ", raw->size(), " bytes, dims ",
          DimsToString(tensor.dims), " need ", expected_count * RawElementBytes(data_type)));
    }
    absl::Status status = DecodeRaw(*raw, data_type, tensor);
    if (!status.ok()) return status;
  } else if (proto.has_raw_data()) {
    if (static_cast<int64_t>(proto.raw_data().size()) !=
        expected_count * RawElementBytes(data_type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor '", proto.name(), "': raw_data has ", proto.raw_data().size(),
          " bytes, dims ", DimsToString(tensor.dims), " need ",
          expected_count * RawElementBytes(data_type)));
    }
    absl::Status status = DecodeRaw(proto.raw_data(), data_type, tensor);
    if (!status.ok()) return status;
  } else {
    DecodeTypedFields(proto, tensor);
  }

  const int64_t found_count = tensor.is_integer ? static_cast<int64_t>(tensor.int_values.size())
                                                : static_cast<int64_t>(tensor.float_values.size());
  if (found_count != expected_count) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", proto.name(), "' has ",
                                                   found_count, " elements, dims ",
                                                   DimsToString(tensor.dims), " need ",
                                                   expected_count));
  }
  return tensor;
}

}  // namespace soma::importer
