// soma_modelgen_main.cc: soma-modelgen, which writes the project's generated ONNX models.
//
//   soma-modelgen --model residual-small --out models/residual_small.onnx [--seed N] [--batch N]
//   soma-modelgen --model resnet50 --out resnet50.onnx [--seed N] [--batch N]
//       [--weights random|omitted] [--input-size N]
//   soma-modelgen --model gpt2-small-prefill --out block.onnx [--batch N] [--seq N]
//       [--weights random|omitted]
//
// The shipped models are residual-small and op-coverage. The benchmark networks are
// resnet50, resnet101, inception-resnet-v1, randwire-small and one transformer block of
// GPT-2 small or XL (gpt2-small-prefill, gpt2-small-decode, gpt2-xl-prefill,
// gpt2-xl-decode). For them the command also prints the MAC and parameter counts. The same
// flags always give byte-identical files.
// Exit codes: 0 written, 2 invalid flags, 5 the file could not be written.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model_builder/benchmark_models.h"
#include "model_builder/gpt2_block_model.h"
#include "model_builder/model_catalog.h"
#include "model_builder/onnx_model_builder.h"

ABSL_FLAG(std::string, model, "",
          "name of the model to write (residual-small, op-coverage, resnet50, resnet101, "
          "inception-resnet-v1, randwire-small, gpt2-small-prefill, gpt2-small-decode, "
          "gpt2-xl-prefill, gpt2-xl-decode)");
ABSL_FLAG(std::string, out, "", "path of the .onnx file to write");
ABSL_FLAG(uint32_t, seed, 1, "seed of the weight generator (and of RandWire's graphs)");
ABSL_FLAG(int64_t, batch, 1, "batch extent of the graph input");
ABSL_FLAG(std::string, weights, "random",
          "benchmark networks only: 'random' writes seeded initializers, 'omitted' writes "
          "ConstantOfShape fills (small files)");
ABSL_FLAG(int64_t, input_size, 0,
          "benchmark networks only: input height and width in pixels; 0 keeps the network's "
          "own (224, or 299 for inception-resnet-v1)");
ABSL_FLAG(int64_t, seq, 0,
          "GPT-2 blocks only: prompt tokens (prefill) or cached tokens (decode); 0 keeps the "
          "default (512 for gpt2-small, 1024 for gpt2-xl)");

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

// Builds a benchmark network from the flags and prints its counts on stdout.
absl::StatusOr<onnx::ModelProto> BuildBenchmark(const std::string& name) {
  soma::model_builder::BenchmarkModelOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.batch = absl::GetFlag(FLAGS_batch);
  const std::string weights = absl::GetFlag(FLAGS_weights);
  if (weights == "omitted") {
    options.weights = soma::model_builder::WeightMode::kOmitted;
  } else if (weights != "random") {
    return absl::InvalidArgumentError(
        absl::StrCat("--weights '", weights, "' is invalid; expected 'random' or 'omitted'"));
  }
  const int64_t input_size = absl::GetFlag(FLAGS_input_size);
  if (input_size != 0) options.input_size = input_size;
  const int64_t seq = absl::GetFlag(FLAGS_seq);
  if (seq != 0) options.seq = seq;
  absl::StatusOr<soma::model_builder::BuiltModel> built =
      soma::model_builder::BuildBenchmarkModel(name, options);
  if (!built.ok()) return built.status();
  std::cout << absl::StrFormat("%s: %d MACs (%.3f GMAC) at batch %d, %d parameters", name,
                               built->mac_count, static_cast<double>(built->mac_count) * 1e-9,
                               options.batch, built->parameter_count);
  absl::StatusOr<soma::model_builder::Gpt2BlockSpec> gpt2 =
      soma::model_builder::Gpt2BlockSpecFor(name, options.batch, options.seq);
  if (gpt2.ok()) {
    std::cout << absl::StrFormat(", one of %d blocks, sequence %d", gpt2->block_count, gpt2->seq);
  }
  std::cout << "\n";
  return std::move(built->model);
}

// Builds a shipped model; the benchmark-only flags must keep their defaults.
absl::StatusOr<onnx::ModelProto> BuildShipped(const std::string& name) {
  if (absl::GetFlag(FLAGS_weights) != "random" || absl::GetFlag(FLAGS_input_size) != 0 ||
      absl::GetFlag(FLAGS_seq) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--weights, --input-size and --seq apply to the benchmark networks only (",
        absl::StrJoin(soma::model_builder::BenchmarkModelNames(), ", "), "), not to '", name,
        "'"));
  }
  soma::model_builder::ModelOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.batch = absl::GetFlag(FLAGS_batch);
  return soma::model_builder::BuildNamedModel(name, options);
}

std::string AllModelNames() {
  return absl::StrCat(absl::StrJoin(soma::model_builder::ModelNames(), ", "), ", ",
                      absl::StrJoin(soma::model_builder::BenchmarkModelNames(), ", "));
}

}  // namespace

int main(int argc, char** argv) {
  // --help lists the flags of this file (absl matches files by the binary's name, and the
  // dash in "soma-modelgen" hides them otherwise).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "soma_modelgen_main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "writes a generated ONNX model: soma-modelgen --model NAME --out FILE.onnx "
      "[--seed N] [--batch N] [--weights random|omitted] [--input-size N] [--seq N]");
  // absl flags are spelled with underscores; accept the documented --input-size too.
  std::vector<std::string> arguments(argv, argv + argc);
  std::vector<char*> argument_pointers;
  for (std::string& argument : arguments) {
    if (argument.rfind("--input-size", 0) == 0) argument.replace(0, 12, "--input_size");
    argument_pointers.push_back(argument.data());
  }
  absl::ParseCommandLine(static_cast<int>(argument_pointers.size()), argument_pointers.data());

  const std::string name = absl::GetFlag(FLAGS_model);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (name.empty() || out.empty()) {
    std::cerr << "soma-modelgen: --model and --out are required; models: " << AllModelNames()
              << "\n";
    return kExitInvalidInput;
  }

  const std::vector<std::string> shipped_names = soma::model_builder::ModelNames();
  const bool is_shipped =
      std::find(shipped_names.begin(), shipped_names.end(), name) != shipped_names.end();
  const bool is_benchmark = soma::model_builder::IsBenchmarkModel(name);
  if (!is_shipped && !is_benchmark) {
    std::cerr << "soma-modelgen: unknown model '" << name << "'; known models: "
              << AllModelNames() << "\n";
    return kExitInvalidInput;
  }

  absl::StatusOr<onnx::ModelProto> model = is_benchmark ? BuildBenchmark(name) : BuildShipped(name);
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
