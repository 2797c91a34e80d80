// soma_reseed_fills_main.cc: soma-reseed-fills, which writes a copy of an ONNX model whose
// ConstantOfShape weight fills are replaced by seeded random initializers.
//
//   soma-reseed-fills IN.onnx OUT.onnx [--seed N]
//
// The same input and seed always give byte-identical output. tools/check_models.sh uses it
// for models whose constant fills make the network numerically degenerate.
// Exit codes: 0 written, 2 invalid arguments, a missing or unreadable model, or an output path
// that cannot be written.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>

#include "model_builder/fill_reseeding.h"
#include "model_builder/onnx_model_builder.h"

namespace {

constexpr int kExitInvalidInput = 2;

int Usage() {
  std::cerr << "usage: soma-reseed-fills IN.onnx OUT.onnx [--seed N]\n";
  return kExitInvalidInput;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) return Usage();
  const std::string in_path = argv[1];
  const std::string out_path = argv[2];
  uint32_t seed = 1;
  if (argc == 5) {
    const std::string flag = argv[3];
    char* end = nullptr;
    const unsigned long value = std::strtoul(argv[4], &end, 10);
    if (flag != "--seed" || end == argv[4] || *end != '\0' || value > 0xffffffffUL) {
      std::cerr << "soma-reseed-fills: error: --seed takes a non-negative 32-bit integer, found '"
                << argv[4] << "'\n";
      return Usage();
    }
    seed = static_cast<uint32_t>(value);
  }

  std::error_code exists_error;
  if (!std::filesystem::is_regular_file(in_path, exists_error)) {
    std::cerr << "soma-reseed-fills: error: " << in_path
              << " does not exist or is not a file; check the path\n";
    return kExitInvalidInput;
  }
  std::ifstream in(in_path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) {
    std::cerr << "soma-reseed-fills: error: failed to parse " << in_path
              << " as an ONNX ModelProto: the file is truncated or not an ONNX model\n";
    return kExitInvalidInput;
  }
  const absl::StatusOr<int> replaced = soma::model_builder::ReseedConstantFills(model, seed);
  if (!replaced.ok()) {
    std::cerr << "soma-reseed-fills: error: " << in_path << ": " << replaced.status().message()
              << "\n";
    return kExitInvalidInput;
  }

  // Written under a temporary name and renamed, so a failure leaves no partial file.
  const std::string temporary = out_path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << soma::model_builder::SerializeModel(model);
    if (!out.flush()) {
      std::cerr << "soma-reseed-fills: error: cannot write " << out_path << ": "
                << std::strerror(errno) << "; check that its folder exists and is writable\n";
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return kExitInvalidInput;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, out_path, error);
  if (error) {
    std::cerr << "soma-reseed-fills: error: cannot write " << out_path << ": " << error.message()
              << "\n";
    return kExitInvalidInput;
  }
  std::cout << "replaced " << *replaced << " constant fills; wrote " << out_path << "\n";
  return 0;
}
