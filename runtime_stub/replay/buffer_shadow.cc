// buffer_shadow.cc: the structural replay's shadow of the global buffer.
#include "replay/buffer_shadow.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace soma::replay {

BufferShadow::BufferShadow(const CommandTable& table, const HappensBefore& hb,
                           int64_t buffer_bytes, int64_t slot_bytes, FindingList* findings)
    : table_(table),
      hb_(hb),
      findings_(findings),
      slot_bytes_(slot_bytes),
      slot_count_(buffer_bytes / slot_bytes),
      writers_(static_cast<size_t>(slot_count_), -1),
      readers_(static_cast<size_t>(slot_count_) * table.queue_count(), -1) {}

std::string BufferShadow::DescribeElement(int tensor, const Coordinate& x) const {
  return absl::StrCat("element ", CoordinateToString(x), " of tensor ", table_.TensorName(tensor));
}

std::string BufferShadow::SuggestWait(int work_id) const {
  const WorkCommand& work = table_.work(work_id);
  return absl::StrCat("add a Wait for ", CommandCount(work.position + 1), " of queue ",
                      work.ref.queue);
}

bool BufferShadow::CheckBounds(int work_id, const BufferAccess& access, const std::string& operand_name) {
  const int64_t lowest = access.LowestAddress();
  const int64_t end = access.EndAddress();
  const int64_t buffer_bytes = slot_count_ * slot_bytes_;
  if (lowest < 0 || end > buffer_bytes) {
    findings_->Add(FindingKind::kOutOfBounds, table_.work(work_id).ref,
                   absl::StrCat(table_.DescribeWork(work_id), ": ", operand_name, " touches buffer bytes [",
                                lowest, ", ", end, "), outside the ", buffer_bytes,
                                "-byte buffer"));
    return false;
  }
  if (access.base_address % slot_bytes_ != 0) {
    findings_->Add(FindingKind::kMalformedCommand, table_.work(work_id).ref,
                   absl::StrCat(table_.DescribeWork(work_id), ": ", operand_name, " starts at buffer address ",
                                access.base_address, ", which is not a multiple of ", slot_bytes_,
                                " bytes (the element size)"));
    return false;
  }
  return true;
}

void BufferShadow::Read(int work_id, const BufferAccess& access, const std::string& operand_name,
                        DataState expected) {
  const int queue = table_.work(work_id).ref.queue;
  const int64_t slots_per_element = access.element_bytes / slot_bytes_;
  bool reported = false;
  ForEachElement(access, [&](const Coordinate& x, int64_t address) {
    const int64_t first_slot = address / slot_bytes_;
    for (int64_t slot = first_slot; slot < first_slot + slots_per_element; ++slot) {
      const int32_t record_id = writers_[slot];
      if (!reported) {
        const bool holds_element = record_id >= 0 &&
                                   records_[record_id].access.tensor == access.tensor &&
                                   BoxContainsPoint(records_[record_id].access.box, x) &&
                                   records_[record_id].access.AddressOf(x) == address;
        if (!holds_element) {
          ReportBadRead(work_id, access, operand_name, x, address, record_id);
          reported = true;
        } else if (records_[record_id].state != expected) {
          const std::string writer = table_.DescribeWork(records_[record_id].work_id);
          findings_->Add(
              FindingKind::kUnexpectedData, table_.work(work_id).ref,
              expected == DataState::kFinal
                  ? absl::StrCat(table_.DescribeWork(work_id), " reads ",
                                 DescribeElement(access.tensor, x), " (", operand_name,
                                 ") at buffer address ", address,
                                 ", which holds a partial sum written by ", writer,
                                 "; read it only after the compute with final_partial set")
                  : absl::StrCat(table_.DescribeWork(work_id), " accumulates onto ",
                                 DescribeElement(access.tensor, x), " (", operand_name,
                                 ") at buffer address ", address,
                                 ", which holds a final value written by ", writer,
                                 "; only partial sums take further accumulation"));
          reported = true;
        } else {
          const int writer = records_[record_id].work_id;
          if (table_.work(writer).ref.queue != queue && !hb_.Before(writer, work_id)) {
            findings_->Add(
                FindingKind::kRace, table_.work(work_id).ref,
                absl::StrCat(table_.DescribeWork(work_id), " reads ", DescribeElement(access.tensor, x),
                             " (", operand_name, ") at buffer address ", address, ", written by ",
                             table_.DescribeWork(writer),
                             ", which is not ordered before the read (a read-after-write race); ",
                             SuggestWait(writer), " before the read"));
            reported = true;
          }
        }
      }
      ReaderOf(queue, slot) = work_id;
    }
    return true;
  });
}

