// network_cache.cc: in-memory generation and import of the benchmark networks.
#include "bench/network_cache.h"

#include "absl/strings/str_cat.h"
#include "importer/importer.h"
#include "model_builder/benchmark_models.h"
#include "model_builder/onnx_model_builder.h"

namespace soma::bench {

namespace {

absl::StatusOr<std::unique_ptr<graph::LayerGraph>> Generate(const std::string& model,
                                                            int64_t batch) {
  model_builder::BenchmarkModelOptions options;
  options.batch = batch;
  options.weights = model_builder::WeightMode::kOmitted;
  absl::StatusOr<model_builder::BuiltModel> built =
      model_builder::BuildBenchmarkModel(model, options);
  if (!built.ok()) return built.status();
  absl::StatusOr<importer::ImportResult> imported = importer::ImportModelBytes(
      model_builder::SerializeModel(built->model), absl::StrCat(model, ".onnx"), {});
  if (!imported.ok()) return imported.status();
  if (const absl::Status verified = imported->graph.Verify(); !verified.ok()) return verified;
  return std::make_unique<graph::LayerGraph>(std::move(imported->graph));
}

}  // namespace

absl::StatusOr<const graph::LayerGraph*> NetworkCache::Get(const std::string& model,
                                                           int64_t batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_pair(model, batch);
  auto found = entries_.find(key);
  if (found == entries_.end()) found = entries_.emplace(key, Generate(model, batch)).first;
  if (!found->second.ok()) return found->second.status();
  return found->second->get();
}

}  // namespace soma::bench
