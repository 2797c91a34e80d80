/* fake_plugin_v999.c: a plugin that reports another ABI version, for the mismatch test. */
#include <stdint.h>

uint32_t soma_plugin_api_version(void) { return 999u; }
int soma_compile(const void* request, void** result) { return 5; }
void soma_free_result(void* result) {}
