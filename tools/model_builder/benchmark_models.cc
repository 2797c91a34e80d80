// benchmark_models.cc: benchmark model lookup by name.
#include "model_builder/benchmark_models.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model_builder/gpt2_block_model.h"

namespace soma::model_builder {

std::vector<std::string> BenchmarkModelNames() {
  std::vector<std::string> names = Gpt2BlockNames();
  for (const char* name : {"inception-resnet-v1", "randwire-small", "resnet101", "resnet50"}) {
    names.push_back(name);
  }
  return names;
}

bool IsBenchmarkModel(const std::string& name) {
  const std::vector<std::string> names = BenchmarkModelNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::StatusOr<BuiltModel> BuildBenchmarkModel(const std::string& name,
                                               const BenchmarkModelOptions& options) {
  if (options.batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch ", options.batch, " must be at least 1"));
  }
  if (options.input_size.has_value() && *options.input_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--input-size ", *options.input_size, " must be at least 1"));
  }
  const std::vector<std::string> gpt2_names = Gpt2BlockNames();
  if (std::find(gpt2_names.begin(), gpt2_names.end(), name) != gpt2_names.end()) {
    if (options.input_size.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--input-size applies to the CNNs only, not to '", name, "'; use --seq for tokens"));
    }
    absl::StatusOr<Gpt2BlockSpec> spec = Gpt2BlockSpecFor(name, options.batch, options.seq);
    if (!spec.ok()) return spec.status();
    return BuildGpt2Block(*spec, options.weights, options.seed);
  }
  if (options.seq.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seq applies to the GPT-2 blocks only, not to '", name, "'"));
  }
  if (name == "resnet50") return BuildResNet(50, options);
  if (name == "resnet101") return BuildResNet(101, options);
  if (name == "inception-resnet-v1") return BuildInceptionResNetV1(options);
  if (name == "randwire-small") return BuildRandWireSmall(options);
  return absl::InvalidArgumentError(absl::StrCat("unknown benchmark model '", name,
                                                 "'; known benchmark models: ",
                                                 absl::StrJoin(BenchmarkModelNames(), ", ")));
}

}  // namespace soma::model_builder
