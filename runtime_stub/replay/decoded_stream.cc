// decoded_stream.cc: table validation and layer-graph decoding shared by the replay levels.
#include "replay/decoded_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "codegen/stream_io.h"
#include "replay/stream_validation.h"
#include "soma/status_macros.h"

namespace soma::replay {

absl::StatusOr<DecodedStream> DecodeStream(const stream::CommandStream& command_stream) {
  RETURN_IF_ERROR(ValidateStreamTables(command_stream));
  DecodedStream decoded;
  decoded.command_stream = &command_stream;
  ASSIGN_OR_RETURN(decoded.graph, codegen::DecodeLayerGraph(command_stream));
  if (static_cast<int>(decoded.graph.tensors.size()) != command_stream.tensors_size() ||
      static_cast<int>(decoded.graph.layers.size()) != command_stream.layers_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the stream's layer table decodes to ", decoded.graph.tensors.size(), " tensors and ",
        decoded.graph.layers.size(), " layers, expected ", command_stream.tensors_size(),
        " and ", command_stream.layers_size(), " (the stream's tables)"));
  }
  decoded.table = std::make_unique<CommandTable>(command_stream);
  return decoded;
}

std::optional<HappensBefore> CheckExecutable(const DecodedStream& decoded, FindingList* findings) {
  const size_t before = findings->findings().size();
  const int64_t dropped_before = findings->dropped_count();
  ValidateCommands(*decoded.table, findings);
  if (findings->findings().size() != before || findings->dropped_count() != dropped_before) {
    return std::nullopt;
  }
  HappensBefore happens_before = HappensBefore::Derive(*decoded.table, findings);
  if (!happens_before.complete()) return std::nullopt;
  return happens_before;
}

}  // namespace soma::replay
