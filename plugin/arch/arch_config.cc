// arch_config.cc: ArchConfig checks, its stable hash and its YAML text.
#include "arch/arch_config.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "arch/arch_config_keys.h"

namespace soma::arch {

namespace {

constexpr uint64_t kFnvOffsetBasis = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

class FnvHasher {
 public:
  void AddByte(uint8_t byte) {
    hash_ ^= byte;
    hash_ *= kFnvPrime;
  }
  // Little-endian byte order, so the hash does not depend on the host.
  void AddWord(uint64_t word) {
    for (int shift = 0; shift < 64; shift += 8) AddByte(static_cast<uint8_t>(word >> shift));
  }
  void AddString(const std::string& text) {
    AddWord(text.size());
    for (char c : text) AddByte(static_cast<uint8_t>(c));
  }
  uint64_t hash() const { return hash_; }

 private:
  uint64_t hash_ = kFnvOffsetBasis;
};

std::string ConfigLabel(const ArchConfig& config) {
  return config.name.empty() ? std::string("hardware config")
                             : absl::StrCat("hardware config '", config.name, "'");
}

// Shortest decimal text that reads back to the same double.
std::string FormatDouble(double value) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

bool IsPlainYamlName(const std::string& name) {
  if (name.empty() || name == "null" || name == "Null" || name == "NULL") return false;
  const auto is_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto is_body = [&](char c) {
    return is_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  };
  if (!is_start(name.front())) return false;
  for (char c : name) {
    if (!is_body(c)) return false;
  }
  return true;
}

// The name as a YAML scalar: plain when that reads back unchanged, else double-quoted.
std::string QuoteYamlName(const std::string& name) {
  if (IsPlainYamlName(name)) return name;
  std::string quoted = "\"";
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      constexpr char kHexDigits[] = "0123456789abcdef";
      quoted += "\\x";
      quoted += kHexDigits[byte >> 4];
      quoted += kHexDigits[byte & 0xf];
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

}  // namespace

absl::Status ArchConfig::Verify() const {
  for (const ArchConfigKey& key : ArchConfigKeys()) {
    if (const auto* text_field = std::get_if<std::string ArchConfig::*>(&key.field)) {
      if ((this->**text_field).empty()) {
        return absl::InvalidArgumentError(absl::StrCat(ConfigLabel(*this), ": key '", key.Path(),
                                                       "' is empty; set it to ", key.meaning));
      }
    } else if (const auto* integer_field = std::get_if<int64_t ArchConfig::*>(&key.field)) {
      const int64_t value = this->**integer_field;
      if (value <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(ConfigLabel(*this), ": key '", key.Path(),
                         "' is not a positive integer: found ", value, "; set it to ",
                         key.meaning, ", a whole number of at least 1"));
      }
    } else {
      const double value = this->*std::get<double ArchConfig::*>(key.field);
      if (!std::isfinite(value) || value < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(ConfigLabel(*this), ": key '", key.Path(),
                         "' is not a non-negative number: found ", FormatDouble(value),
                         "; set it to ", key.meaning, ", a finite number of at least 0"));
      }
    }
  }

  // The cost model multiplies by MacCount(), so the product must fit in 64 bits.
  const __int128 mac_count =
      static_cast<__int128>(pe_rows) * pe_cols * vector_width * lanes;
  if (mac_count > std::numeric_limits<int64_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat(
        ConfigLabel(*this), ": mac_array pe_rows x pe_cols x vector_width x lanes (", pe_rows,
        " x ", pe_cols, " x ", vector_width, " x ", lanes,
        ") is too large to count in 64 bits; use the array's real dimensions"));
  }
  // Every residency takes at least one alignment unit, so an alignment above the buffer
  // size leaves room for nothing.
  if (buffer_alignment_bytes > buffer_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        ConfigLabel(*this), ": key 'buffer.alignment_bytes' is ", buffer_alignment_bytes,
        ", larger than 'buffer.bytes' (", buffer_bytes,
        "); set it to the buffer's address alignment, at most the buffer size"));
  }
  return absl::OkStatus();
}

uint64_t ArchConfig::Hash() const {
  FnvHasher hasher;
  for (const ArchConfigKey& key : ArchConfigKeys()) {
    if (const auto* text_field = std::get_if<std::string ArchConfig::*>(&key.field)) {
      hasher.AddString(this->**text_field);
    } else if (const auto* integer_field = std::get_if<int64_t ArchConfig::*>(&key.field)) {
      hasher.AddWord(static_cast<uint64_t>(this->**integer_field));
    } else {
      hasher.AddWord(std::bit_cast<uint64_t>(this->*std::get<double ArchConfig::*>(key.field)));
    }
  }
  return hasher.hash();
}

std::string ArchConfig::ToYaml() const {
  std::string text = "# Hardware configuration; models/hw/README.md documents every key.\n";
  absl::string_view open_section;
  for (const ArchConfigKey& key : ArchConfigKeys()) {
    if (key.section != open_section) {
      absl::StrAppend(&text, key.section, ":\n");
      open_section = key.section;
    }
    std::string value;
    if (const auto* text_field = std::get_if<std::string ArchConfig::*>(&key.field)) {
      value = QuoteYamlName(this->**text_field);
    } else if (const auto* integer_field = std::get_if<int64_t ArchConfig::*>(&key.field)) {
      value = absl::StrCat(this->**integer_field);
    } else {
      value = FormatDouble(this->*std::get<double ArchConfig::*>(key.field));
    }
    absl::StrAppend(&text, key.section.empty() ? "" : "  ", key.key, ": ", value, "  # ",
                    key.meaning, "\n");
  }
  return text;
}

}  // namespace soma::arch
