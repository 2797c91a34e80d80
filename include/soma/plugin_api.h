/* plugin_api.h: the versioned C ABI of libsoma_plugin.so.
 *
 * No C++ type or exception crosses this boundary. A host (npuc, or a vendor toolchain)
 * loads the library with dlopen, checks soma_plugin_api_version() against
 * SOMA_PLUGIN_API_VERSION, fills a soma_compile_request and calls soma_compile. The result
 * owns every buffer it points to until soma_free_result.
 */
#ifndef SOMA_PLUGIN_API_H_
#define SOMA_PLUGIN_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOMA_PLUGIN_API_VERSION 1u

/* Exit-code values shared by every command of the project. */
enum soma_status_code {
  SOMA_OK = 0,
  SOMA_INVALID_INPUT = 2,   /* invalid input or unsupported model (a named node) */
  SOMA_INFEASIBLE = 3,      /* no feasible schedule; the report says which constraint */
  SOMA_REPLAY_MISMATCH = 4, /* replay found a mismatch */
  SOMA_INTERNAL_ERROR = 5,
};

enum soma_log_level { SOMA_LOG_ERROR = 0, SOMA_LOG_WARNING = 1, SOMA_LOG_INFO = 2, SOMA_LOG_DEBUG = 3 };

/* Receives every message the plugin logs (progress lines included). */
typedef void (*soma_log_fn)(void* user_data, int level, const char* message);

typedef struct soma_compile_request {
  /* sizeof(soma_compile_request) as the host compiled it. */
  uint32_t struct_size;
  /* The ONNX model: a path, or bytes (when model_bytes is not NULL, model_path only names
   * the model in messages and locates external data). */
  const char* model_path;
  const void* model_bytes;
  size_t model_size;
  /* Path of the hardware YAML file. */
  const char* hardware_path;
  /* "--soma-NAME=VALUE" options as the user typed them; "--soma" itself is implied. */
  const char* const* options;
  size_t option_count;
  soma_log_fn log;
  void* log_user_data;
} soma_compile_request;

/* One output file: its name relative to the output folder and its contents. */
typedef struct soma_output_file {
  const char* name;
  const char* data;
  size_t size;
} soma_output_file;

typedef struct soma_compile_result {
  /* A soma_status_code. */
  int status;
  /* Human-readable error on failure (empty on success). */
  const char* diagnostics;
  /* Files to write into the output folder: stream.npub, stream.txt, summary.json, ...
   * On status SOMA_INFEASIBLE only the reports are present. */
  const soma_output_file* files;
  size_t file_count;
  /* The console summary. */
  const char* summary_text;
} soma_compile_result;

/* Returns SOMA_PLUGIN_API_VERSION of the library. */
uint32_t soma_plugin_api_version(void);
/* Returns the plugin's version string. */
const char* soma_plugin_version(void);
/* Compiles a model. Always sets *result (never NULL afterwards) and returns its status. */
int soma_compile(const soma_compile_request* request, soma_compile_result** result);
void soma_free_result(soma_compile_result* result);
/* Returns the option help text (every --soma-* option with its meaning and unit). */
const char* soma_option_help(void);

#ifdef __cplusplus
}
#endif

#endif /* SOMA_PLUGIN_API_H_ */
