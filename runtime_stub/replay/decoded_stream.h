// decoded_stream.h: a validated stream with its command table and layer graph, the common
// starting point of every replay level.
#ifndef SOMA_REPLAY_DECODED_STREAM_H_
#define SOMA_REPLAY_DECODED_STREAM_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "replay/command_table.h"
#include "replay/finding.h"
#include "replay/happens_before.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

struct DecodedStream {
  const stream::CommandStream* command_stream = nullptr;
  /// The layer table as a LayerGraph; tensor and layer ids equal the stream's.
  graph::LayerGraph graph;
  std::unique_ptr<CommandTable> table;
};

/// Validates the tables, decodes the layer graph and checks that its tensor and layer ids
/// match the stream's. InvalidArgument names the table entry at fault. Borrows
/// `command_stream`, which must outlive the result.
absl::StatusOr<DecodedStream> DecodeStream(const stream::CommandStream& command_stream);

/// Adds the command findings that make a stream unsafe to execute: malformed commands, then
/// (only when there are none) unsatisfiable waits and deadlocks. Returns the happens-before
/// order when the stream can run, nullopt otherwise.
std::optional<HappensBefore> CheckExecutable(const DecodedStream& decoded, FindingList* findings);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_DECODED_STREAM_H_
