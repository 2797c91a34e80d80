// arch_config_keys.h: the keys of the hardware YAML file, with their types, meanings and
// the ArchConfig field each one sets.
//
// Parsing, verification, hashing and ToYaml all walk this one table, so a new key needs
// only a field and a row here.
#ifndef SOMA_ARCH_ARCH_CONFIG_KEYS_H_
#define SOMA_ARCH_ARCH_CONFIG_KEYS_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <variant>

#include "absl/types/span.h"
#include "arch/arch_config.h"

namespace soma::arch {

/// The ArchConfig field a key sets; the alternative also fixes the key's value type: a
/// non-empty string, a positive integer, or a finite non-negative number.
using ArchConfigField =
    std::variant<std::string ArchConfig::*, int64_t ArchConfig::*, double ArchConfig::*>;

/// One leaf key of the file.
struct ArchConfigKey {
  /// Enclosing map ("buffer"), or empty for a top-level key.
  absl::string_view section;
  /// Key inside the section ("bytes").
  absl::string_view key;
  /// Description of the value with its unit, phrased to follow "set it to".
  absl::string_view meaning;
  ArchConfigField field;

  /// The full key path, such as "buffer.bytes".
  std::string Path() const;
};

/// Every key in file order: top-level keys first, then each section's keys together.
absl::Span<const ArchConfigKey> ArchConfigKeys();

/// Top-level maps in file order: mac_array, vector_unit, buffer, dram, elements, energy.
absl::Span<const absl::string_view> ArchConfigSections();

/// The keys of `section` joined with ", " ("bytes, alignment_bytes, ..."), for messages.
std::string KeysOfSection(absl::string_view section);

}  // namespace soma::arch

#endif  // SOMA_ARCH_ARCH_CONFIG_KEYS_H_
