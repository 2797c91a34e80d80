// dram_plan_editor.h: a DramPlan under edit, with the legal ranges of its moves.
//
// The ranges come from the evaluator's timing semantics (program.h). On one DMA queue,
// transfer a may run before transfer b only if a can start without b having finished:
//   - a load a (lifetime start s) waits for the compute at s-1, which waits for every load
//     read up to there, and for the stores whose lifetimes end by s. So a load b must not
//     be read before s (s <= first use of b), a store b must not end by s (s < end of b);
//   - a store a waits for the compute that completes its tile (position p). So a load b
//     must not be read by p (p < first use of b), a store b must not end by p
//     (p < end of b);
//   - a load that reads the data of a store on its own queue comes after that store
//     (RV2). When the store is on another queue, the load starts at or after the store's
//     lifetime end instead.
// Holding these for every pair of one queue keeps every queue free of waiting cycles
// (RV1, queue causality), and the evaluator checks the result in any case. Loads move
// their lifetime start (their end stays the last use plus one) and stores move their
// lifetime end (their start is fixed where the tile is completed).
#ifndef SOMA_SCHEDULE_SEARCH_DRAM_PLAN_EDITOR_H_
#define SOMA_SCHEDULE_SEARCH_DRAM_PLAN_EDITOR_H_

#include <vector>

#include "schedule/notation.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// A closed range [lo, hi]; empty when lo > hi.
struct IntRange {
  int lo = 0;
  int hi = -1;
  bool IsEmpty() const { return lo > hi; }
  int Size() const { return IsEmpty() ? 0 : hi - lo + 1; }
  bool Contains(int value) const { return lo <= value && value <= hi; }
};

class DramPlanEditor {
 public:
  /// Requires: `plan` has the shape of `model`'s transfers; `model` outlives the editor.
  DramPlanEditor(const TilingModel& model, DramPlan plan);

  const DramPlan& plan() const { return plan_; }
  const TilingModel& model() const { return model_; }
  /// Index of `transfer` in plan().order.
  int IndexOf(int transfer) const { return index_[transfer]; }
  bool IsLoad(int transfer) const {
    return model_.transfers()[transfer].direction == TransferDirection::kLoad;
  }

  /// The movable lifetime endpoint: a load's start or a store's end.
  int Endpoint(int transfer) const;

  /// Whether `a` may run before `b` on one queue under the current lifetimes.
  bool MayPrecede(int a, int b) const;

  /// Indices of plan().order where `transfer` may stand (after taking it out and putting
  /// it back) if it were served by DMA queue `queue`, under the current lifetimes.
  IntRange OrderWindow(int transfer, int queue) const;

  /// Computes the legal values of the movable endpoint of `transfer` under the current
  /// order and queues. RV3 bounds them: a load starts at -1 or later and by its first use,
  /// and a store ends after its tile is completed and by the last position. The pair rule
  /// with the transfers of its queue and RV2 with stores on other queues narrow them.
  IntRange EndpointRange(int transfer) const;

  /// The nearest transfers of the same queue before and after `transfer` in the order, or
  /// -1 when there is none.
  int PreviousOnQueue(int transfer) const;
  int NextOnQueue(int transfer) const;

  /// Edits; each is recorded so that Undo can revert it.
  void MoveInOrder(int transfer, int index);
  void SetQueue(int transfer, int queue);
  void SetEndpoint(int transfer, int value);
  /// Forgets the recorded edits.
  void Commit() { undo_.clear(); }
  /// Reverts the edits since the last Commit.
  void Undo();

 private:
  enum class EditKind { kOrder, kQueue, kEndpoint };
  struct Edit {
    EditKind kind;
    int transfer;
    int old_value;
  };

  void MoveWithoutRecord(int transfer, int index);
  void SetEndpointWithoutRecord(int transfer, int value);
  bool Reads(int load, int store) const;

  const TilingModel& model_;
  DramPlan plan_;
  std::vector<int> index_;
  /// Loads that read each store (the reverse of TilingModel::StoresReadBy).
  std::vector<std::vector<int>> readers_;
  std::vector<Edit> undo_;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_DRAM_PLAN_EDITOR_H_
