// arch_config_parser.cc: reads hardware YAML text and files into an ArchConfig.
//
// The walk is strict. Every key of the table in arch_config_keys.h must appear exactly
// once and no other key may appear. Integers are plain decimal numbers without leading
// zeros, and energies are finite non-negative numbers. Each error names the source, the
// line and column where the YAML has them, and the full key path.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arch/arch_config.h"
#include "arch/arch_config_keys.h"
#include "soma/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace soma::arch {

namespace {

/// A hardware file is a few hundred bytes; a larger one is the wrong file.
constexpr int64_t kMaxHardwareFileBytes = 1 << 20;

// Tags yaml-cpp gives a scalar written without quotes or tag, and the explicit core tags.
constexpr absl::string_view kPlainScalarTag = "?";
constexpr absl::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr absl::string_view kFloatTag = "tag:yaml.org,2002:float";

// A key found in the document: its value and where the key was written.
struct FoundKey {
  YAML::Node value;
  YAML::Mark key_mark;
};

// Found keys by full path ("buffer.bytes"); std::map keeps lookups deterministic.
using FoundKeys = std::map<std::string, FoundKey>;

std::string Location(const std::string& source_name, const YAML::Mark& mark) {
  if (mark.is_null()) return source_name;
  return absl::StrCat(source_name, ":", mark.line + 1, ":", mark.column + 1);
}

absl::Status ErrorAt(const std::string& source_name, const YAML::Mark& mark,
                     absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(Location(source_name, mark), ": ", message));
}

bool IsQuotedOrTagged(const YAML::Node& scalar, absl::string_view accepted_tag) {
  return scalar.Tag() != kPlainScalarTag && scalar.Tag() != accepted_tag;
}

// Describes a node of the wrong type for a message.
std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "an empty value";
    case YAML::NodeType::Scalar:
      if (node.Tag() != kPlainScalarTag) return absl::StrCat("the string \"", node.Scalar(), "\"");
      return absl::StrCat("the scalar '", node.Scalar(), "'");
    case YAML::NodeType::Undefined: break;
  }
  return "an undefined value";
}

bool IsSection(absl::string_view name) {
  for (absl::string_view section : ArchConfigSections()) {
    if (section == name) return true;
  }
  return false;
}

bool IsKnownKey(absl::string_view section, absl::string_view key) {
  if (section.empty() && IsSection(key)) return true;
  for (const ArchConfigKey& known : ArchConfigKeys()) {
    if (known.section == section && known.key == key) return true;
  }
  return false;
}

std::string ExpectedMap(absl::string_view section) {
  return absl::StrCat("a map with the keys ", KeysOfSection(section));
}

// Records every key of `map` (the top level when `section` is empty) in `found`.
absl::Status CollectKeys(const std::string& source_name, const YAML::Node& map,
                         absl::string_view section, FoundKeys& found) {
  const std::string where =
      section.empty() ? std::string("the top level") : absl::StrCat("'", section, "'");
  for (const auto& entry : map) {
    // Nodes are handles; copies keep them alive past yaml-cpp's temporary iterator proxies.
    const YAML::Node key_node = entry.first;
    if (!key_node.IsScalar()) {
      return ErrorAt(source_name, key_node.Mark(),
                     absl::StrCat("a key of ", where, " is ", DescribeNode(key_node),
                                  ", not a name; use one of ", KeysOfSection(section)));
    }
    const std::string& key = key_node.Scalar();
    const std::string path = section.empty() ? key : absl::StrCat(section, ".", key);
    if (!IsKnownKey(section, key)) {
      return ErrorAt(source_name, key_node.Mark(),
                     absl::StrCat("unknown key '", path, "'; remove it or use one of the keys of ",
                                  where, ": ", KeysOfSection(section)));
    }
    const auto previous = found.find(path);
    if (previous != found.end()) {
      return ErrorAt(source_name, key_node.Mark(),
                     absl::StrCat("duplicate key '", path, "' (first at line ",
                                  previous->second.key_mark.line + 1, "); remove one of them"));
    }
    found.emplace(path, FoundKey{entry.second, key_node.Mark()});
  }
  return absl::OkStatus();
}

// Finds the top-level keys and each section's keys, and checks that sections are maps.
absl::Status CollectDocument(const std::string& source_name, const YAML::Node& root,
                             FoundKeys& found) {
  if (!root.IsMap()) {
    return ErrorAt(source_name, root.Mark(),
                   absl::StrCat("the top level has the wrong type: expected ", ExpectedMap(""),
                                ", found ", DescribeNode(root)));
  }
  RETURN_IF_ERROR(CollectKeys(source_name, root, "", found));
  for (absl::string_view section : ArchConfigSections()) {
    const auto entry = found.find(std::string(section));
    if (entry == found.end()) continue;
    const YAML::Node& value = entry->second.value;
    if (!value.IsMap()) {
      const YAML::Mark mark = value.IsNull() ? entry->second.key_mark : value.Mark();
      return ErrorAt(source_name, mark,
                     absl::StrCat("key '", section, "' has the wrong type: expected ",
                                  ExpectedMap(section), ", found ", DescribeNode(value)));
    }
    RETURN_IF_ERROR(CollectKeys(source_name, value, section, found));
  }
  return absl::OkStatus();
}

absl::Status WrongType(const std::string& source_name, const ArchConfigKey& key,
                       const YAML::Node& value, absl::string_view expected) {
  const bool quoted_scalar = value.IsScalar();
  return ErrorAt(source_name, value.Mark(),
                 absl::StrCat("key '", key.Path(), "' has the wrong type: expected ", expected,
                              ", found ", DescribeNode(value), "; ",
                              quoted_scalar ? "write the number without quotes or tags"
                                            : absl::StrCat("set it to ", key.meaning)));
}