void BufferShadow::ReportBadRead(int work_id, const BufferAccess& access, const std::string& operand_name,
                                 const Coordinate& x, int64_t address, int32_t record_id) {
  const std::string reader = table_.DescribeWork(work_id);
  const std::string element = DescribeElement(access.tensor, x);
  if (record_id < 0) {
    findings_->Add(FindingKind::kUnexpectedData, table_.work(work_id).ref,
                   absl::StrCat(reader, " reads ", element, " (", operand_name, ") at buffer address ",
                                address, ", which no command ordered before it has written; "
                                "load or compute it first, or add a Wait for the command that does"));
    return;
  }

  if (findings_->Full()) {
    // Only counted; skip the search below.
    findings_->Add(FindingKind::kUnexpectedData, table_.work(work_id).ref, std::string());
    return;
  }

  // Did an earlier write put the expected element here? Then the first later write to the
  // address destroyed it.
  const WriteRecord& current = records_[record_id];
  for (int32_t earlier = record_id - 1; earlier >= 0; --earlier) {
    const BufferAccess& candidate = records_[earlier].access;
    if (candidate.tensor != access.tensor || !BoxContainsPoint(candidate.box, x) ||
        candidate.AddressOf(x) != address) {
      continue;
    }
    int overwriting_work = current.work_id;
    for (int32_t later = earlier + 1; later < record_id; ++later) {
      if (records_[later].access.CoordinateAt(address).has_value()) {
        overwriting_work = records_[later].work_id;
        break;
      }
    }
    const std::string overwriter = table_.DescribeWork(overwriting_work);
    if (!hb_.Before(overwriting_work, work_id)) {
      findings_->Add(
          FindingKind::kRace, table_.work(overwriting_work).ref,
          absl::StrCat(overwriter, " overwrites buffer address ", address, ", which holds ",
                       element, " that ", reader, " reads (", operand_name,
                       "), and the two are not ordered (a write-after-read race); ",
                       SuggestWait(work_id), " before the write"));
    } else {
      findings_->Add(
          FindingKind::kOverwriteOfLiveData, table_.work(overwriting_work).ref,
          absl::StrCat(overwriter, " overwrites ", element, " at buffer address ", address,
                       ", written by ", table_.DescribeWork(records_[earlier].work_id),
                       ", which ", reader, " still reads afterwards (", operand_name,
                       "); keep the region live until that read or move one of them"));
    }
    return;
  }

  const std::optional<Coordinate> held_element = current.access.CoordinateAt(address);
  const std::string held_text =
      held_element.has_value() ? DescribeElement(current.access.tensor, *held_element)
                       : absl::StrCat("data of tensor ", table_.TensorName(current.access.tensor));
  findings_->Add(FindingKind::kUnexpectedData, table_.work(work_id).ref,
                 absl::StrCat(reader, " reads ", element, " (", operand_name, ") at buffer address ",
                              address, ", but the address holds ", held_text, ", written by ",
                              table_.DescribeWork(current.work_id)));
}

void BufferShadow::Write(int work_id, const BufferAccess& access, const std::string& operand_name,
                         DataState written) {
  const int queue = table_.work(work_id).ref.queue;
  const int queue_count = table_.queue_count();
  const int64_t slots_per_element = access.element_bytes / slot_bytes_;
  records_.push_back(WriteRecord{work_id, access, written});
  const int32_t record_id = static_cast<int32_t>(records_.size()) - 1;
  bool reported = false;
  ForEachElement(access, [&](const Coordinate& x, int64_t address) {
    const int64_t first_slot = address / slot_bytes_;
    for (int64_t slot = first_slot; slot < first_slot + slots_per_element; ++slot) {
      if (!reported) {
        const int32_t previous = writers_[slot];
        if (previous >= 0) {
          const int writer = records_[previous].work_id;
          if (table_.work(writer).ref.queue != queue && !hb_.Before(writer, work_id)) {
            findings_->Add(
                FindingKind::kRace, table_.work(work_id).ref,
                absl::StrCat(table_.DescribeWork(work_id), " writes ", DescribeElement(access.tensor, x),
                             " (", operand_name, ") at buffer address ", address,
                             ", which ", table_.DescribeWork(writer),
                             " also writes, and the two are not ordered (a write-after-write race); ",
                             SuggestWait(writer), " before the second write"));
            reported = true;
          }
        }
        for (int other = 0; other < queue_count && !reported; ++other) {
          if (other == queue) continue;
          const int32_t reader = ReaderOf(other, slot);
          if (reader < 0 || hb_.Before(reader, work_id)) continue;
          findings_->Add(
              FindingKind::kRace, table_.work(work_id).ref,
              absl::StrCat(table_.DescribeWork(work_id), " writes ", DescribeElement(access.tensor, x),
                           " (", operand_name, ") at buffer address ", address, ", which ",
                           table_.DescribeWork(reader),
                           " reads, and the read is not ordered before the write (a "
                           "write-after-read race); ",
                           SuggestWait(reader), " before the write"));
          reported = true;
        }
      }
      writers_[slot] = record_id;
    }
    return true;
  });
}

}  // namespace soma::replay
