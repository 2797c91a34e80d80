// model_reader.h: reads an ONNX file and parses its ModelProto within a size limit.
#ifndef SOMA_IMPORTER_MODEL_READER_H_
#define SOMA_IMPORTER_MODEL_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// Reads the whole file at `path`. InvalidArgument names the path when it is missing,
/// unreadable, not a regular file, or larger than `max_bytes`.
absl::StatusOr<std::string> ReadModelFileBytes(const std::string& path, int64_t max_bytes);

/// Parses `bytes` as an ONNX ModelProto with protobuf's total-bytes limit set to
/// `max_bytes`. InvalidArgument "failed to parse SOURCE as an ONNX ModelProto" on truncated or
/// garbage input, or on a ModelProto without a graph.
absl::StatusOr<onnx::ModelProto> ParseModelProto(const std::string& bytes,
                                                 const std::string& source_name,
                                                 int64_t max_bytes);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_MODEL_READER_H_
