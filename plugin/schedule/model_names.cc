// model_names.cc: how a TilingModel names its transfers, residencies and positions in
// messages.
#include "absl/strings/str_cat.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

namespace {

const char* ResidencyNoun(ResidencyKind kind) {
  switch (kind) {
    case ResidencyKind::kLoadedInput:
      return "loaded input";
    case ResidencyKind::kWeight:
      return "weights";
    case ResidencyKind::kTileOutput:
      return "tile output";
    case ResidencyKind::kFullMap:
      return "full map";
  }
  return "residency";
}

}  // namespace

std::string TilingModel::DescribeTransfer(int transfer) const {
  const TransferKey& key = transfers_[transfer].key;
  const std::string& layer = graph_->layer(key.layer).name;
  switch (key.kind) {
    case TransferKind::kLoadInput:
      return absl::StrCat("load of '", layer, "' tile ", key.tile, " input ", key.input_index);
    case TransferKind::kLoadWeight:
      if (transfers_[transfer].chunk_count > 1) {
        return absl::StrCat("weight load of '", layer, "' tile ", key.tile, " chunk ", key.chunk,
                            " of ", transfers_[transfer].chunk_count);
      }
      return absl::StrCat("weight load of '", layer, "' tile ", key.tile);
    case TransferKind::kStoreOutput:
      return absl::StrCat("store of '", layer, "' tile ", key.tile);
  }
  return key.ToString();
}

std::string TilingModel::DescribeResidency(int residency) const {
  const ResidencyInfo& info = residencies_[residency];
  return absl::StrCat(ResidencyNoun(info.kind), " of '", graph_->layer(info.layer).name,
                      "' tile ", info.tile, " (tensor '", graph_->tensor(info.tensor).name,
                      "' ", info.box.ToString(), ", ", info.bytes, " bytes)");
}

std::string TilingModel::DescribePosition(int position) const {
  if (position < 0) return absl::StrCat("position ", position, " (prologue)");
  if (position >= position_count()) return absl::StrCat("position ", position, " (epilogue)");
  const ComputeInfo& compute = compute_[position];
  return absl::StrCat("position ", position, " (layer '", graph_->layer(compute.layer).name,
                      "' tile ", compute.tile, ")");
}

}  // namespace soma::schedule
