// corrupt_stream_test.cc: every replay level survives streams with random field corruptions.
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "replay/functional_replay.h"
#include "replay/structural_replay.h"
#include "replay/timing_replay.h"
#include "replay/two_conv_stream.h"

namespace soma::replay {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

/// A scalar integer field of a message inside the stream, and its index when repeated.
struct IntegerSlot {
  Message* message;
  const FieldDescriptor* field;
  int index;
};

void CollectIntegerSlots(Message* message, std::vector<IntegerSlot>* slots) {
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    const int count = field->is_repeated() ? reflection->FieldSize(*message, field) : 1;
    for (int index = 0; index < count; ++index) {
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          CollectIntegerSlots(field->is_repeated()
                                  ? reflection->MutableRepeatedMessage(message, field, index)
                                  : reflection->MutableMessage(message, field),
                              slots);
          break;
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
          slots->push_back({message, field, field->is_repeated() ? index : -1});
          break;
        default:
          break;
      }
    }
  }
}

/// Sets `slot` to a value drawn from edge cases and small numbers.
void Corrupt(const IntegerSlot& slot, std::mt19937_64& engine) {
  const int64_t edge_values[] = {0, 1, -1, 2, 7, 255, 4096, int64_t{1} << 31, int64_t{1} << 40,
                                 std::numeric_limits<int64_t>::max()};
  const uint64_t draw = engine();
  const int64_t value = draw % 3 == 0 ? static_cast<int64_t>(engine() % 64)
                                      : edge_values[engine() % std::size(edge_values)];
  const Reflection* reflection = slot.message->GetReflection();
  const bool repeated = slot.index >= 0;
  switch (slot.field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      repeated ? reflection->SetRepeatedInt32(slot.message, slot.field, slot.index, static_cast<int32_t>(value))
               : reflection->SetInt32(slot.message, slot.field, static_cast<int32_t>(value));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      repeated ? reflection->SetRepeatedInt64(slot.message, slot.field, slot.index, value)
               : reflection->SetInt64(slot.message, slot.field, value);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      repeated ? reflection->SetRepeatedUInt32(slot.message, slot.field, slot.index, static_cast<uint32_t>(value))
               : reflection->SetUInt32(slot.message, slot.field, static_cast<uint32_t>(value));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      repeated ? reflection->SetRepeatedUInt64(slot.message, slot.field, slot.index, static_cast<uint64_t>(value))
               : reflection->SetUInt64(slot.message, slot.field, static_cast<uint64_t>(value));
      break;
    default:
      break;
  }
}

TEST(CorruptStreamTest, EveryLevelSurvivesRandomCorruption) {
  // Each round corrupts one or two integer fields. The replays may report findings or errors
  // but must return, because a crash fails the whole test binary.
  constexpr int kRounds = 300;
  const stream::CommandStream intact_streams[] = {
      ::soma::testing::MakeTwoConvStream(),
      ::soma::testing::MakeTwoConvStream({.intermediate_in_dram = true})};
  std::mt19937_64 engine(12345);
  int findings_or_errors = 0;
  for (int round = 0; round < kRounds; ++round) {
    stream::CommandStream corrupted = intact_streams[round % 2];
    std::vector<IntegerSlot> slots;
    CollectIntegerSlots(&corrupted, &slots);
    ASSERT_FALSE(slots.empty());
    const int corruptions = 1 + static_cast<int>(engine() % 2);
    for (int k = 0; k < corruptions; ++k) Corrupt(slots[engine() % slots.size()], engine);
    SCOPED_TRACE(corrupted.ShortDebugString());

    const absl::StatusOr<StructuralReport> structural = ReplayStructural(corrupted);
    const absl::StatusOr<TimingReport> timing = ReplayTiming(corrupted);
    FunctionalOptions options;
    const absl::StatusOr<FunctionalReport> functional = ReplayFunctional(corrupted, options);
    if (!structural.ok() || !structural->ok() || !timing.ok() || !timing->ok() ||
        !functional.ok() || !functional->ok()) {
      ++findings_or_errors;
    }
  }
  // Most corruptions must be noticed by some level (some hit fields no replay reads).
  EXPECT_GT(findings_or_errors, kRounds / 2);
}

}  // namespace
}  // namespace soma::replay
