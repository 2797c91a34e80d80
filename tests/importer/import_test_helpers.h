// import_test_helpers.h: imports models built with soma_model_builder and finds layers,
// tensors and placements by name.
#ifndef SOMA_TESTS_IMPORTER_IMPORT_TEST_HELPERS_H_
#define SOMA_TESTS_IMPORTER_IMPORT_TEST_HELPERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "importer/importer.h"
#include "model_builder/onnx_model_builder.h"

namespace soma::importer::testing {

/// Imports the builder's model from memory under the source name "test.onnx".
absl::StatusOr<ImportResult> Import(const model_builder::OnnxModelBuilder& builder,
                                    const ImportOptions& options = {});
/// Same, keeping the placement table on failure.
ImportAttempt TryImport(const model_builder::OnnxModelBuilder& builder,
                        const ImportOptions& options = {});

/// The layer called `name`; fails the current test and returns nullptr when there is none.
const graph::Layer* FindLayer(const graph::LayerGraph& graph, const std::string& name);
/// The tensor called `name`, or nullptr.
const graph::Tensor* FindTensor(const graph::LayerGraph& graph, const std::string& name);
/// The placement of node `name`, or nullptr.
const Placement* FindPlacement(const PlacementTable& table, const std::string& name);

/// A builder with one float input `x` of `dims`, opset `opset`.
model_builder::OnnxModelBuilder BuilderWithInput(const std::vector<int64_t>& dims,
                                                 int64_t opset = 13);

}  // namespace soma::importer::testing

#endif  // SOMA_TESTS_IMPORTER_IMPORT_TEST_HELPERS_H_
