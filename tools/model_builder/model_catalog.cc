// model_catalog.cc: model lookup by name.
#include "model_builder/model_catalog.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::model_builder {

std::vector<std::string> ModelNames() { return {"op-coverage", "residual-small"}; }

absl::StatusOr<onnx::ModelProto> BuildNamedModel(const std::string& name,
                                                 const ModelOptions& options) {
  if (options.batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch ", options.batch, " must be at least 1"));
  }
  if (name == "residual-small") return BuildResidualSmall(options);
  if (name == "op-coverage") return BuildOpCoverage(options);
  return absl::InvalidArgumentError(absl::StrCat("unknown model '", name, "'; known models: ",
                                                 absl::StrJoin(ModelNames(), ", ")));
}

}  // namespace soma::model_builder
