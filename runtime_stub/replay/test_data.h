// test_data.h: the functional level's network inputs and expected outputs: ONNX
// backend-test folders, TensorProto files named on the command line, or seeded random inputs
// with the reference executor's outputs.
#ifndef SOMA_REPLAY_TEST_DATA_H_
#define SOMA_REPLAY_TEST_DATA_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "replay/replay_options.h"
#include "soma/command_stream.pb.h"

namespace soma::replay {

/// Values of every network input and the expected values of every network output, keyed by
/// tensor id, in NCHW order.
struct ReferenceData {
  std::map<int, std::vector<float>> inputs;
  std::map<int, std::vector<float>> expected_outputs;
  /// Where the values came from, for the summary.
  std::string source;
};

/// Reads an ONNX backend-test folder: `input_K.pb` binds to the network input whose name the
/// TensorProto carries, else to network input K; `output_K.pb` likewise to the outputs.
/// InvalidArgument (NotFound for a missing folder) names the file or the input left unbound.
/// Outputs without a file are left out of `expected_outputs`.
absl::StatusOr<ReferenceData> ReadTestDataDir(const stream::CommandStream& command_stream,
                                              const std::string& dir);

/// Reads `--input NAME=FILE` and `--expect FILE` files; expected files bind to the network
/// outputs in order. InvalidArgument names the file, or the flag when a name matches no
/// network input.
absl::StatusOr<ReferenceData> ReadTensorFiles(const stream::CommandStream& command_stream,
                                              const std::vector<InputFile>& input_files,
                                              const std::vector<std::string>& expect_files);

/// Uniform values in [-1, 1) from std::mt19937_64 seeded with `seed`, the same on every
/// standard library.
std::vector<float> RandomValues(uint64_t seed, int64_t count);

/// Gathers inputs and expected outputs from the source `options` names: a test-data folder,
/// files, or neither. Network inputs without values get seeded random values (the seed mixed with the
/// input's position); network outputs without expected values get the reference
/// executor's outputs on `graph`. InvalidArgument when expected files are given but not every
/// input has a file, since the expected values would then describe other inputs.
absl::StatusOr<ReferenceData> PrepareReferenceData(const stream::CommandStream& command_stream,
                                                   const graph::LayerGraph& graph,
                                                   const FunctionalOptions& options);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_TEST_DATA_H_
