// tensor_proto_io_test.cc: reading and writing TensorProto files.
#include "importer/tensor_proto_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TemporaryPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name))
      .string();
}

void WriteProto(const std::string& path, const onnx::TensorProto& proto) {
  std::ofstream file(path, std::ios::binary);
  file << proto.SerializeAsString();
}

TEST(TensorProtoIoTest, WriteThenReadRoundTrips) {
  // A written tensor reads back with the same name, dims and values, and no temporary
  // file is left behind.
  const std::string path = TemporaryPath("roundtrip.pb");
  NamedTensor tensor{"input", {1, 2, 3}, {0.5f, -1.0f, 2.0f, 3.5f, 0.0f, 1e-3f}};
  ASSERT_TRUE(WriteTensorProtoFile(path, tensor).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto read = ReadTensorProtoFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->name, "input");
  EXPECT_EQ(read->dims, tensor.dims);
  EXPECT_EQ(read->values, tensor.values);
  std::remove(path.c_str());
}

TEST(TensorProtoIoTest, ReadsTypedFieldsAsFloat) {
  // double_data, int64_data and int32-backed bool data convert to fp32.
  const std::string path = TemporaryPath("typed.pb");
  onnx::TensorProto proto;
  proto.add_dims(3);
  proto.set_data_type(onnx::TensorProto::DOUBLE);
  for (double value : {1.5, -2.0, 4.25}) proto.add_double_data(value);
  WriteProto(path, proto);
  auto doubles = ReadTensorProtoFile(path);
  ASSERT_TRUE(doubles.ok()) << doubles.status();
  EXPECT_THAT(doubles->values, ElementsAre(1.5f, -2.0f, 4.25f));

  proto.Clear();
  proto.add_dims(2);
  proto.set_data_type(onnx::TensorProto::INT64);
  proto.add_int64_data(7);
  proto.add_int64_data(-3);
  WriteProto(path, proto);
  auto ints = ReadTensorProtoFile(path);
  ASSERT_TRUE(ints.ok()) << ints.status();
  EXPECT_THAT(ints->values, ElementsAre(7.0f, -3.0f));

  proto.Clear();
  proto.add_dims(2);
  proto.set_data_type(onnx::TensorProto::BOOL);
  proto.set_raw_data(std::string("\x01\x00", 2));
  WriteProto(path, proto);
  auto bools = ReadTensorProtoFile(path);
  ASSERT_TRUE(bools.ok()) << bools.status();
  EXPECT_THAT(bools->values, ElementsAre(1.0f, 0.0f));
  std::remove(path.c_str());
}

TEST(TensorProtoIoTest, RejectsElementCountMismatch) {
  // Dims that need more values than the file contains are an error naming the file.
  const std::string path = TemporaryPath("short.pb");
  onnx::TensorProto proto;
  proto.set_name("short");
  proto.add_dims(4);
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.add_float_data(1.0f);
  WriteProto(path, proto);
  auto read = ReadTensorProtoFile(path);
  ASSERT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("tensor 'short' has 1 elements, dims [4] need 4"));
  std::remove(path.c_str());
}

TEST(TensorProtoIoTest, MissingFileAndBadWrite) {
  // A missing file names its path; a write whose values disagree with the dims fails
  // before touching the disk.
  auto read = ReadTensorProtoFile("/nonexistent/input_0.pb");
  ASSERT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("/nonexistent/input_0.pb"));
  const absl::Status status = WriteTensorProtoFile(TemporaryPath("bad.pb"), {"t", {2, 2}, {1.0f}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(TemporaryPath("bad.pb")));
}

}  // namespace
}  // namespace soma::importer
