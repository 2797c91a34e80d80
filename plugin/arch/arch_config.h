// arch_config.h: the hardware description read from hw.yaml, with explicit units.
//
// Every key is required and unknown keys are errors: a hardware file never relies on a
// silent default. The file format is documented in models/hw/README.md.
#ifndef SOMA_ARCH_ARCH_CONFIG_H_
#define SOMA_ARCH_ARCH_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace soma::arch {

struct ArchConfig {
  std::string name;
  int64_t clock_hz = 0;

  // MAC array: pe_rows x pe_cols processing elements, each a vector_width (input
  // channels) x lanes (output channels) MAC grid.
  int64_t pe_rows = 0;
  int64_t pe_cols = 0;
  int64_t vector_width = 0;
  int64_t lanes = 0;

  /// Element operations per cycle of the vector unit (pooling, eltwise, softmax, ...).
  int64_t vector_ops_per_cycle = 0;

  int64_t buffer_bytes = 0;
  int64_t buffer_alignment_bytes = 0;
  int64_t buffer_bandwidth_bytes_per_cycle = 0;

  int64_t dram_bandwidth_bytes_per_second = 0;
  int64_t dma_queues = 0;

  /// Storage size of one activation element and of one weight element.
  int64_t activation_bytes = 0;
  int64_t weight_bytes = 0;

  double mac_energy_pj = 0;
  double vector_op_energy_pj = 0;
  double buffer_read_energy_pj_per_byte = 0;
  double buffer_write_energy_pj_per_byte = 0;
  double dram_energy_pj_per_byte = 0;

  int64_t MacCount() const { return pe_rows * pe_cols * vector_width * lanes; }
  /// DRAM bandwidth in bytes per cycle (may be fractional).
  double DramBytesPerCycle() const {
    return static_cast<double>(dram_bandwidth_bytes_per_second) / static_cast<double>(clock_hz);
  }
  /// Tera-operations per second, counting a MAC as two operations.
  double Tops() const { return 2.0 * MacCount() * clock_hz / 1e12; }

  /// A stable 64-bit hash of every field, written into command-stream headers.
  uint64_t Hash() const;
  /// The resolved configuration as YAML text, in the file format.
  std::string ToYaml() const;
};

/// Parses a hardware YAML file. Errors (InvalidArgument) name the file, the key and, for
/// YAML syntax errors, the line and column.
absl::StatusOr<ArchConfig> LoadArchConfig(const std::string& path);
/// Parses hardware YAML text; `source_name` names the text in messages.
absl::StatusOr<ArchConfig> ParseArchConfig(const std::string& yaml_text,
                                           const std::string& source_name);

}  // namespace soma::arch

#endif  // SOMA_ARCH_ARCH_CONFIG_H_
