// soma_modelgen_main.cc: soma-modelgen, which writes the project's generated ONNX models.
//
//   soma-modelgen --model residual-small --out models/residual_small.onnx [--seed N] [--batch N]
//
// The same flags always give byte-identical files. Exit codes: 0 written, 2 invalid flags,
// 5 the file could not be written.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "model_builder/model_catalog.h"
#include "model_builder/onnx_model_builder.h"

ABSL_FLAG(std::string, model, "", "name of the model to write (residual-small, op-coverage)");
ABSL_FLAG(std::string, out, "", "path of the .onnx file to write");
ABSL_FLAG(uint32_t, seed, 1, "seed of the weight generator");
ABSL_FLAG(int64_t, batch, 1, "batch extent of the graph input");

namespace {

constexpr int kExitInvalidInput = 2;
constexpr int kExitInternal = 5;

// Writes `bytes` to a temporary file next to `path` and renames it into place.
bool WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string temporary_path = path + ".tmp";
  {
    std::ofstream file(temporary_path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) {
      std::remove(temporary_path.c_str());
      return false;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary_path, path, error);
  if (error) std::remove(temporary_path.c_str());
  return !error;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "writes a generated ONNX model: soma-modelgen --model NAME --out FILE.onnx "
      "[--seed N] [--batch N]");
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_model);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (name.empty() || out.empty()) {
    std::cerr << "soma-modelgen: --model and --out are required; models: "
              << absl::StrJoin(soma::model_builder::ModelNames(), ", ") << "\n";
    return kExitInvalidInput;
  }
  soma::model_builder::ModelOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.batch = absl::GetFlag(FLAGS_batch);
  auto model = soma::model_builder::BuildNamedModel(name, options);
  if (!model.ok()) {
    std::cerr << "soma-modelgen: " << model.status().message() << "\n";
    return kExitInvalidInput;
  }
  if (!WriteFileAtomically(out, soma::model_builder::SerializeModel(*model))) {
    std::cerr << "soma-modelgen: failed to write '" << out
              << "'; check that the folder exists and is writable\n";
    return kExitInternal;
  }
  return 0;
}
