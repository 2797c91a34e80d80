// arch_config.h: the hardware description read from hw.yaml, with explicit units.
//
// Every key is required and unknown keys are errors: a hardware file never relies on a
// silent default. The file format is documented in models/hw/README.md.
#ifndef SOMA_ARCH_ARCH_CONFIG_H_
#define SOMA_ARCH_ARCH_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace soma::arch {

/// One NPU: clock, MAC array, vector unit, global buffer, DRAM and energy constants.
/// Each field is one key of the YAML file (the key path is given in brackets).
struct ArchConfig {
  /// Configuration name, written into command-stream headers and reports [name].
  std::string name;
  /// Clock frequency in hertz. One cycle lasts 1/clock_hz seconds [clock_hz].
  int64_t clock_hz = 0;

  // MAC array: pe_rows x pe_cols processing elements, each a vector_width (input
  // channels) x lanes (output channels) MAC grid [mac_array.*].
  int64_t pe_rows = 0;
  int64_t pe_cols = 0;
  int64_t vector_width = 0;
  int64_t lanes = 0;

  /// Element operations per cycle of the vector unit (pooling, eltwise, softmax, ...)
  /// [vector_unit.ops_per_cycle].
  int64_t vector_ops_per_cycle = 0;

  /// Global buffer capacity [buffer.bytes].
  int64_t buffer_bytes = 0;
  /// Every buffer region starts at a multiple of this [buffer.alignment_bytes].
  int64_t buffer_alignment_bytes = 0;
  /// Bytes the array and the vector unit read or write per cycle [buffer.bandwidth_bytes_per_cycle].
  int64_t buffer_bandwidth_bytes_per_cycle = 0;

  /// Bandwidth of each DMA queue. The queues run concurrently [dram.bandwidth_bytes_per_second].
  int64_t dram_bandwidth_bytes_per_second = 0;
  /// Number of DMA queues between DRAM and the buffer [dram.dma_queues].
  int64_t dma_queues = 0;

  /// Storage size of one activation element and of one weight element [elements.*].
  int64_t activation_bytes = 0;
  int64_t weight_bytes = 0;

  /// Energy per MAC, per vector operation, per buffer byte read and written, and per byte
  /// moved between DRAM and the buffer, in picojoules [energy.*].
  double mac_energy_pj = 0;
  double vector_op_energy_pj = 0;
  double buffer_read_energy_pj_per_byte = 0;
  double buffer_write_energy_pj_per_byte = 0;
  double dram_energy_pj_per_byte = 0;

  int64_t MacCount() const { return pe_rows * pe_cols * vector_width * lanes; }
  /// DRAM bandwidth of one DMA queue in bytes per cycle (may be fractional). Cycle counts
  /// use CostModel::DmaCycles, which is exact, not this value.
  double DramBytesPerCycle() const {
    return static_cast<double>(dram_bandwidth_bytes_per_second) / static_cast<double>(clock_hz);
  }
  /// Tera-operations per second, counting a MAC as two operations (16.384 for soma-edge).
  double Tops() const { return 2.0 * MacCount() * clock_hz / 1e12; }

  /// Checks that every integer field is positive, every energy finite and non-negative, the
  /// name non-empty and the MAC count representable. Returns InvalidArgument naming the
  /// first offending key by its YAML path (`buffer.bytes`). Configs decoded from a command
  /// stream or built in code should pass this before a CostModel uses them.
  absl::Status Verify() const;

  /// A stable 64-bit FNV-1a hash of every field (the name's bytes, integers as 8
  /// little-endian bytes, doubles by their bit pattern), written into command-stream headers.
  /// The value is the same on every platform and run.
  uint64_t Hash() const;
  /// The resolved configuration as YAML text in the file format; ParseArchConfig reads it
  /// back to an equal config.
  std::string ToYaml() const;

  friend bool operator==(const ArchConfig& a, const ArchConfig& b) = default;
};

/// Parses a hardware YAML file. Errors (InvalidArgument) name the file, the key and, for
/// YAML syntax errors, the line and column. A file that does not exist or cannot be read is
/// an InvalidArgument naming the path.
absl::StatusOr<ArchConfig> LoadArchConfig(const std::string& path);
/// Parses hardware YAML text; `source_name` names the text in messages.
absl::StatusOr<ArchConfig> ParseArchConfig(const std::string& yaml_text,
                                           const std::string& source_name);

}  // namespace soma::arch

#endif  // SOMA_ARCH_ARCH_CONFIG_H_
