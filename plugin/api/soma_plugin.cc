// soma_plugin.cc: the C ABI of libsoma_plugin.so over the compile driver.
//
// Nothing C++ crosses this boundary: the result owns plain C buffers, and any exception that
// escapes a library is caught here and reported as an internal error.
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "driver/compile_driver.h"
#include "driver/compile_options.h"
#include "driver/exit_codes.h"
#include "soma/plugin_api.h"

namespace {

// The C result and the storage its pointers refer to, freed together. Deriving from the C
// struct makes the cast back in soma_free_result a well-defined downcast.
struct ResultStorage : soma_compile_result {
  std::string diagnostics_text;
  std::string summary_storage;
  std::vector<soma::driver::OutputFile> file_storage;
  std::vector<soma_output_file> c_file_storage;
};

soma_compile_result* MakeResult(soma::driver::CompileOutcome outcome) {
  auto storage = std::make_unique<ResultStorage>();
  storage->diagnostics_text = outcome.status.ok() ? "" : std::string(outcome.status.message());
  storage->summary_storage = std::move(outcome.summary_text);
  storage->file_storage = std::move(outcome.files);
  for (const auto& file : storage->file_storage) {
    storage->c_file_storage.push_back({file.name.c_str(), file.data.data(), file.data.size()});
  }
  storage->status = soma::driver::ExitCodeFor(outcome.status);
  storage->diagnostics = storage->diagnostics_text.c_str();
  storage->summary_text = storage->summary_storage.c_str();
  storage->files = storage->c_file_storage.data();
  storage->file_count = storage->c_file_storage.size();
  return storage.release();
}

soma_compile_result* ErrorResult(int status, const std::string& message) {
  soma::driver::CompileOutcome outcome;
  outcome.status = status == SOMA_INVALID_INPUT ? absl::InvalidArgumentError(message)
                                                : absl::InternalError(message);
  return MakeResult(std::move(outcome));
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) uint32_t soma_plugin_api_version(void) {
  return SOMA_PLUGIN_API_VERSION;
}

__attribute__((visibility("default"))) const char* soma_plugin_version(void) {
  return "soma-plugin 0.1.0";
}

__attribute__((visibility("default"))) const char* soma_option_help(void) {
  return soma::driver::CompileOptionsHelp();
}

__attribute__((visibility("default"))) int soma_compile(const soma_compile_request* request,
                                                        soma_compile_result** result) {
  if (result == nullptr) return SOMA_INVALID_INPUT;
  try {
    if (request == nullptr || request->struct_size < sizeof(soma_compile_request)) {
      *result = ErrorResult(SOMA_INVALID_INPUT,
                            "soma_compile: request is NULL or older than this plugin's ABI "
                            "(struct_size too small); rebuild the host against plugin_api.h");
      return (*result)->status;
    }
    if (request->hardware_path == nullptr || request->model_path == nullptr) {
      *result = ErrorResult(SOMA_INVALID_INPUT,
                            "soma_compile: model_path and hardware_path are required");
      return (*result)->status;
    }
    soma::driver::CompileRequest compile_request;
    compile_request.model_path = request->model_path;
    if (request->model_bytes != nullptr) {
      compile_request.model_bytes =
          std::string(static_cast<const char*>(request->model_bytes), request->model_size);
    }
    compile_request.hardware_path = request->hardware_path;
    for (size_t index = 0; index < request->option_count; ++index) {
      compile_request.options.emplace_back(request->options[index]);
    }
    if (request->log != nullptr) {
      soma_log_fn log = request->log;
      void* user_data = request->log_user_data;
      compile_request.log = [log, user_data](int level, const std::string& message) {
        log(user_data, level, message.c_str());
      };
    }
    *result = MakeResult(soma::driver::Compile(compile_request));
  } catch (const std::exception& error) {
    *result = ErrorResult(SOMA_INTERNAL_ERROR, std::string("internal error: ") + error.what());
  } catch (...) {
    *result = ErrorResult(SOMA_INTERNAL_ERROR, "internal error: unknown exception");
  }
  return (*result)->status;
}

__attribute__((visibility("default"))) void soma_free_result(soma_compile_result* result) {
  delete static_cast<ResultStorage*>(result);
}

}  // extern "C"
