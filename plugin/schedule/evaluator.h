// evaluator.h: prices a DramPlan against a TilingModel (the SoMa parser's Steps F and G).
//
// Evaluate checks the DRAM plan's shape, release and deadline (RV3), data dependencies
// (RV2) and buffer capacity. Then it runs a discrete-event simulation of the queues. The
// compute queue runs the tiles in position order, and each DMA queue runs its transfers in
// plan order. An operation starts when its queue is free and everything it waits for has
// finished (program.h states the waits). A deadlock violates queue causality (RV1).
//
// Evaluate allocates nothing after construction and costs O(transfers + positions +
// residencies + data dependencies), so a search can call it in its inner loop. Violations
// come back as a compact code; Explain turns the last one into a message.
#ifndef SOMA_SCHEDULE_EVALUATOR_H_
#define SOMA_SCHEDULE_EVALUATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "schedule/notation.h"
#include "schedule/program.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

/// The first rule a DramPlan breaks, in the order Evaluate checks them.
enum class RuleViolation {
  kNone,
  /// Vector sizes, a transfer missing from or repeated in the order, a queue out of range.
  kPlanShape,
  /// RV3: a lifetime that starts after the first use of a load, ends before its last use,
  /// does not start where a stored tile is completed, or leaves the positions [-1, N].
  kReleaseDeadline,
  /// RV2: a load of data that an earlier LG stores is not ordered after the store.
  kDataDependency,
  /// More residency bytes live at one position than the buffer holds.
  kCapacity,
  /// RV1: no queue can advance; operations wait for each other in a cycle.
  kQueueCausality,
};

const char* RuleViolationName(RuleViolation violation);

/// The numbers a valid plan yields.
struct Metrics {
  int64_t latency_cycles = 0;
  double energy_pj = 0;
  int64_t dram_bytes = 0;
  int64_t peak_buffer_bytes = 0;
};

struct EvaluationResult {
  RuleViolation violation = RuleViolation::kNone;
  /// The culprit: a transfer id (kPlanShape may use -1, kReleaseDeadline, kDataDependency:
  /// the load) or a position (kCapacity).
  int subject = -1;
  /// The second party: the store a load must follow (kDataDependency).
  int other = -1;
  /// Bytes live at the violated position (kCapacity).
  int64_t live_bytes = 0;
  /// Valid only when `violation` is kNone; peak_buffer_bytes is also set for kCapacity.
  Metrics metrics;

  bool ok() const { return violation == RuleViolation::kNone; }
};

class Evaluator {
 public:
  /// Sizes the scratch buffers for `model`, which must outlive the evaluator.
  explicit Evaluator(const TilingModel& model);

  /// Evaluates `plan` against a buffer of `capacity_bytes`. The returned reference and the
  /// timing accessors stay valid until the next call.
  const EvaluationResult& Evaluate(const DramPlan& plan, int64_t capacity_bytes);

  /// The error for the last result (OK when it was valid): InvalidArgument for kPlanShape,
  /// ResourceExhausted for kCapacity, FailedPrecondition for the ordering rules. The
  /// message names the rule, the transfers, tiles and positions, and the numbers.
  /// Requires: `plan` and `capacity_bytes` are those of the last Evaluate call.
  absl::Status Explain(const DramPlan& plan, int64_t capacity_bytes) const;

  /// Evaluates and converts a violation into its error.
  absl::StatusOr<Metrics> EvaluateOrError(const DramPlan& plan, int64_t capacity_bytes);

  /// Timings of the last valid evaluation, indexed by position and by transfer id.
  absl::Span<const OpTiming> compute_timing() const { return compute_timing_; }
  absl::Span<const OpTiming> transfer_timing() const { return transfer_timing_; }
  /// Residency bytes live at each position -1 .. N-1 (index position + 1).
  absl::Span<const int64_t> live_bytes() const {
    return absl::MakeConstSpan(live_).first(model_.position_count() + 1);
  }
  /// Transfer ids of DMA queue `queue`, in service order.
  absl::Span<const int> QueueTransfers(int queue) const {
    return absl::MakeConstSpan(queue_transfers_)
        .subspan(queue_offsets_[queue], queue_offsets_[queue + 1] - queue_offsets_[queue]);
  }
  /// Index of transfer `transfer` inside its DMA queue.
  int QueueIndexOf(int transfer) const { return queue_index_[transfer]; }
  /// Operations in the order the simulation finished them; each op after all it waits
  /// for. Entries below position_count() are positions; the others are position_count()
  /// plus a transfer id.
  absl::Span<const int> completion_order() const {
    return absl::MakeConstSpan(completion_order_).first(completed_count_);
  }
  /// Index in its queue of the latest store on DMA queue `queue` whose lifetime ends at or
  /// before position `position` (-1 <= position <= N), or -1 when there is none.
  int LatestStoreEndingBy(int queue, int position) const {
    return latest_store_[queue * (model_.position_count() + 2) + position + 1];
  }

  const TilingModel& model() const { return model_; }

 private:
  bool CheckShape(const DramPlan& plan);
  bool CheckReleaseAndDeadline(const DramPlan& plan);
  bool CheckDataDependencies(const DramPlan& plan);
  bool CheckCapacity(const DramPlan& plan, int64_t capacity_bytes);
  bool Simulate(const DramPlan& plan);
  void Fail(RuleViolation violation, int subject, int other = -1);
  absl::Status ExplainCapacity(const DramPlan& plan, int64_t capacity_bytes) const;
  absl::Status ExplainDeadlock(const DramPlan& plan) const;
  std::string DescribeBlockedCompute(const DramPlan& plan) const;
  std::string DescribeBlockedTransfer(const DramPlan& plan, int queue) const;

  // Readiness and start cycles inside the simulation.
  bool IsTransferDone(int transfer) const;
  bool StoresDoneBy(int queue, int position, int64_t* ready_cycle) const;

  const TilingModel& model_;
  /// The plan of the running (or last) Evaluate call.
  const DramPlan* plan_ = nullptr;
  EvaluationResult result_;
  std::vector<int> queue_index_;
  std::vector<int> queue_offsets_;
  std::vector<int> queue_fill_;
  std::vector<int> queue_transfers_;
  std::vector<int> latest_store_;
  std::vector<int64_t> live_;
  std::vector<OpTiming> compute_timing_;
  std::vector<OpTiming> transfer_timing_;
  std::vector<int> completion_order_;
  int completed_count_ = 0;
  /// Next operation of the compute queue (index 0) and of each DMA queue (1 + queue).
  std::vector<int> cursor_;
  std::vector<int64_t> queue_end_cycle_;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_EVALUATOR_H_
