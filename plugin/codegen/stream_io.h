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

inline constexpr uint64_t kStreamMagic = 0x42554E50414D4F53ull;  // "SOMANPUB"
inline constexpr uint32_t kStreamSchemaVersion = 1;

/// The .npub bytes: magic, schema version, serialised message. Deterministic.
std::string SerializeStream(const stream::CommandStream& command_stream);
/// Parses .npub bytes. InvalidArgument on a wrong magic, a different schema version or a
/// message that does not parse; `source_name` names the file in messages.
absl::StatusOr<stream::CommandStream> ParseStream(const std::string& bytes,
                                                  const std::string& source_name);
absl::StatusOr<stream::CommandStream> ReadStreamFile(const std::string& path);

/// One command a line, with its queue, index, waits, addresses, boxes, cycles and origin.
std::string Disassemble(const stream::CommandStream& command_stream);

/// The LayerGraph encoded in the stream's tensor and layer tables (constants included).
absl::StatusOr<graph::LayerGraph> DecodeLayerGraph(const stream::CommandStream& command_stream);
arch::ArchConfig DecodeHardware(const stream::Hardware& hardware);
stream::Hardware EncodeHardware(const arch::ArchConfig& config);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_STREAM_IO_H_
