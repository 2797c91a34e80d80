// arch_config_keys.cc: the table of hardware YAML keys.
#include "arch/arch_config_keys.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace soma::arch {

namespace {

const std::array<ArchConfigKey, 19> kKeys = {{
    {"", "name", "the configuration name, a non-empty string", &ArchConfig::name},
    {"", "clock_hz", "the clock frequency in hertz", &ArchConfig::clock_hz},
    {"mac_array", "pe_rows", "the number of PE rows of the MAC array", &ArchConfig::pe_rows},
    {"mac_array", "pe_cols", "the number of PE columns of the MAC array", &ArchConfig::pe_cols},
    {"mac_array", "vector_width", "the input channels one PE multiplies per cycle",
     &ArchConfig::vector_width},
    {"mac_array", "lanes", "the output channels one PE accumulates per cycle",
     &ArchConfig::lanes},
    {"vector_unit", "ops_per_cycle", "the element operations the vector unit completes per cycle",
     &ArchConfig::vector_ops_per_cycle},
    {"buffer", "bytes", "the global buffer capacity in bytes", &ArchConfig::buffer_bytes},
    {"buffer", "alignment_bytes", "the buffer address alignment in bytes",
     &ArchConfig::buffer_alignment_bytes},
    {"buffer", "bandwidth_bytes_per_cycle", "the global buffer bandwidth in bytes per cycle",
     &ArchConfig::buffer_bandwidth_bytes_per_cycle},
    {"dram", "bandwidth_bytes_per_second", "the DRAM bandwidth of one DMA queue in bytes per second",
     &ArchConfig::dram_bandwidth_bytes_per_second},
    {"dram", "dma_queues", "the number of concurrent DMA queues",
     &ArchConfig::dma_queues},
    {"elements", "activation_bytes", "the bytes of one activation element",
     &ArchConfig::activation_bytes},
    {"elements", "weight_bytes", "the bytes of one weight element", &ArchConfig::weight_bytes},
    {"energy", "mac_pj", "the energy of one MAC in picojoules", &ArchConfig::mac_energy_pj},
    {"energy", "vector_op_pj", "the energy of one vector-unit operation in picojoules",
     &ArchConfig::vector_op_energy_pj},
    {"energy", "buffer_read_pj_per_byte", "the energy of reading one buffer byte in picojoules",
     &ArchConfig::buffer_read_energy_pj_per_byte},
    {"energy", "buffer_write_pj_per_byte", "the energy of writing one buffer byte in picojoules",
     &ArchConfig::buffer_write_energy_pj_per_byte},
    {"energy", "dram_pj_per_byte",
     "the energy of moving one byte between DRAM and the buffer in picojoules",
     &ArchConfig::dram_energy_pj_per_byte},
}};

const std::array<absl::string_view, 6> kSections = {"mac_array", "vector_unit", "buffer",
                                                   "dram",      "elements",    "energy"};

}  // namespace

std::string ArchConfigKey::Path() const {
  return section.empty() ? std::string(key) : absl::StrCat(section, ".", key);
}

absl::Span<const ArchConfigKey> ArchConfigKeys() { return kKeys; }

absl::Span<const absl::string_view> ArchConfigSections() { return kSections; }

std::string KeysOfSection(absl::string_view section) {
  std::vector<absl::string_view> names;
  for (const ArchConfigKey& key : kKeys) {
    if (key.section == section) names.push_back(key.key);
  }
  if (section.empty()) names.insert(names.end(), kSections.begin(), kSections.end());
  return absl::StrJoin(names, ", ");
}

}  // namespace soma::arch
