// import_test_helpers.cc: import and lookup helpers for importer tests.
#include "importer/import_test_helpers.h"

#include "gtest/gtest.h"

namespace soma::importer::testing {

absl::StatusOr<ImportResult> Import(const model_builder::OnnxModelBuilder& builder,
                                    const ImportOptions& options) {
  return ImportModelBytes(builder.BuildBytes(), "test.onnx", options);
}

ImportAttempt TryImport(const model_builder::OnnxModelBuilder& builder,
                        const ImportOptions& options) {
  return TryImportModelBytes(builder.BuildBytes(), "test.onnx", options);
}

const graph::Layer* FindLayer(const graph::LayerGraph& graph, const std::string& name) {
  for (const graph::Layer& layer : graph.layers) {
    if (layer.name == name) return &layer;
  }
  ADD_FAILURE() << "no layer named '" << name << "' in\n" << graph.ToString();
  return nullptr;
}

const graph::Tensor* FindTensor(const graph::LayerGraph& graph, const std::string& name) {
  for (const graph::Tensor& tensor : graph.tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

const Placement* FindPlacement(const PlacementTable& table, const std::string& name) {
  for (const Placement& placement : table) {
    if (placement.node_name == name) return &placement;
  }
  return nullptr;
}

model_builder::OnnxModelBuilder BuilderWithInput(const std::vector<int64_t>& dims,
                                                 int64_t opset) {
  model_builder::OnnxModelBuilder builder("test", opset);
  std::vector<model_builder::Dim> input_dims(dims.begin(), dims.end());
  builder.AddInput("x", input_dims);
  return builder;
}

}  // namespace soma::importer::testing
