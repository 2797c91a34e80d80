// npuc_main.cc: npuc, the stand-in for a vendor toolchain driver.
//
// `npuc compile MODEL.onnx --target HW.yaml -o OUTDIR` compiles with the toolchain's default
// layer-by-layer schedule. With `--soma` it loads libsoma_plugin.so with dlopen (from
// --plugin, $SOMA_PLUGIN_PATH, or ../lib next to this binary), checks its ABI version and
// forwards every --soma-* option to it.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "driver/compile_driver.h"
#include "driver/compile_options.h"
#include "driver/exit_codes.h"
#include "soma/plugin_api.h"

namespace {

constexpr char kUsage[] =
    "usage: npuc compile MODEL.onnx --target HW.yaml -o OUTDIR [--soma] [--soma-OPTION=VALUE ...]\n"
    "                    [--plugin PATH]\n"
    "       npuc --help | --version | --soma-supported-ops\n"
    "\n"
    "Compiles an ONNX model into an NPU command stream. Without --soma, the toolchain's default\n"
    "layer-by-layer schedule is used. With --soma, libsoma_plugin.so schedules the model (layer\n"
    "fusion, tiling and DRAM transfer timing); it is found at --plugin PATH, else\n"
    "$SOMA_PLUGIN_PATH, else ../lib/libsoma_plugin.so next to npuc.\n"
    "\n"
    "Outputs in OUTDIR: stream.npub (command stream), stream.txt (disassembly), summary.json,\n"
    "per_layer.csv, per_group.csv, dma.csv, buffer.csv, trace.json (Chrome trace format, opens\n"
    "in Perfetto), schedule.json (the schedule notation) and placement.csv.\n"
    "Exit codes: 0 success, 2 invalid input or unsupported model, 3 no feasible schedule,\n"
    "5 internal error.\n"
    "\n"
    "--soma options:\n";

// Every file a compile may write; a later run removes those it does not write again.
constexpr const char* kOutputFileNames[] = {
    "stream.npub", "stream.txt", "summary.json", "per_layer.csv", "per_group.csv", "dma.csv",
    "buffer.csv",  "trace.json", "placement.csv", "schedule.json"};

struct Arguments {
  std::string model_path;
  std::string hardware_path;
  std::string output_dir;
  bool use_soma = false;
  std::optional<std::string> plugin_path;
  std::vector<std::string> soma_options;
};

int UsageError(const std::string& message) {
  std::cerr << "npuc: error: " << message << "\n" << "run 'npuc --help' for usage\n";
  return SOMA_INVALID_INPUT;
}

// Returns the exit code to stop with, or nullopt to continue.
std::optional<int> ParseArguments(int argc, char** argv, Arguments& args) {
  if (argc < 2) return UsageError("missing command");
  const std::string command = argv[1];
  if (command == "--help" || command == "-h") {
    std::cout << kUsage << soma::driver::CompileOptionsHelp();
    return SOMA_OK;
  }
  if (command == "--soma-supported-ops") {
    std::cout << soma::driver::SupportedOperatorsText();
    return SOMA_OK;
  }
  if (command == "--version") {
    std::cout << "npuc 0.1.0 (plugin ABI " << SOMA_PLUGIN_API_VERSION << ")\n";
    return SOMA_OK;
  }
  if (command != "compile") return UsageError("unknown command '" + command + "'");
  std::string plugin_path_storage;
  for (int index = 2; index < argc; ++index) {
    const std::string arg = argv[index];
    auto next_value = [&]() -> std::optional<std::string> {
      if (index + 1 >= argc) return std::nullopt;
      return std::string(argv[++index]);
    };
    if (arg == "--target" || arg == "-o" || arg == "--plugin") {
      auto value = next_value();
      if (!value) return UsageError("flag " + arg + " needs a value");
      std::string& target = arg == "--target" ? args.hardware_path
                            : arg == "-o"       ? args.output_dir
                                                : plugin_path_storage;
      if (!target.empty()) return UsageError("flag " + arg + " is given twice");
      target = *value;
      if (arg == "--plugin") args.plugin_path = *value;
    } else if (arg == "--soma") {
      args.use_soma = true;
    } else if (arg.rfind("--soma-", 0) == 0) {
      args.soma_options.push_back(arg);
    } else if (!arg.empty() && arg[0] == '-') {
      return UsageError("unknown flag '" + arg + "'");
    } else if (args.model_path.empty()) {
      args.model_path = arg;
    } else {
      return UsageError("unexpected argument '" + arg + "' (the model is '" + args.model_path + "')");
    }
  }
  if (args.model_path.empty()) return UsageError("missing MODEL.onnx");
  if (args.hardware_path.empty()) return UsageError("missing --target HW.yaml");
  if (args.output_dir.empty()) return UsageError("missing -o OUTDIR");
  if (!args.use_soma && !args.soma_options.empty()) {
    return UsageError("option " + args.soma_options.front() + " needs --soma");
  }
  return std::nullopt;
}

std::string DefaultPluginPath() {
  if (const char* from_env = std::getenv("SOMA_PLUGIN_PATH")) return from_env;
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "libsoma_plugin.so";
  return (self.parent_path().parent_path() / "lib" / "libsoma_plugin.so").string();
}

// Writes every file to a temporary name first and renames them all at the end, so a failed
// run leaves no half-written output.
int WriteOutputs(const std::string& output_dir, const std::vector<soma::driver::OutputFile>& files) {
  std::error_code error;
  std::filesystem::create_directories(output_dir, error);
  if (error) {
    std::cerr << "npuc: error: cannot create output folder '" << output_dir
              << "': " << error.message() << "\n";
    return SOMA_INVALID_INPUT;
  }
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> renames;
  const std::string suffix = ".tmp." + std::to_string(getpid());
  for (const auto& file : files) {
    const std::filesystem::path final_path = std::filesystem::path(output_dir) / file.name;
    const std::filesystem::path temp_path = final_path.string() + suffix;
    std::ofstream out(temp_path, std::ios::binary);
    out.write(file.data.data(), static_cast<std::streamsize>(file.data.size()));
    out.close();
    if (!out) {
      std::cerr << "npuc: error: cannot write '" << final_path.string()
                << "': " << std::strerror(errno) << "\n";
      for (const auto& [temp, unused] : renames) std::filesystem::remove(temp, error);
      std::filesystem::remove(temp_path, error);
      return SOMA_INTERNAL_ERROR;
    }
    renames.emplace_back(temp_path, final_path);
  }
  // Outputs of an earlier run that this run does not write would be mistaken for its own
  // (a stale stream.npub next to an infeasible report), so remove them.
  for (const char* name : kOutputFileNames) {
    const bool written = std::any_of(files.begin(), files.end(),
                                     [&](const soma::driver::OutputFile& file) { return file.name == name; });
    if (!written) std::filesystem::remove(std::filesystem::path(output_dir) / name, error);
  }
  for (const auto& [temp, final_path] : renames) std::filesystem::rename(temp, final_path, error);
  return SOMA_OK;
}

// True when `output_dir` contains a file an earlier compile may have written.
bool HasEarlierOutputs(const std::string& output_dir) {
  std::error_code error;
  return std::any_of(std::begin(kOutputFileNames), std::end(kOutputFileNames), [&](const char* name) {
    return std::filesystem::exists(std::filesystem::path(output_dir) / name, error);
  });
}

// Prints a log line; `user_data` is the source's name ("soma" for the plugin, "npuc" for
// the built-in default path).
void LogToStderr(void* user_data, int level, const char* message) {
  static const char* const kLevelNames[] = {"error", "warning", "info", "debug"};
  const char* name = level >= 0 && level <= 3 ? kLevelNames[level] : "info";
  const char* source = user_data != nullptr ? static_cast<const char*>(user_data) : "soma";
  std::cerr << "[" << source << " " << name << "] " << message << "\n";
}

soma::driver::CompileOutcome CompileWithPlugin(const Arguments& args, int& exit_code) {
  soma::driver::CompileOutcome outcome;
  const std::string plugin_path = args.plugin_path.value_or(DefaultPluginPath());
  void* library = dlopen(plugin_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    outcome.status = absl::InvalidArgumentError(
        "cannot load the SoMa plugin '" + plugin_path + "': " + dlerror() +
        "; pass --plugin PATH or set SOMA_PLUGIN_PATH");
    exit_code = SOMA_INVALID_INPUT;
    return outcome;
  }
  using VersionFn = uint32_t (*)();
  using CompileFn = int (*)(const soma_compile_request*, soma_compile_result**);
  using FreeFn = void (*)(soma_compile_result*);
  auto version = reinterpret_cast<VersionFn>(dlsym(library, "soma_plugin_api_version"));
  auto compile = reinterpret_cast<CompileFn>(dlsym(library, "soma_compile"));
  auto free_result = reinterpret_cast<FreeFn>(dlsym(library, "soma_free_result"));
  if (version == nullptr || compile == nullptr || free_result == nullptr) {
    outcome.status = absl::InvalidArgumentError("'" + plugin_path +
                                                "' is not a SoMa plugin: soma_* entry points missing");
    exit_code = SOMA_INVALID_INPUT;
    return outcome;
  }
  if (version() != SOMA_PLUGIN_API_VERSION) {
    outcome.status = absl::InvalidArgumentError(
        "SoMa plugin '" + plugin_path + "' has ABI version " + std::to_string(version()) +
        ", npuc needs version " + std::to_string(SOMA_PLUGIN_API_VERSION) +
        "; use a plugin built with the same plugin_api.h");
    exit_code = SOMA_INVALID_INPUT;
    return outcome;
  }
  std::vector<const char*> options;
  for (const std::string& option : args.soma_options) options.push_back(option.c_str());
  soma_compile_request request{};
  request.struct_size = sizeof(request);
  request.model_path = args.model_path.c_str();
  request.hardware_path = args.hardware_path.c_str();
  request.options = options.data();
  request.option_count = options.size();
  request.log = &LogToStderr;
  soma_compile_result* result = nullptr;
  exit_code = compile(&request, &result);
  outcome.status = exit_code == SOMA_OK ? absl::OkStatus() : absl::UnknownError(result->diagnostics);
  outcome.summary_text = result->summary_text;
  for (size_t index = 0; index < result->file_count; ++index) {
    const soma_output_file& file = result->files[index];
    outcome.files.push_back({file.name, std::string(file.data, file.size)});
  }
  free_result(result);
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (auto exit_code = ParseArguments(argc, argv, args)) return *exit_code;

  soma::driver::CompileOutcome outcome;
  int exit_code = SOMA_OK;
  if (args.use_soma) {
    outcome = CompileWithPlugin(args, exit_code);
  } else {
    soma::driver::CompileRequest request;
    request.model_path = args.model_path;
    request.hardware_path = args.hardware_path;
    request.options = {"--soma-strategy=lbl"};
    request.log = [](int level, const std::string& message) {
      LogToStderr(const_cast<char*>("npuc"), level, message.c_str());
    };
    outcome = soma::driver::Compile(request);
    exit_code = soma::driver::ExitCodeFor(outcome.status);
  }

  if (!outcome.files.empty()) {
    const int write_code = WriteOutputs(args.output_dir, outcome.files);
    if (write_code != SOMA_OK) return write_code;
  }
  if (exit_code != SOMA_OK) {
    std::cerr << "npuc: error: " << outcome.status.message() << "\n";
    if (exit_code == SOMA_INFEASIBLE) {
      std::cerr << "npuc: the report is in " << args.output_dir << "/summary.json\n";
    } else if (outcome.files.empty() && HasEarlierOutputs(args.output_dir)) {
      std::cerr << "npuc: nothing was written; the outputs in " << args.output_dir
                << "/ are from an earlier run\n";
    }
    return exit_code;
  }
  std::cout << outcome.summary_text << "outputs          " << args.output_dir << "/\n";
  return SOMA_OK;
}
