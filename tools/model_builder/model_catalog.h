// model_catalog.h: the models that soma-modelgen writes, by name.
#ifndef SOMA_TOOLS_MODEL_BUILDER_MODEL_CATALOG_H_
#define SOMA_TOOLS_MODEL_BUILDER_MODEL_CATALOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace soma::model_builder {

struct ModelOptions {
  /// Seed of the weight generator.
  uint32_t seed = 1;
  /// Batch extent of the graph input.
  int64_t batch = 1;
};

/// residual-small: input [batch, 3, 32, 32]; a Conv+BatchNormalization+Relu stem, two
/// residual blocks joined by Add, a strided conv, a depthwise conv, MaxPool,
/// GlobalAveragePool, Flatten, Gemm and Softmax over 10 classes. Opset 13.
onnx::ModelProto BuildResidualSmall(const ModelOptions& options);

/// op-coverage: every operator the importer lowers at least once (see op_coverage_model.cc),
/// nodes written in reverse topological order, initializers also listed as graph inputs.
/// Opset 14. Outputs: `logits` [batch, 10] (LogSoftmax) and `probabilities` [batch, 16].
onnx::ModelProto BuildOpCoverage(const ModelOptions& options);

/// The names soma-modelgen accepts, sorted.
std::vector<std::string> ModelNames();

/// The model called `name`. InvalidArgument lists the known names when `name` is unknown.
absl::StatusOr<onnx::ModelProto> BuildNamedModel(const std::string& name,
                                                 const ModelOptions& options);

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_MODEL_CATALOG_H_
