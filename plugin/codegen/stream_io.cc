// stream_io.cc: the .npub file format (magic, schema version, checksum, message) and
// reading it.
#include "codegen/stream_io.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace soma::codegen {
namespace {

constexpr size_t kMagicBytes = 8;
constexpr size_t kVersionBytes = 4;
constexpr size_t kChecksumBytes = 8;
constexpr size_t kFileHeaderBytes = kMagicBytes + kVersionBytes + kChecksumBytes;
// Wire tag of CommandStream.end_marker: field 15, wire type 1 (fixed64).
constexpr uint32_t kEndMarkerTag = (15u << 3) | 1u;

void AppendLittleEndian(uint64_t value, size_t byte_count, std::string* out) {
  for (size_t byte = 0; byte < byte_count; ++byte) {
    out->push_back(static_cast<char>((value >> (8 * byte)) & 0xFF));
  }
}

uint64_t ReadLittleEndian(const std::string& bytes, size_t offset, size_t byte_count) {
  uint64_t value = 0;
  for (size_t byte = 0; byte < byte_count; ++byte) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + byte])) << (8 * byte);
  }
  return value;
}

// FNV-1a over the message bytes: detects a corrupted byte anywhere in the message, which
// protobuf parsing alone often accepts as different field values.
uint64_t MessageChecksum(const char* data, size_t size) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (size_t index = 0; index < size; ++index) {
    hash ^= static_cast<unsigned char>(data[index]);
    hash *= 0x100000001B3ull;
  }
  return hash;
}

std::string MagicText(uint64_t magic) {
  std::string text;
  for (size_t byte = 0; byte < kMagicBytes; ++byte) {
    const char c = static_cast<char>((magic >> (8 * byte)) & 0xFF);
    text.push_back(c >= 0x20 && c < 0x7F ? c : '.');
  }
  return text;
}

}  // namespace

std::string SerializeStream(const stream::CommandStream& command_stream) {
  std::string bytes;
  AppendLittleEndian(kStreamMagic, kMagicBytes, &bytes);
  AppendLittleEndian(kStreamSchemaVersion, kVersionBytes, &bytes);
  AppendLittleEndian(0, kChecksumBytes, &bytes);
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    command_stream.SerializeToCodedStream(&coded);
    // The end marker is the highest field number, so it follows every other field.
    if (command_stream.end_marker() != kStreamMagic) {
      coded.WriteTag(kEndMarkerTag);
      coded.WriteLittleEndian64(kStreamMagic);
    }
  }
  const uint64_t checksum =
      MessageChecksum(bytes.data() + kFileHeaderBytes, bytes.size() - kFileHeaderBytes);
  for (size_t byte = 0; byte < kChecksumBytes; ++byte) {
    bytes[kMagicBytes + kVersionBytes + byte] = static_cast<char>((checksum >> (8 * byte)) & 0xFF);
  }
  return bytes;
}

absl::StatusOr<stream::CommandStream> ParseStream(const std::string& bytes,
                                                  const std::string& source_name) {
  if (bytes.size() < kMagicBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": not a SoMa command stream (magic missing: the file has ",
                     bytes.size(), " bytes, a stream starts with the 8 bytes \"SOMANPUB\")"));
  }
  const uint64_t magic = ReadLittleEndian(bytes, 0, kMagicBytes);
  if (magic != kStreamMagic) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: not a SoMa command stream (magic 0x%016X \"%s\", expected 0x%016X \"SOMANPUB\")",
        source_name, magic, MagicText(magic), kStreamMagic));
  }
  if (bytes.size() < kMagicBytes + kVersionBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": truncated command stream (", bytes.size(),
                     " bytes, the magic, the schema version and the checksum need ",
                     kFileHeaderBytes, ")"));
  }
  const uint32_t version =
      static_cast<uint32_t>(ReadLittleEndian(bytes, kMagicBytes, kVersionBytes));
  if (version != kStreamSchemaVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": schema version ", version, ", this build reads version ",
                     kStreamSchemaVersion, "; recompile the model with this build"));
  }
  if (bytes.size() < kFileHeaderBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": truncated command stream (", bytes.size(),
                     " bytes, the magic, the schema version and the checksum need ",
                     kFileHeaderBytes, ")"));
  }

  const size_t message_bytes = bytes.size() - kFileHeaderBytes;
  if (message_bytes > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": the command stream message has ", message_bytes,
                     " bytes, above the protobuf limit of ", INT_MAX, " bytes"));
  }
  stream::CommandStream command_stream;
  google::protobuf::io::ArrayInputStream input(bytes.data() + kFileHeaderBytes,
                                               static_cast<int>(message_bytes));
  google::protobuf::io::CodedInputStream coded(&input);
  coded.SetTotalBytesLimit(INT_MAX);
  if (!command_stream.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": the command stream message does not parse (", message_bytes,
                     " bytes after the ", kFileHeaderBytes,
                     "-byte file header); the file is truncated or corrupt"));
  }
  if (command_stream.end_marker() != kStreamMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": truncated command stream: the message (", message_bytes,
                     " bytes) ends before its end marker"));
  }
  command_stream.clear_end_marker();
  const uint64_t stored_checksum =
      ReadLittleEndian(bytes, kMagicBytes + kVersionBytes, kChecksumBytes);
  const uint64_t checksum = MessageChecksum(bytes.data() + kFileHeaderBytes, message_bytes);
  if (stored_checksum != checksum) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: corrupt command stream: the message checksum is 0x%016X, the file header records "
        "0x%016X; recompile the model",
        source_name, checksum, stored_checksum));
  }

  const stream::Header& header = command_stream.header();
  if (header.magic() != kStreamMagic || header.schema_version() != kStreamSchemaVersion) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the message header (magic 0x%016X, schema version %u) does not match the file "
        "header (magic 0x%016X, schema version %u); the file is corrupt",
        source_name, header.magic(), header.schema_version(), kStreamMagic, kStreamSchemaVersion));
  }
  const uint64_t hardware_hash = DecodeHardware(command_stream.hardware()).Hash();
  if (hardware_hash != header.hardware_hash()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the hardware description hashes to 0x%016X but the header records 0x%016X; the "
        "file is corrupt",
        source_name, hardware_hash, header.hardware_hash()));
  }
  return command_stream;
}

absl::StatusOr<stream::CommandStream> ReadStreamFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(
        absl::StrCat(path, ": command stream file not found; check the path"));
  }
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a folder, expected a command stream file (.npub)"));
  }
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open the command stream: ", std::strerror(errno)));
  }
  // Read in one piece: streams carry the weights, so they can be hundreds of megabytes.
  const std::streamsize size = file.tellg();
  std::string bytes(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  file.seekg(0);
  if (size < 0 || !file.read(bytes.data(), size)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": reading the command stream failed: ", std::strerror(errno)));
  }
  return ParseStream(bytes, path);
}

}  // namespace soma::codegen
