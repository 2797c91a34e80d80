// default_dram_plan.cc: the default DRAM timing of a TilingModel (SoMa Step E) and the
// buffer occupancy a DramPlan gives.
#include <algorithm>
#include <numeric>

#include "schedule/tiling_model.h"

namespace soma::schedule {

namespace {

// Rank of a transfer kind on equal starts and ends: loads before stores.
int DirectionRank(TransferDirection direction) {
  return direction == TransferDirection::kLoad ? 0 : 1;
}

}  // namespace

DramPlan TilingModel::DefaultDramPlan() const {
  const int count = transfer_count();
  DramPlan plan;
  plan.lifetimes.resize(count);
  plan.queue_of.resize(count);
  for (int id = 0; id < count; ++id) {
    const TransferInfo& transfer = transfers_[id];
    plan.lifetimes[id] = transfer.default_lifetime;
    const bool is_store = transfer.direction == TransferDirection::kStore;
    plan.queue_of[id] = dma_queue_count_ > 1 && is_store ? 1 : 0;
  }
  plan.order.resize(count);
  std::iota(plan.order.begin(), plan.order.end(), 0);
  std::sort(plan.order.begin(), plan.order.end(), [&](int a, int b) {
    const TransferInfo& x = transfers_[a];
    const TransferInfo& y = transfers_[b];
    if (x.default_lifetime.start != y.default_lifetime.start) {
      return x.default_lifetime.start < y.default_lifetime.start;
    }
    const bool x_weight = x.key.kind == TransferKind::kLoadWeight;
    const bool y_weight = y.key.kind == TransferKind::kLoadWeight;
    if (x_weight != y_weight) return x_weight;
    if (x.default_lifetime.end != y.default_lifetime.end) {
      return x.default_lifetime.end < y.default_lifetime.end;
    }
    if (x.direction != y.direction) return DirectionRank(x.direction) < DirectionRank(y.direction);
    return a < b;
  });
  return plan;
}

std::vector<int64_t> LiveBytesByPosition(const TilingModel& model, const DramPlan& plan) {
  std::vector<int64_t> live(model.position_count() + 2, 0);
  for (int residency = 0; residency < static_cast<int>(model.residencies().size()); ++residency) {
    const Lifetime lifetime = model.ResidencyLifetime(plan, residency);
    live[lifetime.start + 1] += model.residencies()[residency].bytes;
    live[lifetime.end + 1] -= model.residencies()[residency].bytes;
  }
  for (size_t index = 1; index < live.size(); ++index) live[index] += live[index - 1];
  live.pop_back();
  return live;
}

}  // namespace soma::schedule
