// element_types.cc: ONNX element types: classification, names, and rounding of values to
// what each type can represent (IEEE half, bfloat16, the float8 formats and integer widths).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "onnx_ops/tensor_math.h"

namespace soma::onnx_ops {

namespace {

// Rounds `value` to a binary float format with `mantissa_bits` fraction bits whose smallest
// normal exponent is `min_exponent` (subnormals keep the quantum 2^(min_exponent -
// mantissa_bits)). Rounds half to even through std::nearbyint in the default rounding mode.
// The caller handles overflow.
double RoundToPrecision(double value, int mantissa_bits, int min_exponent) {
  if (!std::isfinite(value) || value == 0.0) return value;
  int exponent = 0;
  std::frexp(value, &exponent);  // value = f * 2^exponent with 0.5 <= |f| < 1.
  const int quantum_exponent = std::max(exponent - 1, min_exponent) - mantissa_bits;
  return std::ldexp(std::nearbyint(std::ldexp(value, -quantum_exponent)), quantum_exponent);
}

struct Float8Format {
  int mantissa_bits;
  int exponent_bias;
  double max_finite;
  bool has_infinity;
  bool unsigned_zero;  // FNUZ types: no negative zero, NaN is 0x80.
};

Float8Format Float8FormatOf(int32_t elem_type) {
  switch (elem_type) {
    case kFloat8E4M3Fn:
      return {3, 7, 448.0, false, false};
    case kFloat8E4M3Fnuz:
      return {3, 8, 240.0, false, true};
    case kFloat8E5M2:
      return {2, 15, 57344.0, true, false};
    default:  // kFloat8E5M2Fnuz
      return {2, 16, 57344.0, false, true};
  }
}

int IntegerTypeBits(int32_t elem_type) {
  switch (elem_type) {
    case kInt4:
    case kUint4:
      return 4;
    case kInt8:
    case kUint8:
      return 8;
    case kInt16:
    case kUint16:
      return 16;
    case kInt32:
    case kUint32:
      return 32;
    default:
      return 64;
  }
}

}  // namespace

bool IsFloatType(int32_t elem_type) {
  switch (elem_type) {
    case kFloat:
    case kDouble:
    case kFloat16:
    case kBfloat16:
    case kFloat8E4M3Fn:
    case kFloat8E4M3Fnuz:
    case kFloat8E5M2:
    case kFloat8E5M2Fnuz:
      return true;
    default:
      return false;
  }
}

bool IsIntegerType(int32_t elem_type) {
  switch (elem_type) {
    case kUint8:
    case kInt8:
    case kUint16:
    case kInt16:
    case kInt32:
    case kInt64:
    case kUint32:
    case kUint64:
    case kUint4:
    case kInt4:
      return true;
    default:
      return false;
  }
}

bool IsSignedIntegerType(int32_t elem_type) {
  return elem_type == kInt8 || elem_type == kInt16 || elem_type == kInt32 || elem_type == kInt64 ||
         elem_type == kInt4;
}

bool IsNumericType(int32_t elem_type) {
  return IsFloatType(elem_type) || IsIntegerType(elem_type) || elem_type == kBool;
}

std::string ElemTypeName(int32_t elem_type) {
  switch (elem_type) {
    case kFloat:
      return "FLOAT";
    case kUint8:
      return "UINT8";
    case kInt8:
      return "INT8";
    case kUint16:
      return "UINT16";
    case kInt16:
      return "INT16";
    case kInt32:
      return "INT32";
    case kInt64:
      return "INT64";
    case kString:
      return "STRING";
    case kBool:
      return "BOOL";
    case kFloat16:
      return "FLOAT16";
    case kDouble:
      return "DOUBLE";
    case kUint32:
      return "UINT32";
    case kUint64:
      return "UINT64";
    case kComplex64:
      return "COMPLEX64";
    case kComplex128:
      return "COMPLEX128";
    case kBfloat16:
      return "BFLOAT16";
    case kFloat8E4M3Fn:
      return "FLOAT8E4M3FN";
    case kFloat8E4M3Fnuz:
      return "FLOAT8E4M3FNUZ";
    case kFloat8E5M2:
      return "FLOAT8E5M2";
    case kFloat8E5M2Fnuz:
      return "FLOAT8E5M2FNUZ";
    case kUint4:
      return "UINT4";
    case kInt4:
      return "INT4";
    default:
      return absl::StrCat("type ", elem_type);
  }
}

double IntegerTypeMin(int32_t elem_type) {
  if (elem_type == kBool || !IsSignedIntegerType(elem_type)) return 0.0;
  return -std::ldexp(1.0, IntegerTypeBits(elem_type) - 1);
}

double IntegerTypeMax(int32_t elem_type) {
  if (elem_type == kBool) return 1.0;
  const int bits = IntegerTypeBits(elem_type);
  if (IsSignedIntegerType(elem_type)) return std::ldexp(1.0, bits - 1) - 1.0;
  return std::ldexp(1.0, bits) - 1.0;
}

int64_t ClampToInt64(double value) {
  if (std::isnan(value)) return 0;
  // 2^63 is exactly representable; every double below it converts without overflow.
  if (value >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
  if (value <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

double RoundToFloat16(double value) {
  const double rounded = RoundToPrecision(value, 10, -14);
  if (std::fabs(rounded) > 65504.0) return std::copysign(HUGE_VAL, value);
  return rounded;
}

double RoundToBfloat16(double value) {
  const double rounded = RoundToPrecision(value, 7, -126);
  if (std::fabs(rounded) > 3.3895313892515355e38) return std::copysign(HUGE_VAL, value);
  return rounded;
}

uint16_t Float16Bits(double value) {
  const double rounded = RoundToFloat16(value);
  const uint16_t sign = std::signbit(rounded) ? 0x8000 : 0;
  if (std::isnan(rounded)) return 0x7E00;
  if (std::isinf(rounded)) return sign | 0x7C00;
  const double magnitude = std::fabs(rounded);
  if (magnitude == 0.0) return sign;
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  const int unbiased = exponent - 1;
  if (unbiased < -14) {  // Subnormal: magnitude = m * 2^-24.
    return sign | static_cast<uint16_t>(std::ldexp(magnitude, 24));
  }
  const auto mantissa = static_cast<uint16_t>(std::ldexp(magnitude, 10 - unbiased) - 1024.0);
  return sign | static_cast<uint16_t>((unbiased + 15) << 10) | mantissa;
}

double Float16FromBits(uint16_t bits) {
  const double sign = (bits & 0x8000) != 0 ? -1.0 : 1.0;
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  if (exponent == 0x1F) {
    return mantissa != 0 ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  }
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

uint16_t Bfloat16Bits(double value) {
  const double rounded = RoundToBfloat16(value);
  if (std::isnan(rounded)) return 0x7FC0;
  const float as_float = static_cast<float>(rounded);  // Exact: bfloat16 is a float subset.
  uint32_t bits = 0;
  static_assert(sizeof(bits) == sizeof(as_float));
  std::memcpy(&bits, &as_float, sizeof(bits));
  return static_cast<uint16_t>(bits >> 16);
}

double Bfloat16FromBits(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float as_float = 0.0f;
  std::memcpy(&as_float, &wide, sizeof(as_float));
  return as_float;
}

double RoundToFloat8(double value, int32_t elem_type, bool saturate) {
  const Float8Format format = Float8FormatOf(elem_type);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(value)) return nan;
  if (std::isinf(value)) {
    if (saturate) return std::copysign(format.max_finite, value);
    return format.has_infinity ? value : nan;
  }
  double rounded = RoundToPrecision(value, format.mantissa_bits, 1 - format.exponent_bias);
  if (std::fabs(rounded) > format.max_finite) {
    if (saturate) return std::copysign(format.max_finite, value);
    return format.has_infinity ? std::copysign(HUGE_VAL, value) : nan;
  }
  if (rounded == 0.0 && format.unsigned_zero) rounded = 0.0;  // No negative zero.
  return rounded;
}

uint8_t Float8Bits(double value, int32_t elem_type) {
  const Float8Format format = Float8FormatOf(elem_type);
  const int exponent_bits = 7 - format.mantissa_bits;
  const int exponent_all_ones = (1 << exponent_bits) - 1;
  if (std::isnan(value)) {
    return format.unsigned_zero ? 0x80 : static_cast<uint8_t>(0x7F);
  }
  const uint8_t sign = std::signbit(value) && !format.unsigned_zero ? 0x80 : 0;
  if (std::isinf(value))
    return sign | static_cast<uint8_t>(exponent_all_ones << format.mantissa_bits);
  const double magnitude = std::fabs(value);
  if (magnitude == 0.0) return sign;
  const uint8_t negative = std::signbit(value) ? 0x80 : 0;
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  const int unbiased = exponent - 1;
  const int min_exponent = 1 - format.exponent_bias;
  if (unbiased < min_exponent) {
    return negative |
           static_cast<uint8_t>(std::ldexp(magnitude, format.mantissa_bits - min_exponent));
  }
  const int mantissa = static_cast<int>(std::ldexp(magnitude, format.mantissa_bits - unbiased)) -
                       (1 << format.mantissa_bits);
  return negative | static_cast<uint8_t>(
                        ((unbiased + format.exponent_bias) << format.mantissa_bits) | mantissa);
}

double Float8FromBits(uint8_t bits, int32_t elem_type) {
  const Float8Format format = Float8FormatOf(elem_type);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const int exponent_bits = 7 - format.mantissa_bits;
  const int exponent_all_ones = (1 << exponent_bits) - 1;
  const int mantissa_mask = (1 << format.mantissa_bits) - 1;
  if (format.unsigned_zero && bits == 0x80) return nan;
  const double sign = (bits & 0x80) != 0 ? -1.0 : 1.0;
  const int exponent = (bits >> format.mantissa_bits) & exponent_all_ones;
  const int mantissa = bits & mantissa_mask;
  if (elem_type == kFloat8E4M3Fn && (bits & 0x7F) == 0x7F) return nan;
  if (format.has_infinity && exponent == exponent_all_ones) {
    return mantissa != 0 ? nan : sign * HUGE_VAL;
  }
  const int min_exponent = 1 - format.exponent_bias;
  if (exponent == 0) return sign * std::ldexp(mantissa, min_exponent - format.mantissa_bits);
  return sign * std::ldexp((1 << format.mantissa_bits) + mantissa,
                           exponent - format.exponent_bias - format.mantissa_bits);
}

double RoundToType(double value, int32_t elem_type) {
  switch (elem_type) {
    case kFloat:
      return static_cast<float>(value);
    case kDouble:
      return value;
    case kFloat16:
      return RoundToFloat16(value);
    case kBfloat16:
      return RoundToBfloat16(value);
    case kFloat8E4M3Fn:
    case kFloat8E4M3Fnuz:
    case kFloat8E5M2:
    case kFloat8E5M2Fnuz:
      return RoundToFloat8(value, elem_type, /*saturate=*/true);
    case kBool:
      return value != 0.0 ? 1.0 : 0.0;
    case kInt64:
      return static_cast<double>(ClampToInt64(value));
    case kUint64: {
      if (std::isnan(value)) return 0.0;
      const double truncated = std::trunc(value);
      if (truncated < 0.0) return std::max(0.0, truncated + 18446744073709551616.0);
      return std::min(truncated, 18446744073709551615.0);
    }
    default:
      break;
  }
  if (!IsIntegerType(elem_type)) return value;
  // Wrap modulo 2^bits (two's complement for signed types).
  const int bits = IntegerTypeBits(elem_type);
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  const uint64_t wrapped = static_cast<uint64_t>(ClampToInt64(value)) & mask;
  if (IsSignedIntegerType(elem_type) && (wrapped >> (bits - 1)) != 0) {
    return static_cast<double>(static_cast<int64_t>(wrapped) - (int64_t{1} << bits));
  }
  return static_cast<double>(wrapped);
}

double SaturateToType(double value, int32_t elem_type) {
  if (!IsIntegerType(elem_type)) return RoundToType(value, elem_type);
  if (std::isnan(value)) return 0.0;
  return std::clamp(std::trunc(value), IntegerTypeMin(elem_type), IntegerTypeMax(elem_type));
}

void RoundTensor(HostTensor& tensor) {
  const int32_t elem_type = tensor.elem_type;
  if (elem_type == kDouble) return;
  if (elem_type == kFloat) {
    for (double& value : tensor.values) value = static_cast<float>(value);
    return;
  }
  for (double& value : tensor.values) value = RoundToType(value, elem_type);
}

}  // namespace soma::onnx_ops
