// disassembler_test.cc: the text form of the two-conv stream, against a reviewed golden file.
//
// Regenerate the golden after an intended format change with
//   SOMA_UPDATE_GOLDEN=1 build/bin/codegen_test --gtest_filter='DisassemblerTest.*'
// and review the diff of tests/codegen/testdata/two_conv.disasm.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "codegen/codegen.h"
#include "codegen/stream_io.h"
#include "codegen/two_conv_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/test_paths.h"

namespace soma::codegen {
namespace {

using ::testing::HasSubstr;

// Replaces the hardware hash, which belongs to the arch stage, so the golden pins codegen only.
constexpr uint64_t kPinnedHardwareHash = 0x0123456789ABCDEFull;

std::string DisassembleFixture() {
  const testing::TwoConvFixture fixture = testing::MakeTwoConvFixture();
  absl::StatusOr<stream::CommandStream> emitted =
      EmitCommandStream(fixture.graph, fixture.program, fixture.allocation, fixture.config);
  EXPECT_TRUE(emitted.ok()) << emitted.status();
  if (!emitted.ok()) return "";
  emitted->mutable_header()->set_hardware_hash(kPinnedHardwareHash);
  return Disassemble(*emitted);
}

TEST(DisassemblerTest, TwoConvMatchesGolden) {
  // The whole text is stable; a change shows as a diff of the golden file.
  const std::string text = DisassembleFixture();
  const std::string golden_path =
      soma::testing::SourceDir() + "/tests/codegen/testdata/two_conv.disasm";
  if (std::getenv("SOMA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path, std::ios::binary | std::ios::trunc) << text;
  }
  std::ifstream golden_file(golden_path, std::ios::binary);
  ASSERT_TRUE(golden_file.good()) << "missing golden file " << golden_path;
  std::ostringstream golden;
  golden << golden_file.rdbuf();
  EXPECT_EQ(text, golden.str());
}

TEST(DisassemblerTest, LinesShowWaitsAddressesAndOrigins) {
  // Spot checks that do not depend on the golden file: waits, hex addresses, boxes and origins.
  const std::string text = DisassembleFixture();
  EXPECT_THAT(text, HasSubstr("\nq0#0 WAIT q1>=2\n"));
  EXPECT_THAT(text, HasSubstr("\nq2#2 WAIT q0>=4\n"));
  EXPECT_THAT(text,
              HasSubstr("\nq1#4 LOAD n=4 t0 box [0:1,0:4,2:8,0:8] dram 0x20 strides "
                        "[256,64,8,1] buffer 0x500 strides [192,48,8,1] bytes=384 "
                        "cycles=384 ; node=conv1 group=0 subgroup=0 tile=1 pos=2 transfer='"));
  EXPECT_THAT(text, HasSubstr("\nq0#6 COMPUTE n=4 L1 out [0:1,0:8,4:8,0:8] -> "
                              "t4@0xB80[0:1,0:8,0:8,0:8] box [0:1,0:8,4:8,0:8] in0 "
                              "t2@0x900[0:1,0:8,3:8,0:8] box [0:1,0:8,3:8,0:8] weight "
                              "t3@0x2C0[0:8,0:8,0:3,0:3] box [0:8,0:8,0:3,0:3] cycles=200 ; "
                              "node=conv2 group=0 subgroup=0 tile=1 pos=3\n"));
  EXPECT_THAT(text, HasSubstr("; model 'two_conv', strategy 'cocco'\n"));
}

}  // namespace
}  // namespace soma::codegen
