// tensor_proto_test.cc: TensorProto conversion (raw and typed fields, 16-bit floats, INT4)
// and the element-type rounding of tensor_math.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx_ops/onnx_ops.h"
#include "onnx_ops/tensor_math.h"

namespace soma::onnx_ops {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string RawBytes(const std::vector<T>& values) {
  std::string raw(values.size() * sizeof(T), '\0');
  std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

onnx::TensorProto Proto(int32_t data_type, std::vector<int64_t> dims) {
  onnx::TensorProto proto;
  proto.set_name("t");
  proto.set_data_type(data_type);
  for (const int64_t dim : dims) proto.add_dims(dim);
  return proto;
}

TEST(TensorFromProto, RawFloatAndInt64) {
  // raw_data decodes little-endian FLOAT and INT64 elements.
  onnx::TensorProto floats = Proto(onnx::TensorProto::FLOAT, {2});
  floats.set_raw_data(RawBytes(std::vector<float>{1.5f, -2.0f}));
  const auto decoded = TensorFromProto(floats);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->dims, (std::vector<int64_t>{2}));
  EXPECT_THAT(decoded->values, ElementsAre(1.5, -2.0));

  onnx::TensorProto ints = Proto(onnx::TensorProto::INT64, {});
  ints.set_raw_data(RawBytes(std::vector<int64_t>{-7}));
  const auto scalar = TensorFromProto(ints);
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_TRUE(scalar->dims.empty());
  EXPECT_THAT(scalar->values, ElementsAre(-7.0));
}

TEST(TensorFromProto, TypedFieldsPerType) {
  // Typed fields: int32_data for small integers and bool, uint64_data for UINT32.
  onnx::TensorProto int8s = Proto(onnx::TensorProto::INT8, {2});
  int8s.add_int32_data(-3);
  int8s.add_int32_data(5);
  EXPECT_THAT(TensorFromProto(int8s)->values, ElementsAre(-3.0, 5.0));
  onnx::TensorProto uint32s = Proto(onnx::TensorProto::UINT32, {1});
  uint32s.add_uint64_data(4000000000u);
  EXPECT_THAT(TensorFromProto(uint32s)->values, ElementsAre(4000000000.0));
  onnx::TensorProto bools = Proto(onnx::TensorProto::BOOL, {2});
  bools.add_int32_data(0);
  bools.add_int32_data(1);
  EXPECT_THAT(TensorFromProto(bools)->values, ElementsAre(0.0, 1.0));
}

TEST(TensorFromProto, Float16AndBfloat16Bits) {
  // FLOAT16 and BFLOAT16 elements are bit patterns in raw_data or int32_data.
  onnx::TensorProto half = Proto(onnx::TensorProto::FLOAT16, {2});
  half.set_raw_data(RawBytes(std::vector<uint16_t>{0x3C00, 0xC000}));
  EXPECT_THAT(TensorFromProto(half)->values, ElementsAre(1.0, -2.0));
  onnx::TensorProto brain = Proto(onnx::TensorProto::BFLOAT16, {1});
  brain.add_int32_data(0x3FC0);
  EXPECT_THAT(TensorFromProto(brain)->values, ElementsAre(1.5));
}

TEST(TensorFromProto, PackedInt4) {
  // INT4 packs two elements per byte, low nibble first, with sign extension.
  onnx::TensorProto packed = Proto(kInt4, {3});
  packed.set_raw_data(std::string{static_cast<char>(0x8F), static_cast<char>(0x07)});
  EXPECT_THAT(TensorFromProto(packed)->values, ElementsAre(-1.0, -8.0, 7.0));
}

TEST(TensorFromProto, SizeMismatchNamesTensor) {
  // A field whose length disagrees with dims is InvalidArgument naming the tensor.
  onnx::TensorProto proto = Proto(onnx::TensorProto::FLOAT, {3});
  proto.add_float_data(1.0f);
  const auto result = TensorFromProto(proto);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("tensor 't': float_data holds 1 elements but dims [3] need 3"));
}

TEST(TensorFromProto, StringIsRejected) {
  // A STRING tensor is rejected with a message naming the type.
  onnx::TensorProto proto = Proto(onnx::TensorProto::STRING, {1});
  proto.add_string_data("a");
  const auto result = TensorFromProto(proto);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("tensor 't': element type STRING is not supported"));
}

