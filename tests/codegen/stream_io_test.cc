// stream_io_test.cc: the .npub format: layout, round trip, determinism and the reader's errors.
#include "codegen/stream_io.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "codegen/codegen.h"
#include "codegen/two_conv_fixture.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace soma::codegen {
namespace {

using ::testing::HasSubstr;

stream::CommandStream EmitFixture() {
  const testing::TwoConvFixture fixture = testing::MakeTwoConvFixture();
  absl::StatusOr<stream::CommandStream> emitted =
      EmitCommandStream(fixture.graph, fixture.program, fixture.allocation, fixture.config);
  EXPECT_TRUE(emitted.ok()) << emitted.status();
  return emitted.ok() ? *std::move(emitted) : stream::CommandStream();
}

std::string WriteTempFile(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(StreamIoTest, FileStartsWithMagicAndVersion) {
  // The first 8 bytes spell SOMANPUB and the next 4 hold version 2, little-endian.
  const std::string bytes = SerializeStream(EmitFixture());
  ASSERT_GT(bytes.size(), 12u);
  EXPECT_EQ(bytes.substr(0, 8), "SOMANPUB");
  EXPECT_EQ(bytes.substr(8, 4), std::string("\x02\x00\x00\x00", 4));
}

TEST(StreamIoTest, ParseInvertsSerialise) {
  // Parsing the bytes gives back the emitted message, and serialising it again gives the bytes.
  const stream::CommandStream emitted = EmitFixture();
  const std::string bytes = SerializeStream(emitted);
  absl::StatusOr<stream::CommandStream> parsed = ParseStream(bytes, "two_conv.npub");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(emitted, *parsed));
  EXPECT_EQ(SerializeStream(*parsed), bytes);
}

TEST(StreamIoTest, ReadStreamFileReadsWrittenFile) {
  // A stream written to disk reads back equal.
  const stream::CommandStream emitted = EmitFixture();
  const std::string path = WriteTempFile("codegen_roundtrip.npub", SerializeStream(emitted));
  absl::StatusOr<stream::CommandStream> read = ReadStreamFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(emitted, *read));
}

TEST(StreamIoTest, WrongMagicIsRejected) {
  // A file that does not start with SOMANPUB is not a command stream.
  std::string bytes = SerializeStream(EmitFixture());
  bytes.replace(0, 8, "NOTASTRM");
  const absl::Status status = ParseStream(bytes, "model.npub").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "model.npub: not a SoMa command stream (magic 0x4D52545341544F4E \"NOTASTRM\", "
            "expected 0x4255504E414D4F53 \"SOMANPUB\")");
}

TEST(StreamIoTest, ShortFileIsRejectedByMagic) {
  // Fewer bytes than the magic cannot be a stream.
  const absl::Status status = ParseStream("SOMA", "short.npub").status();
  EXPECT_EQ(status.message(),
            "short.npub: not a SoMa command stream (magic missing: the file has 4 bytes, a "
            "stream starts with the 8 bytes \"SOMANPUB\")");
}

TEST(StreamIoTest, OtherSchemaVersionIsRejected) {
  // A stream of another schema version names both versions.
  std::string bytes = SerializeStream(EmitFixture());
  bytes[8] = 1;
  const absl::Status status = ParseStream(bytes, "old.npub").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "old.npub: schema version 1, this build reads version 2; recompile the model with "
            "this build");
}

TEST(StreamIoTest, TruncatedHeaderIsRejected) {
  // The magic alone, without the version, is a truncated file.
  const std::string bytes = SerializeStream(EmitFixture()).substr(0, 10);
  const absl::Status status = ParseStream(bytes, "cut.npub").status();
  EXPECT_EQ(status.message(),
            "cut.npub: truncated command stream (10 bytes, the magic, the schema version and the "
            "checksum need 20)");
}

TEST(StreamIoTest, TruncatedMessageIsRejected) {
  // A file cut inside a field does not parse.
  const std::string full = SerializeStream(EmitFixture());
  const std::string bytes = full.substr(0, full.size() / 2);
  const absl::Status status = ParseStream(bytes, "cut.npub").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "cut.npub: the command stream message does not parse (" +
                std::to_string(bytes.size() - 20) +
                " bytes after the 20-byte file header); the file is truncated or corrupt");
}

TEST(StreamIoTest, FileCutAtFieldBoundaryIsRejected) {
  // A file cut exactly before the end marker still parses as protobuf, so the missing marker
  // is what reveals the truncation.
  const std::string full = SerializeStream(EmitFixture());
  const std::string bytes = full.substr(0, full.size() - 9);
  const absl::Status status = ParseStream(bytes, "cut.npub").status();
  EXPECT_EQ(status.message(), "cut.npub: truncated command stream: the message (" +
                                  std::to_string(bytes.size() - 20) +
                                  " bytes) ends before its end marker");
}

TEST(StreamIoTest, MessageHeaderMustMatchFileHeader) {
  // The header inside the message repeats the magic and version of the file header.
  stream::CommandStream emitted = EmitFixture();
  emitted.mutable_header()->set_schema_version(7);
  const absl::Status status = ParseStream(SerializeStream(emitted), "mixed.npub").status();
  EXPECT_EQ(status.message(),
            "mixed.npub: the message header (magic 0x4255504E414D4F53, schema version 7) does not "
            "match the file header (magic 0x4255504E414D4F53, schema version 2); the file is "
            "corrupt");
}

TEST(StreamIoTest, CorruptedByteFailsChecksum) {
  // One flipped bit in the message is caught by the checksum, even where protobuf would
  // parse the changed bytes as other field values.
  std::string bytes = SerializeStream(EmitFixture());
  ASSERT_GT(bytes.size(), 100u);
  bytes[bytes.size() / 2] ^= 0x04;
  const absl::Status status = ParseStream(bytes, "flipped.npub").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              ::testing::AnyOf(::testing::HasSubstr("corrupt command stream: the message checksum"),
                               ::testing::HasSubstr("does not parse")));
}

TEST(StreamIoTest, HardwareMustMatchItsHash) {
  // A hardware description that disagrees with the header's hash is rejected.
  stream::CommandStream emitted = EmitFixture();
  emitted.mutable_hardware()->set_dma_queues(emitted.hardware().dma_queues() + 4);
  const absl::Status status = ParseStream(SerializeStream(emitted), "edited.npub").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("edited.npub: the hardware description hashes to"));
}

TEST(StreamIoTest, MissingFileIsNotFound) {
  // A path that does not exist is reported as not found, naming the path.
  const std::string path = ::testing::TempDir() + "/no_such_stream.npub";
  const absl::Status status = ReadStreamFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), path + ": command stream file not found; check the path");
}

TEST(StreamIoTest, FolderIsRejected) {
  // A folder is not a stream file.
  const std::string path = ::testing::TempDir();
  const absl::Status status = ReadStreamFile(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(": is a folder, expected a command stream file (.npub)"));
}

TEST(StreamIoTest, EmptyFileIsRejected) {
  // An empty file has no magic.
  const std::string path = WriteTempFile("codegen_empty.npub", "");
  const absl::Status status = ReadStreamFile(path).status();
  EXPECT_EQ(status.message(),
            path +
                ": not a SoMa command stream (magic missing: the file has 0 bytes, a stream "
                "starts with the 8 bytes \"SOMANPUB\")");
}

}  // namespace
}  // namespace soma::codegen
