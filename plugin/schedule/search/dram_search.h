// dram_search.h: simulated annealing over DramPlans of one TilingModel (SoMa Stage 2),
// the buffer polish that follows it (Stage 3), and the repair of a plan to a smaller
// buffer.
//
// Stage 2 moves (transfers picked with probability proportional to their bytes):
//   - order (0.1): move a transfer to another place of its queue's legal window;
//   - endpoint (0.4): move a load's lifetime start or a store's lifetime end to another
//     value of its legal range;
//   - combined (0.5): an order move, then an endpoint inside the legal range and, when
//     possible, between the endpoints of the new queue neighbours, which keeps the queue
//     roughly sorted by time;
//   - queue (with several DMA queues, taking 0.15 from the combined move): move a
//     transfer to another queue, at a place of that queue's legal window.
// The cost is latency, because energy does not change in Stage 2 and EDP orders plans
// alike. A worse plan is accepted with the annealer's probability, relative to the
// distance from the current latency to the model's lower bound, max(compute cycles, DMA
// cycles per queue).
// The search stops early when it comes within kLowerBoundTolerance of that bound, where
// no further search can gain more than that fraction.
// Stage 3 runs a tenth of the rounds with order moves (0.4) and endpoint moves that only
// shrink lifetimes (0.6), transfers picked uniformly. It never accepts a slower plan; at
// equal latency it prefers a lower time-integrated buffer use (bytes times cycles).
#ifndef SOMA_SCHEDULE_SEARCH_DRAM_SEARCH_H_
#define SOMA_SCHEDULE_SEARCH_DRAM_SEARCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "schedule/evaluator.h"
#include "schedule/notation.h"
#include "schedule/search/dram_plan_editor.h"
#include "schedule/search/search_budget.h"
#include "schedule/search/search_random.h"
#include "schedule/tiling_model.h"

namespace soma::schedule {

enum class DramMoveKind { kOrder, kEndpoint, kCombined, kQueue, kShrink };

struct DramSearchOptions {
  int64_t rounds = 1;
  int64_t capacity_bytes = 0;
  Deadline deadline;
  /// Names the search in progress lines, e.g. "soma pass 0 stage 2".
  std::string label = "stage 2";
};

struct DramSearchResult {
  DramPlan plan;
  Metrics metrics;
  /// Residency bytes times cycles, summed over positions (Stage 3's tie-breaker).
  double buffer_integral = 0;
  int64_t rounds_run = 0;
  int64_t moves_applied = 0;
  int64_t moves_accepted = 0;
  bool stopped_by_deadline = false;
  bool reached_lower_bound = false;
  /// Stage 2: earlier best plans and their latencies, oldest first, at most kEarlierBests
  /// of them, each at least kEarlierBestSpacing slower than the next. They tend to hold
  /// the buffer less, so the caller tries them when the best plan does not allocate.
  std::vector<DramPlan> earlier_bests;
  std::vector<int64_t> earlier_best_latencies;
};

inline constexpr int kEarlierBests = 12;
inline constexpr double kEarlierBestSpacing = 0.001;

/// Lowest latency any DramPlan of `model` can reach: the compute cycles, and the DMA
/// cycles spread evenly over the queues.
int64_t LatencyLowerBound(const TilingModel& model);

/// Stage 2 stops once its best latency is within this fraction of LatencyLowerBound.
inline constexpr double kLowerBoundTolerance = 0.001;

class DramSearch {
 public:
  /// Requires: `model` outlives the search.
  explicit DramSearch(const TilingModel& model);

  /// Stage 2 from `start`, which must be valid at `options.capacity_bytes`.
  /// Errors: the evaluator's error for an invalid `start`.
  absl::StatusOr<DramSearchResult> RunStage2(const DramPlan& start,
                                             const DramSearchOptions& options, SearchRandom& random,
                                             ProgressReporter* progress);

  /// Stage 3 from `start`, which must be valid at `options.capacity_bytes`.
  absl::StatusOr<DramSearchResult> RunStage3(const DramPlan& start,
                                             const DramSearchOptions& options, SearchRandom& random,
                                             ProgressReporter* progress);

  /// Moves load starts later and store ends earlier, one at a time at the first position
  /// over `capacity_bytes`, until `plan` fits. Returns false (with `plan` partly repaired)
  /// when no move helps or another rule fails.
  bool RepairToCapacity(DramPlan* plan, int64_t capacity_bytes);

  /// Applies one random move of `kind` to `editor`; false when it found none to make.
  /// Exposed for tests.
  bool ApplyMove(DramMoveKind kind, int transfer, SearchRandom& random,
                 DramPlanEditor* editor) const;

 private:
  double BufferIntegral() const;
  int PickBySize(SearchRandom& random) const;

  const TilingModel& model_;
  Evaluator evaluator_;
  int64_t lower_bound_ = 0;
  /// Running sums of transfer bytes, for picking by size.
  std::vector<double> size_cumulative_;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_DRAM_SEARCH_H_
