// dram_plan_editor.cc: order windows, endpoint ranges and undoable edits of a DramPlan.
#include "schedule/search/dram_plan_editor.h"

#include <algorithm>
#include <utility>

namespace soma::schedule {

DramPlanEditor::DramPlanEditor(const TilingModel& model, DramPlan plan)
    : model_(model), plan_(std::move(plan)) {
  const int transfers = model.transfer_count();
  index_.assign(transfers, -1);
  for (int index = 0; index < transfers; ++index) index_[plan_.order[index]] = index;
  readers_.resize(transfers);
  for (int load = 0; load < transfers; ++load) {
    for (int store : model.StoresReadBy(load)) readers_[store].push_back(load);
  }
}

int DramPlanEditor::Endpoint(int transfer) const {
  return IsLoad(transfer) ? plan_.lifetimes[transfer].start : plan_.lifetimes[transfer].end;
}

bool DramPlanEditor::Reads(int load, int store) const {
  for (int read : model_.StoresReadBy(load)) {
    if (read == store) return true;
  }
  return false;
}

bool DramPlanEditor::MayPrecede(int a, int b) const {
  const TransferInfo& second = model_.transfers()[b];
  const bool second_is_load = second.direction == TransferDirection::kLoad;
  // The compute position (or, for a load ahead of a store, the store-end bound) that a
  // must see finished, against the first position that needs b.
  if (IsLoad(a)) {
    const int start = plan_.lifetimes[a].start;
    if (second_is_load) return start <= second.first_position;
    return start < plan_.lifetimes[b].end && !Reads(a, b);
  }
  const int completed = model_.transfers()[a].last_position;
  if (second_is_load) return completed < second.first_position;
  return completed < plan_.lifetimes[b].end;
}

IntRange DramPlanEditor::OrderWindow(int transfer, int queue) const {
  const int count = static_cast<int>(plan_.order.size());
  const int own = index_[transfer];
  IntRange window{0, count - 1};
  for (int index = 0; index < count; ++index) {
    const int other = plan_.order[index];
    if (other == transfer || plan_.queue_of[other] != queue) continue;
    // Index of `other` once `transfer` is taken out.
    const int without = index < own ? index : index - 1;
    if (!MayPrecede(transfer, other)) window.lo = std::max(window.lo, without + 1);
    if (!MayPrecede(other, transfer)) window.hi = std::min(window.hi, without);
  }
  return window;
}

IntRange DramPlanEditor::EndpointRange(int transfer) const {
  const TransferInfo& info = model_.transfers()[transfer];
  const int queue = plan_.queue_of[transfer];
  const int own = index_[transfer];
  const int count = static_cast<int>(plan_.order.size());
  if (IsLoad(transfer)) {
    IntRange range{-1, info.first_position};
    for (int index = own + 1; index < count; ++index) {
      const int later = plan_.order[index];
      if (plan_.queue_of[later] != queue) continue;
      const TransferInfo& other = model_.transfers()[later];
      range.hi = std::min(range.hi, other.direction == TransferDirection::kLoad
                                        ? other.first_position
                                        : plan_.lifetimes[later].end - 1);
    }
    for (int store : model_.StoresReadBy(transfer)) {
      if (plan_.queue_of[store] != queue) {
        range.lo = std::max(range.lo, plan_.lifetimes[store].end);
      }
    }
    return range;
  }
  IntRange range{info.last_position + 1, model_.position_count()};
  for (int index = 0; index < own; ++index) {
    const int earlier = plan_.order[index];
    if (plan_.queue_of[earlier] != queue) continue;
    range.lo = std::max(range.lo, IsLoad(earlier) ? plan_.lifetimes[earlier].start + 1
                                                  : model_.transfers()[earlier].last_position + 1);
  }
  for (int load : readers_[transfer]) {
    if (plan_.queue_of[load] != queue) range.hi = std::min(range.hi, plan_.lifetimes[load].start);
  }
  return range;
}

int DramPlanEditor::PreviousOnQueue(int transfer) const {
  const int queue = plan_.queue_of[transfer];
  for (int index = index_[transfer] - 1; index >= 0; --index) {
    if (plan_.queue_of[plan_.order[index]] == queue) return plan_.order[index];
  }
  return -1;
}

int DramPlanEditor::NextOnQueue(int transfer) const {
  const int queue = plan_.queue_of[transfer];
  for (int index = index_[transfer] + 1; index < static_cast<int>(plan_.order.size()); ++index) {
    if (plan_.queue_of[plan_.order[index]] == queue) return plan_.order[index];
  }
  return -1;
}

void DramPlanEditor::MoveWithoutRecord(int transfer, int index) {
  const int from = index_[transfer];
  if (index > from) {
    std::rotate(plan_.order.begin() + from, plan_.order.begin() + from + 1,
                plan_.order.begin() + index + 1);
    for (int position = from; position <= index; ++position)
      index_[plan_.order[position]] = position;
  } else if (index < from) {
    std::rotate(plan_.order.begin() + index, plan_.order.begin() + from,
                plan_.order.begin() + from + 1);
    for (int position = index; position <= from; ++position)
      index_[plan_.order[position]] = position;
  }
}

void DramPlanEditor::SetEndpointWithoutRecord(int transfer, int value) {
  if (IsLoad(transfer)) {
    plan_.lifetimes[transfer].start = value;
  } else {
    plan_.lifetimes[transfer].end = value;
  }
}

void DramPlanEditor::MoveInOrder(int transfer, int index) {
  undo_.push_back({EditKind::kOrder, transfer, index_[transfer]});
  MoveWithoutRecord(transfer, index);
}

void DramPlanEditor::SetQueue(int transfer, int queue) {
  undo_.push_back({EditKind::kQueue, transfer, plan_.queue_of[transfer]});
  plan_.queue_of[transfer] = queue;
}

void DramPlanEditor::SetEndpoint(int transfer, int value) {
  undo_.push_back({EditKind::kEndpoint, transfer, Endpoint(transfer)});
  SetEndpointWithoutRecord(transfer, value);
}

void DramPlanEditor::Undo() {
  for (auto edit = undo_.rbegin(); edit != undo_.rend(); ++edit) {
    switch (edit->kind) {
      case EditKind::kOrder:
        MoveWithoutRecord(edit->transfer, edit->old_value);
        break;
      case EditKind::kQueue:
        plan_.queue_of[edit->transfer] = edit->old_value;
        break;
      case EditKind::kEndpoint:
        SetEndpointWithoutRecord(edit->transfer, edit->old_value);
        break;
    }
  }
  undo_.clear();
}

}  // namespace soma::schedule
