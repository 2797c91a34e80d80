// buffer_allocation_test.cc: offsets for a Program's residencies and the messages of a
// failed allocation or check.
#include "alloc/buffer_allocation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::alloc {
namespace {

using schedule::Program;
using schedule::Residency;
using schedule::ResidencyKind;
using ::testing::HasSubstr;

Residency MakeResidency(ResidencyKind kind, int64_t bytes, int start, int end,
                        const std::string& origin) {
  Residency residency;
  residency.kind = kind;
  residency.tensor = 3;
  residency.box = graph::Box{{0, 0, 0, 0}, {1, 1, 1, bytes}};
  residency.bytes = bytes;
  residency.lifetime = {start, end};
  residency.origin = origin;
  return residency;
}

Program ThreeResidencies() {
  Program program;
  program.residencies = {MakeResidency(ResidencyKind::kWeight, 128, -1, 3, "conv1"),
                         MakeResidency(ResidencyKind::kLoadedInput, 64, -1, 1, "conv1"),
                         MakeResidency(ResidencyKind::kTileOutput, 96, 0, 2, "conv1")};
  return program;
}

TEST(BufferAllocationTest, AllocatesAlignedDisjointOffsets) {
  // Three live-together residencies fit in 320 bytes at 64-byte alignment.
  const Program program = ThreeResidencies();
  auto allocation = AllocateBuffer(program, 320, 64);
  ASSERT_TRUE(allocation.ok()) << allocation.status();
  EXPECT_EQ(allocation->offsets, (std::vector<int64_t>{0, 256, 128}));
  EXPECT_EQ(allocation->used_bytes, 320);
  EXPECT_TRUE(allocation->Verify(program, 320, 64).ok());
}

TEST(BufferAllocationTest, FailureNamesHomelessResidency) {
  // In 256 bytes the 64-byte input finds no room next to the weights and the output, which
  // take 128 + 128 bytes at 64-byte alignment.
  auto allocation = AllocateBuffer(ThreeResidencies(), 256, 64);
  ASSERT_FALSE(allocation.ok());
  EXPECT_EQ(allocation.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(allocation.status().message(),
              HasSubstr("buffer allocation failed: residency 1 (loaded input of 'conv1', tensor "
                        "3 box [0:1,0:1,0:1,0:64], 64 bytes, lifetime [-1, 1]) finds no free "
                        "range of 64 bytes in the 256-byte buffer; the largest free gap during "
                        "its lifetime is 0 bytes"));
  EXPECT_THAT(allocation.status().message(),
              HasSubstr("largest residencies live then: residency 0 (weights of 'conv1'"));
}

TEST(BufferAllocationTest, VerifyNamesCollidingResidencies) {
  // Offsets that put the output on top of the weights while both are live.
  const Program program = ThreeResidencies();
  BufferAllocation allocation;
  allocation.offsets = {0, 256, 64};
  const absl::Status status = allocation.Verify(program, 320, 64);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("buffer allocation overlap at position 0: residency 2 "
                                          "(tile output of 'conv1'"));
  EXPECT_THAT(status.message(), HasSubstr("collides with residency 0 (weights of 'conv1'"));
}

TEST(BufferAllocationTest, VerifyRejectsOutOfBounds) {
  // A residency that ends past the buffer.
  const Program program = ThreeResidencies();
  BufferAllocation allocation;
  allocation.offsets = {0, 256, 128};
  EXPECT_THAT(allocation.Verify(program, 300, 64).message(),
              HasSubstr("out of bounds: residency 1"));
}

}  // namespace
}  // namespace soma::alloc
