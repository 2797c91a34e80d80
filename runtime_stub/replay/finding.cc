// finding.cc: finding kinds, the bounded finding list and its text form.
#include "replay/finding.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace soma::replay {

const char* FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kMalformedCommand:
      return "malformed command";
    case FindingKind::kUnsatisfiableWait:
      return "unsatisfiable wait";
    case FindingKind::kDeadlock:
      return "deadlock";
    case FindingKind::kUnexpectedData:
      return "unexpected data";
    case FindingKind::kRace:
      return "race";
    case FindingKind::kOverwriteOfLiveData:
      return "overwrite of live data";
    case FindingKind::kOutOfBounds:
      return "out of bounds";
    case FindingKind::kOutputNeverWritten:
      return "output never written";
    case FindingKind::kLoadBeforeStore:
      return "load before store";
    case FindingKind::kCyclesMismatch:
      return "cycles mismatch";
    case FindingKind::kLatencyMismatch:
      return "latency mismatch";
    case FindingKind::kOutputMismatch:
      return "output mismatch";
  }
  return "unknown finding";
}

void FindingList::Add(FindingKind kind, std::optional<CommandRef> command, std::string message) {
  if (Full()) {
    ++dropped_count_;
    return;
  }
  findings_.push_back(Finding{kind, command, std::move(message)});
}

void FindingList::Append(const std::vector<Finding>& findings) {
  for (const Finding& finding : findings) Add(finding.kind, finding.command, finding.message);
}

std::string FormatFindings(const std::vector<Finding>& findings, int64_t dropped_count) {
  std::string text;
  for (const Finding& finding : findings) {
    absl::StrAppend(&text, FindingKindName(finding.kind), ": ", finding.message, "\n");
  }
  if (dropped_count > 0) {
    absl::StrAppend(&text, dropped_count, " more findings not shown\n");
  }
  return text;
}

}  // namespace soma::replay
