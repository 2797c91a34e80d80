// arch_config_test.cc: hardware YAML presets, every parse error, hashing and the ToYaml round trip.
#include "arch/arch_config.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "arch/arch_config_keys.h"
#include "gtest/gtest.h"
#include "util/test_paths.h"

namespace soma::arch {
namespace {

// The soma-edge preset without comments; the error tests below count lines in it.
constexpr char kEdgeYaml[] = R"(name: soma-edge
clock_hz: 1000000000
mac_array:
  pe_rows: 4
  pe_cols: 4
  vector_width: 16
  lanes: 32
vector_unit:
  ops_per_cycle: 512
buffer:
  bytes: 8388608
  alignment_bytes: 64
  bandwidth_bytes_per_cycle: 256
dram:
  bandwidth_bytes_per_second: 16000000000
  dma_queues: 1
elements:
  activation_bytes: 1
  weight_bytes: 1
energy:
  mac_pj: 0.018
  vector_op_pj: 0.0873
  buffer_read_pj_per_byte: 1.53
  buffer_write_pj_per_byte: 1.64
  dram_pj_per_byte: 84
)";

// FNV-1a 64 of the soma-edge fields in file order, computed independently of the plugin:
// the name's length and bytes, integers as 8 little-endian bytes, doubles by bit pattern.
constexpr uint64_t kEdgeHash = 0x69f84057eeeaf83aull;

std::string PresetPath(const std::string& name) {
  return ::soma::testing::SourceDir() + "/models/hw/" + name + ".yaml";
}

// The text of kEdgeYaml with `from` (which must occur in it) replaced by `to`.
std::string EditedEdge(const std::string& from, const std::string& to) {
  const std::string text = kEdgeYaml;
  EXPECT_NE(text.find(from), std::string::npos) << "'" << from << "' is not in the edge YAML";
  return absl::StrReplaceAll(text, {{from, to}});
}

// The message of the error ParseArchConfig returns for `text`, or "parsed" if it succeeds.
std::string ParseError(const std::string& text) {
  const absl::StatusOr<ArchConfig> config = ParseArchConfig(text, "edge.yaml");
  if (config.ok()) return "parsed";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST(ArchConfigTest, LoadsEdgePreset) {
  // soma-edge is the SoMa paper's 16-TOPS edge accelerator: 8192 MACs, 16 bytes of DRAM per cycle.
  const absl::StatusOr<ArchConfig> config = LoadArchConfig(PresetPath("soma-edge"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "soma-edge");
  EXPECT_EQ(config->MacCount(), 8192);
  EXPECT_DOUBLE_EQ(config->Tops(), 16.384);
  EXPECT_DOUBLE_EQ(config->DramBytesPerCycle(), 16.0);
  EXPECT_EQ(config->vector_ops_per_cycle, 512);
  EXPECT_EQ(config->buffer_bytes, 8 << 20);
  EXPECT_EQ(config->buffer_alignment_bytes, 64);
  EXPECT_EQ(config->buffer_bandwidth_bytes_per_cycle, 256);
  EXPECT_EQ(config->dma_queues, 1);
  EXPECT_EQ(config->activation_bytes, 1);
  EXPECT_EQ(config->weight_bytes, 1);
  EXPECT_DOUBLE_EQ(config->buffer_read_energy_pj_per_byte, 1.53);
  EXPECT_DOUBLE_EQ(config->buffer_write_energy_pj_per_byte, 1.64);
  EXPECT_DOUBLE_EQ(config->dram_energy_pj_per_byte, 84.0);
}

TEST(ArchConfigTest, LoadsCloudPreset) {
  // soma-cloud is the 128-TOPS cloud accelerator: 65536 MACs, 128 bytes of DRAM per cycle.
  const absl::StatusOr<ArchConfig> config = LoadArchConfig(PresetPath("soma-cloud"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "soma-cloud");
  EXPECT_EQ(config->MacCount(), 65536);
  EXPECT_DOUBLE_EQ(config->Tops(), 131.072);
  EXPECT_DOUBLE_EQ(config->DramBytesPerCycle(), 128.0);
  EXPECT_EQ(config->vector_ops_per_cycle, 4096);
  EXPECT_EQ(config->buffer_bytes, 32 << 20);
  EXPECT_EQ(config->buffer_bandwidth_bytes_per_cycle, 512);
  EXPECT_EQ(config->dma_queues, 1);
  EXPECT_DOUBLE_EQ(config->buffer_read_energy_pj_per_byte, 4.79);
  EXPECT_DOUBLE_EQ(config->buffer_write_energy_pj_per_byte, 5.16);
}

TEST(ArchConfigTest, LoadsTinyPreset) {
  // tiny has 256 MACs, a 256 KiB buffer and two DMA queues of 4 bytes per cycle each.
  const absl::StatusOr<ArchConfig> config = LoadArchConfig(PresetPath("tiny"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "tiny");
  EXPECT_EQ(config->MacCount(), 256);
  EXPECT_DOUBLE_EQ(config->DramBytesPerCycle(), 4.0);
  EXPECT_EQ(config->vector_ops_per_cycle, 64);
  EXPECT_EQ(config->buffer_bytes, 262144);
  EXPECT_EQ(config->buffer_alignment_bytes, 32);
  EXPECT_EQ(config->buffer_bandwidth_bytes_per_cycle, 64);
  EXPECT_EQ(config->dma_queues, 2);
  EXPECT_DOUBLE_EQ(config->buffer_read_energy_pj_per_byte, 1.0);
  EXPECT_DOUBLE_EQ(config->buffer_write_energy_pj_per_byte, 1.1);
  EXPECT_DOUBLE_EQ(config->mac_energy_pj, 0.018);
}

TEST(ArchConfigTest, EdgeTextMatchesEdgePreset) {
  // The test text is the preset without comments, so the error tests exercise a real file.
  const absl::StatusOr<ArchConfig> from_text = ParseArchConfig(kEdgeYaml, "edge.yaml");
  const absl::StatusOr<ArchConfig> from_file = LoadArchConfig(PresetPath("soma-edge"));
  ASSERT_TRUE(from_text.ok()) << from_text.status();
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(*from_text, *from_file);
}

TEST(ArchConfigTest, KeysMayAppearInAnyOrder) {
  // Moving the name to the end changes nothing.
  const std::string text = EditedEdge("name: soma-edge\n", "") + "name: soma-edge\n";
  const absl::StatusOr<ArchConfig> config = ParseArchConfig(text, "edge.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "soma-edge");
}

TEST(ArchConfigTest, RejectsMissingKey) {
  // Every key is required; the message names the key path and what it means.
  EXPECT_EQ(ParseError(EditedEdge("  dma_queues: 1\n", "")),
            "edge.yaml: missing key 'dram.dma_queues'; add it and set it to the number of "
            "concurrent DMA queues, as every key is required");
}

TEST(ArchConfigTest, RejectsMissingSection) {
  // A missing section is reported as itself, with the keys it needs.
  EXPECT_EQ(ParseError(EditedEdge("elements:\n  activation_bytes: 1\n  weight_bytes: 1\n", "")),
            "edge.yaml: missing key 'elements' (a map with the keys activation_bytes, "
            "weight_bytes); add it, as every key is required");
}

TEST(ArchConfigTest, RejectsUnknownKeyInSection) {
  // A misspelt key is an error, never silently ignored.
  EXPECT_EQ(ParseError(EditedEdge("buffer:\n", "buffer:\n  size: 4\n")),
            "edge.yaml:11:3: unknown key 'buffer.size'; remove it or use one of the keys of "
            "'buffer': bytes, alignment_bytes, bandwidth_bytes_per_cycle");
}

TEST(ArchConfigTest, RejectsUnknownTopLevelKey) {
  // Unknown top-level keys list the valid top-level keys.
  EXPECT_EQ(ParseError(EditedEdge("clock_hz:", "clock_mhz: 1000\nclock_hz:")),
            "edge.yaml:2:1: unknown key 'clock_mhz'; remove it or use one of the keys of the top "
            "level: name, clock_hz, mac_array, vector_unit, buffer, dram, elements, energy");
}

TEST(ArchConfigTest, RejectsDuplicateKey) {
  // A key written twice would leave it unclear which value counts.
  EXPECT_EQ(ParseError(EditedEdge("  lanes: 32\n", "  lanes: 32\n  lanes: 64\n")),
            "edge.yaml:8:3: duplicate key 'mac_array.lanes' (first at line 7); remove one of "
            "them");
}

TEST(ArchConfigTest, RejectsZero) {
  // Sizes must be positive. The message gives the position of the value and what to write.
  EXPECT_EQ(ParseError(EditedEdge("bytes: 8388608", "bytes: 0")),
            "edge.yaml:11:10: key 'buffer.bytes' is not a positive integer: found '0'; set it "
            "to the global buffer capacity in bytes, a whole decimal number from 1 to "
            "9223372036854775807");
}

TEST(ArchConfigTest, RejectsNegativeInteger) {
  // A negative PE count is rejected like zero.
  EXPECT_EQ(ParseError(EditedEdge("pe_rows: 4", "pe_rows: -4")),
            "edge.yaml:4:12: key 'mac_array.pe_rows' is not a positive integer: found '-4'; set "
            "it to the number of PE rows of the MAC array, a whole decimal number from 1 to "
            "9223372036854775807");
}

TEST(ArchConfigTest, RejectsNonDecimalInteger) {
  // Integers are plain decimal numbers: 1e9 and 04 (octal in YAML 1.1) are rejected.
  EXPECT_EQ(ParseError(EditedEdge("clock_hz: 1000000000", "clock_hz: 1e9")),
            "edge.yaml:2:11: key 'clock_hz' is not a positive integer: found '1e9'; set it to "
            "the clock frequency in hertz, a whole decimal number from 1 to "
            "9223372036854775807");
  EXPECT_EQ(ParseError(EditedEdge("pe_cols: 4", "pe_cols: 04")),
            "edge.yaml:5:12: key 'mac_array.pe_cols' is not a positive integer: found '04'; set "
            "it to the number of PE columns of the MAC array, a whole decimal number from 1 to "
            "9223372036854775807");
}

TEST(ArchConfigTest, RejectsIntegerTooLarge) {
  // A value beyond 64 bits cannot be represented and is rejected, not wrapped.
  EXPECT_EQ(ParseError(EditedEdge("ops_per_cycle: 512", "ops_per_cycle: 99999999999999999999")),
            "edge.yaml:9:18: key 'vector_unit.ops_per_cycle' is not a positive integer: found "
            "'99999999999999999999'; set it to the element operations the vector unit "
            "completes per cycle, a whole decimal number from 1 to 9223372036854775807");
}

TEST(ArchConfigTest, RejectsListWhereIntegerExpected) {
  // A list in place of a number is a type error.
  EXPECT_EQ(ParseError(EditedEdge("bytes: 8388608", "bytes: [1, 2]")),
            "edge.yaml:11:10: key 'buffer.bytes' has the wrong type: expected a positive "
            "integer, found a list; set it to the global buffer capacity in bytes");
}

TEST(ArchConfigTest, RejectsQuotedNumber) {
  // A quoted number is a string in YAML, so it is a type error with a hint.
  EXPECT_EQ(ParseError(EditedEdge("dma_queues: 1", "dma_queues: \"1\"")),
            "edge.yaml:16:15: key 'dram.dma_queues' has the wrong type: expected a positive "
            "integer, found the string \"1\"; write the number without quotes or tags");
}

TEST(ArchConfigTest, RejectsScalarWhereSectionExpected) {
  // A section must be a map of its keys.
  EXPECT_EQ(ParseError(EditedEdge("vector_unit:\n  ops_per_cycle: 512\n", "vector_unit: 512\n")),
            "edge.yaml:8:14: key 'vector_unit' has the wrong type: expected a map with the keys "
            "ops_per_cycle, found the scalar '512'");
}

TEST(ArchConfigTest, RejectsEmptyValue) {
  // A key without a value is reported at the key.
  EXPECT_EQ(ParseError(EditedEdge("  weight_bytes: 1\n", "  weight_bytes:\n")),
            "edge.yaml:19:3: key 'elements.weight_bytes' has no value; set it to the bytes of "
            "one weight element");
}

TEST(ArchConfigTest, RejectsNegativeEnergy) {
  // Energies are non-negative numbers.
  EXPECT_EQ(ParseError(EditedEdge("mac_pj: 0.018", "mac_pj: -0.018")),
            "edge.yaml:21:11: key 'energy.mac_pj' is not a non-negative number: found '-0.018'; "
            "set it to the energy of one MAC in picojoules, a finite decimal number of at "
            "least 0");
}

TEST(ArchConfigTest, RejectsNonNumericEnergy) {
  // Words and infinities are not energies.
  EXPECT_EQ(ParseError(EditedEdge("dram_pj_per_byte: 84", "dram_pj_per_byte: .inf")),
            "edge.yaml:25:21: key 'energy.dram_pj_per_byte' is not a non-negative number: found "
            "'.inf'; set it to the energy of moving one byte between DRAM and the buffer in "
            "picojoules, a finite decimal number of at least 0");
}

TEST(ArchConfigTest, RejectsEmptyName) {
  // The name goes into stream headers and reports, so it must not be empty.
  EXPECT_EQ(ParseError(EditedEdge("name: soma-edge", "name: \"\"")),
            "edge.yaml:1:7: key 'name' is empty; set it to the configuration name, a non-empty "
            "string");
}

TEST(ArchConfigTest, RejectsMacCountOverflow) {
  // A MAC array whose size does not fit in 64 bits is rejected after parsing.
  EXPECT_EQ(ParseError(EditedEdge("pe_rows: 4", "pe_rows: 9000000000000000000")),
            "edge.yaml: hardware config 'soma-edge': mac_array pe_rows x pe_cols x vector_width "
            "x lanes (9000000000000000000 x 4 x 16 x 32) is too large to count in 64 bits; use "
            "the array's real dimensions");
}

TEST(ArchConfigTest, RejectsSyntaxErrorWithLineAndColumn) {
  // yaml-cpp's syntax errors keep their position.
  EXPECT_EQ(ParseError(EditedEdge("bytes: 8388608", "bytes: [8388608")),
            "edge.yaml:12:18: invalid YAML: end of sequence flow not found; fix the syntax at "
            "that position");
}

TEST(ArchConfigTest, RejectsEmptyDocument) {
  // An empty file lists the keys it should contain.
  EXPECT_EQ(ParseError("# nothing here\n"),
            "edge.yaml: the document is empty; expected a map with the keys name, clock_hz, "
            "mac_array, vector_unit, buffer, dram, elements, energy");
}

TEST(ArchConfigTest, RejectsListDocument) {
  // The top level must be a map.
  EXPECT_EQ(ParseError("- 1\n- 2\n"),
            "edge.yaml:1:1: the top level has the wrong type: expected a map with the keys name, "
            "clock_hz, mac_array, vector_unit, buffer, dram, elements, energy, found a list");
}

TEST(ArchConfigTest, RejectsSecondDocument) {
  // Only one configuration per file.
  EXPECT_EQ(ParseError(std::string(kEdgeYaml) + "---\n" + kEdgeYaml),
            "edge.yaml:27:1: holds 2 YAML documents, expected one; remove the extra '---' "
            "sections");
}

TEST(ArchConfigTest, RejectsMissingFile) {
  // A path that does not exist is named in the message.
  const absl::StatusOr<ArchConfig> config = LoadArchConfig("/nonexistent/hw/edge.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(),
            "hardware config file '/nonexistent/hw/edge.yaml' does not exist; pass the path of a "
            "hardware YAML file, such as models/hw/soma-edge.yaml");
}

TEST(ArchConfigTest, RejectsDirectory) {
  // A directory is not a hardware file.
  const std::string directory = ::soma::testing::SourceDir() + "/models/hw";
  const absl::StatusOr<ArchConfig> config = LoadArchConfig(directory);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "hardware config path '" + directory +
                "' is not a regular file; pass a hardware YAML file");
}

TEST(ArchConfigTest, FileErrorsNameThePath) {
  // Errors inside a loaded file carry its path and position.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "arch_config_test_zero_queues.yaml";
  {
    std::ofstream file(path);
    file << EditedEdge("dma_queues: 1", "dma_queues: 0");
  }
  const absl::StatusOr<ArchConfig> config = LoadArchConfig(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            path.string() + ":16:15: key 'dram.dma_queues' is not a positive integer: found '0'; "
                            "set it to the number of concurrent DMA queues, a whole decimal "
                            "number from 1 to 9223372036854775807");
}

TEST(ArchConfigTest, VerifyRejectsDefaultConfig) {
  // A config built in code with nothing set fails on its first key.
  EXPECT_EQ(ArchConfig().Verify().message(),
            "hardware config: key 'name' is empty; set it to the configuration name, a non-empty "
            "string");
}

TEST(ArchConfigTest, VerifyRejectsZeroBandwidth) {
  // A decoded config with a zero bandwidth would divide by zero in the cost model.
  absl::StatusOr<ArchConfig> config = ParseArchConfig(kEdgeYaml, "edge.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  config->buffer_bandwidth_bytes_per_cycle = 0;
  EXPECT_EQ(config->Verify().message(),
            "hardware config 'soma-edge': key 'buffer.bandwidth_bytes_per_cycle' is not a "
            "positive integer: found 0; set it to the global buffer bandwidth in bytes per "
            "cycle, a whole number of at least 1");
}

TEST(ArchConfigTest, HashIsPinned) {
  // The hash goes into stream headers, so its value must not drift between builds.
  const absl::StatusOr<ArchConfig> config = LoadArchConfig(PresetPath("soma-edge"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->Hash(), kEdgeHash);
}

TEST(ArchConfigTest, HashChangesWithEveryField) {
  // Changing any single field changes the hash.
  const absl::StatusOr<ArchConfig> base = ParseArchConfig(kEdgeYaml, "edge.yaml");
  ASSERT_TRUE(base.ok()) << base.status();
  for (const ArchConfigKey& key : ArchConfigKeys()) {
    ArchConfig changed = *base;
    if (const auto* text_field = std::get_if<std::string ArchConfig::*>(&key.field)) {
      changed.*(*text_field) += "x";
    } else if (const auto* integer_field = std::get_if<int64_t ArchConfig::*>(&key.field)) {
      changed.*(*integer_field) += 1;
    } else {
      changed.*std::get<double ArchConfig::*>(key.field) += 0.5;
    }
    EXPECT_NE(changed.Hash(), base->Hash()) << key.Path();
  }
}

TEST(ArchConfigTest, ToYamlRoundTripsPresets) {
  // ToYaml writes the file format, and parsing it gives back an equal config.
  for (const std::string name : {"soma-edge", "soma-cloud", "tiny"}) {
    const absl::StatusOr<ArchConfig> config = LoadArchConfig(PresetPath(name));
    ASSERT_TRUE(config.ok()) << config.status();
    const absl::StatusOr<ArchConfig> reread = ParseArchConfig(config->ToYaml(), name);
    ASSERT_TRUE(reread.ok()) << reread.status() << "\n" << config->ToYaml();
    EXPECT_EQ(*reread, *config) << name;
    EXPECT_EQ(reread->Hash(), config->Hash()) << name;
  }
}

TEST(ArchConfigTest, ToYamlRoundTripsAwkwardValues) {
  // Names that YAML would misread and doubles without a short decimal form survive the trip.
  absl::StatusOr<ArchConfig> config = ParseArchConfig(kEdgeYaml, "edge.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  config->mac_energy_pj = 0.1 + 0.2;
  config->vector_op_energy_pj = 1e-300;
  config->dram_energy_pj_per_byte = 0;
  for (const std::string name : {"null", "my npu: v2 # draft", "\"quoted\"\\", "tab\there", "123"}) {
    config->name = name;
    const absl::StatusOr<ArchConfig> reread = ParseArchConfig(config->ToYaml(), "round trip");
    ASSERT_TRUE(reread.ok()) << reread.status() << "\n" << config->ToYaml();
    EXPECT_EQ(*reread, *config) << name;
  }
}

TEST(ArchConfigTest, ToYamlWritesFileFormat) {
  // The text uses the file's key names and sections.
  const absl::StatusOr<ArchConfig> config = ParseArchConfig(kEdgeYaml, "edge.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string text = config->ToYaml();
  EXPECT_NE(text.find("\nname: soma-edge  #"), std::string::npos) << text;
  EXPECT_NE(text.find("\nbuffer:\n  bytes: 8388608  #"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  mac_pj: 0.018  #"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  dram_pj_per_byte: 84  #"), std::string::npos) << text;
}

}  // namespace
}  // namespace soma::arch
