// notation.cc: names of the notation's enumerations and keys.
#include "schedule/notation.h"

#include "absl/strings/str_cat.h"

namespace soma::schedule {

const char* TransferKindName(TransferKind kind) {
  switch (kind) {
    case TransferKind::kLoadInput:
      return "load_input";
    case TransferKind::kLoadWeight:
      return "load_weight";
    case TransferKind::kStoreOutput:
      return "store_output";
  }
  return "unknown";
}

std::string TransferKey::ToString() const {
  std::string text = absl::StrCat(TransferKindName(kind), " layer ", layer, " tile ", tile);
  if (kind == TransferKind::kLoadInput) absl::StrAppend(&text, " input ", input_index);
  if (chunk > 0) absl::StrAppend(&text, " chunk ", chunk);
  return text;
}

}  // namespace soma::schedule