absl::StatusOr<int64_t> ReadPositiveInteger(const std::string& source_name,
                                            const ArchConfigKey& key, const YAML::Node& value) {
  if (!value.IsScalar() || IsQuotedOrTagged(value, kIntTag)) {
    return WrongType(source_name, key, value, "a positive integer");
  }
  const std::string& text = value.Scalar();
  int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  // A leading zero is rejected because YAML 1.1 reads "010" as octal 8.
  const bool has_leading_zero = !text.empty() && text.front() == '0';
  if (error != std::errc() || end != text.data() + text.size() || number <= 0 ||
      has_leading_zero) {
    return ErrorAt(source_name, value.Mark(),
                   absl::StrCat("key '", key.Path(), "' is not a positive integer: found '", text,
                                "'; set it to ", key.meaning,
                                ", a whole decimal number from 1 to 9223372036854775807"));
  }
  return number;
}

absl::StatusOr<double> ReadNonNegativeNumber(const std::string& source_name,
                                             const ArchConfigKey& key, const YAML::Node& value) {
  if (!value.IsScalar() || IsQuotedOrTagged(value, kFloatTag)) {
    return WrongType(source_name, key, value, "a non-negative number");
  }
  const std::string& text = value.Scalar();
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number) ||
      number < 0) {
    return ErrorAt(source_name, value.Mark(),
                   absl::StrCat("key '", key.Path(), "' is not a non-negative number: found '",
                                text, "'; set it to ", key.meaning,
                                ", a finite decimal number of at least 0"));
  }
  return number;
}

// Sets the field of `key` in `config` from its value node.
absl::Status ReadKey(const std::string& source_name, const ArchConfigKey& key,
                     const FoundKey& found, ArchConfig& config) {
  const YAML::Node& value = found.value;
  if (value.IsNull()) {
    return ErrorAt(source_name, found.key_mark,
                   absl::StrCat("key '", key.Path(), "' has no value; set it to ", key.meaning));
  }
  if (const auto* text_field = std::get_if<std::string ArchConfig::*>(&key.field)) {
    if (!value.IsScalar()) return WrongType(source_name, key, value, "a non-empty string");
    if (value.Scalar().empty()) {
      return ErrorAt(source_name, value.Mark(),
                     absl::StrCat("key '", key.Path(), "' is empty; set it to ", key.meaning));
    }
    config.*(*text_field) = value.Scalar();
  } else if (const auto* integer_field = std::get_if<int64_t ArchConfig::*>(&key.field)) {
    ASSIGN_OR_RETURN(config.*(*integer_field), ReadPositiveInteger(source_name, key, value));
  } else {
    ASSIGN_OR_RETURN(config.*std::get<double ArchConfig::*>(key.field),
                     ReadNonNegativeNumber(source_name, key, value));
  }
  return absl::OkStatus();
}

absl::StatusOr<ArchConfig> ReadDocument(const std::string& source_name, const YAML::Node& root) {
  FoundKeys found;
  RETURN_IF_ERROR(CollectDocument(source_name, root, found));

  ArchConfig config;
  for (const ArchConfigKey& key : ArchConfigKeys()) {
    if (!key.section.empty() && found.find(std::string(key.section)) == found.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": missing key '", key.section, "' (",
                       ExpectedMap(key.section), "); add it, as every key is required"));
    }
    const auto entry = found.find(key.Path());
    if (entry == found.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": missing key '", key.Path(), "'; add it and set it to ",
                       key.meaning, ", as every key is required"));
    }
    RETURN_IF_ERROR(ReadKey(source_name, key, entry->second, config));
  }

  const absl::Status verified = config.Verify();
  if (!verified.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", verified.message()));
  }
  return config;
}

}  // namespace

absl::StatusOr<ArchConfig> ParseArchConfig(const std::string& yaml_text,
                                           const std::string& source_name) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml_text);
  } catch (const YAML::Exception& error) {
    return ErrorAt(source_name, error.mark,
                   absl::StrCat("invalid YAML: ", error.msg, "; fix the syntax at that position"));
  }
  if (documents.empty() || documents.front().IsNull()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": the document is empty; expected ", ExpectedMap("")));
  }
  if (documents.size() > 1) {
    return ErrorAt(source_name, documents[1].Mark(),
                   absl::StrCat("holds ", documents.size(),
                                " YAML documents, expected one; remove the extra '---' sections"));
  }

  // Reading a loaded node does not throw in yaml-cpp 0.7, but a foreign exception must not
  // leave the plugin, so the walk is guarded too.
  try {
    return ReadDocument(source_name, documents.front());
  } catch (const YAML::Exception& error) {
    return ErrorAt(source_name, error.mark, absl::StrCat("invalid hardware config: ", error.msg));
  }
}

absl::StatusOr<ArchConfig> LoadArchConfig(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hardware config file '", path,
        "' does not exist; pass the path of a hardware YAML file, such as models/hw/soma-edge.yaml"));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hardware config path '", path, "' is not a regular file; pass a hardware YAML file"));
  }
  const std::uintmax_t file_bytes = std::filesystem::file_size(path, error);
  if (!error && file_bytes > static_cast<std::uintmax_t>(kMaxHardwareFileBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("hardware config file '", path, "' is ", file_bytes,
                     " bytes, more than the ", kMaxHardwareFileBytes,
                     "-byte limit for a hardware file; pass a hardware YAML file"));
  }

  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) {
    return absl::InvalidArgumentError(absl::StrCat("hardware config file '", path,
                                                   "' could not be opened: ", std::strerror(errno),
                                                   "; check its permissions"));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("hardware config file '", path,
                                                   "' could not be read: ", std::strerror(errno)));
  }
  return ParseArchConfig(text.str(), path);
}

}  // namespace soma::arch
