// stream_io.h: the .npub file format, the text disassembly, and the stream's layer table
// read back as a LayerGraph.
#ifndef SOMA_CODEGEN_STREAM_IO_H_
#define SOMA_CODEGEN_STREAM_IO_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// The 8 bytes "SOMANPUB" read as a little-endian uint64; every .npub file starts with them.
inline constexpr uint64_t kStreamMagic = 0x4255504E414D4F53ull;
/// Version 2 added the kMatMul and kTensorOp layer kinds and the GELU and TANH activations.
inline constexpr uint32_t kStreamSchemaVersion = 2;

/// The .npub bytes: magic, schema version (little-endian uint32), FNV-1a checksum of the
/// message (little-endian uint64), then the message serialised deterministically and ended
/// by its end marker field. The same message gives the same bytes.
std::string SerializeStream(const stream::CommandStream& command_stream);
/// Parses .npub bytes; `source_name` names the file in messages. InvalidArgument on a wrong
/// magic, a different schema version, a message that does not parse or lacks its end marker
/// (a truncated file), a checksum that does not match the message, a message header that
/// disagrees with the file header, or a hardware description that does not match the
/// header's hardware hash.
absl::StatusOr<stream::CommandStream> ParseStream(const std::string& bytes,
                                                  const std::string& source_name);
/// Reads and parses a .npub file: NotFound when `path` does not exist, InvalidArgument for
/// a folder, a read failure or any ParseStream error.
absl::StatusOr<stream::CommandStream> ReadStreamFile(const std::string& path);

/// One command a line, with its queue, index, waits, addresses, boxes, cycles and origin.
std::string Disassemble(const stream::CommandStream& command_stream);

/// The LayerGraph encoded in the stream's tensor and layer tables (constants included), with
/// producer and consumer links and the graph inputs and outputs. InvalidArgument, naming the
/// tensor or layer, on corrupt tables or a graph that fails LayerGraph::Verify.
absl::StatusOr<graph::LayerGraph> DecodeLayerGraph(const stream::CommandStream& command_stream);
/// The hardware configuration a stream was compiled for; the inverse of EncodeHardware.
arch::ArchConfig DecodeHardware(const stream::Hardware& hardware);
/// Every field of `config` as the stream's Hardware message.
stream::Hardware EncodeHardware(const arch::ArchConfig& config);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_STREAM_IO_H_