TEST(TensorToProto, RoundTripsEveryFieldKind) {
  // TensorToProto writes typed fields that TensorFromProto reads back unchanged.
  const std::vector<std::pair<int32_t, std::vector<double>>> cases = {
      {onnx::TensorProto::FLOAT, {1.5, -2.25}},
      {onnx::TensorProto::DOUBLE, {0.1, 1e300}},
      {onnx::TensorProto::INT64, {-9000000000.0, 3.0}},
      {onnx::TensorProto::UINT64, {18000000000.0, 0.0}},
      {onnx::TensorProto::INT16, {-32768.0, 32767.0}},
      {onnx::TensorProto::BOOL, {1.0, 0.0}},
      {onnx::TensorProto::FLOAT16, {0.5, -65504.0}},
      {onnx::TensorProto::BFLOAT16, {1.5, -256.0}},
      {kInt4, {-8.0, 7.0}},
      {kUint4, {15.0, 0.0}},
  };
  for (const auto& [elem_type, values] : cases) {
    HostTensor tensor;
    tensor.elem_type = elem_type;
    tensor.dims = {2};
    tensor.values = values;
    const onnx::TensorProto proto = TensorToProto(tensor, "x");
    EXPECT_EQ(proto.name(), "x");
    const auto decoded = TensorFromProto(proto);
    ASSERT_TRUE(decoded.ok()) << ElemTypeName(elem_type) << ": " << decoded.status();
    EXPECT_EQ(decoded->elem_type, elem_type);
    EXPECT_EQ(decoded->values, values) << ElemTypeName(elem_type);
  }
}

TEST(RoundToType, Float16HalfToEvenAndSubnormals) {
  // Half precision rounds ties to even, keeps subnormals and overflows to infinity.
  EXPECT_EQ(RoundToFloat16(1.0 + 1.0 / 2048.0), 1.0);                 // Tie, rounds to even.
  EXPECT_EQ(RoundToFloat16(1.0 + 3.0 / 2048.0), 1.0 + 2.0 / 1024.0);  // Tie, rounds up to even.
  EXPECT_EQ(RoundToFloat16(std::ldexp(1.0, -24)), std::ldexp(1.0, -24));
  EXPECT_EQ(RoundToFloat16(std::ldexp(1.0, -26)), 0.0);
  EXPECT_TRUE(std::isinf(RoundToFloat16(65520.0)));
  EXPECT_EQ(RoundToFloat16(65519.0), 65504.0);
  EXPECT_EQ(Float16Bits(1.0), 0x3C00);
  EXPECT_EQ(Float16Bits(std::ldexp(1.0, -24)), 0x0001);
}

TEST(RoundToType, IntegersWrapOrSaturate) {
  // RoundToType wraps integers; SaturateToType clamps them.
  EXPECT_EQ(RoundToType(128.0, kInt8), -128.0);
  EXPECT_EQ(RoundToType(-1.0, kUint16), 65535.0);
  EXPECT_EQ(RoundToType(-2.9, kInt32), -2.0);
  EXPECT_EQ(SaturateToType(300.0, kUint8), 255.0);
  EXPECT_EQ(SaturateToType(-9.0, kInt4), -8.0);
  EXPECT_EQ(RoundToType(2.0, kBool), 1.0);
}

TEST(RoundToType, Float8Formats) {
  // Float8 E4M3FN saturates to 448; E5M2 without saturation overflows to infinity.
  EXPECT_EQ(RoundToFloat8(1000.0, kFloat8E4M3Fn, true), 448.0);
  EXPECT_TRUE(std::isnan(RoundToFloat8(1000.0, kFloat8E4M3Fn, false)));
  EXPECT_TRUE(std::isinf(RoundToFloat8(1e6, kFloat8E5M2, false)));
  EXPECT_EQ(Float8FromBits(Float8Bits(448.0, kFloat8E4M3Fn), kFloat8E4M3Fn), 448.0);
  EXPECT_EQ(Float8FromBits(Float8Bits(-0.5, kFloat8E5M2Fnuz), kFloat8E5M2Fnuz), -0.5);
}

TEST(Broadcast, IndexMapAndDims) {
  // BroadcastIndexMap gives the source index of each output element.
  const auto dims = BroadcastDims({3, 1}, {2}, "test");
  ASSERT_TRUE(dims.ok());
  EXPECT_EQ(*dims, (std::vector<int64_t>{3, 2}));
  EXPECT_THAT(BroadcastIndexMap({3, 1}, {3, 2}), ElementsAre(0, 0, 1, 1, 2, 2));
  EXPECT_THAT(BroadcastIndexMap({2}, {3, 2}), ElementsAre(0, 1, 0, 1, 0, 1));
  EXPECT_THAT(RowMajorStrides({2, 3, 4}), ElementsAre(12, 4, 1));
}

}  // namespace
}  // namespace soma::onnx_ops
