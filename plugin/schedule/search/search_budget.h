// search_budget.h: how long the search runs: round budgets, wall-clock deadlines and
// progress lines.
//
// Without a time limit the search is bounded by rounds only and is fully deterministic.
// With one, every stage also stops at its deadline, so the result depends on the speed of
// the machine. The stages read the clock every round and share kStagesTimeShare of the
// limit. The rest of the limit is left for the work after the last stage: building the
// result's Program and checking that it allocates. That work cannot stop half-way, so
// a search may overrun its limit by the time of one candidate evaluation and one
// allocation check per search thread.
#ifndef SOMA_SCHEDULE_SEARCH_SEARCH_BUDGET_H_
#define SOMA_SCHEDULE_SEARCH_SEARCH_BUDGET_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace soma::schedule {

/// Rounds between two progress-line checks inside a stage. The deadline is checked every
/// round, because one Stage-1 round on a large model can take seconds.
inline constexpr int64_t kRoundsPerProgressCheck = 256;

/// Share of the time limit that the search stages may use, counted from the start of the
/// search. The rest is kept for the Program builds and allocation checks after them.
inline constexpr double kStagesTimeShare = 0.9;

/// Stage-1 rounds of SoMa: 100 * layers * sqrt(batch).
int64_t Stage1RoundBudget(int layer_count, int64_t batch);

/// Compute tiles that the candidates of one Stage-1 run may sum to. Building and
/// evaluating a candidate costs time proportional to its compute tiles. A batch of 16
/// splits the maps into many tiles, and there the round budget alone would take minutes.
/// On small models the rounds run out first.
inline constexpr int64_t kStage1WorkBudget = 5000000;
/// Batch up to which kStage1WorkBudget applies as is. A larger batch splits the maps into
/// proportionally more tiles, so the budget grows with it and the search still evaluates
/// as many candidates.
inline constexpr int64_t kWorkBudgetBatch = 16;

/// Stage-2 rounds of SoMa: 1000 * DRAM transfers, capped at kMaxStage2Rounds and at
/// kStage2WorkBudget / `model_size`. An evaluation costs time proportional to the
/// transfers, positions and residencies of the model, which `model_size` sums, so a pass
/// costs about as much on a large model as on a small one. Stage 3 runs a tenth of them.
int64_t Stage2RoundBudget(int transfer_count, int64_t model_size);

/// Maximum Stage-2 rounds per pass. The SoMa artifact caps at 3 to 5 million, which takes
/// minutes per pass at tens of microseconds per evaluation. The caps are lower here, and
/// the search also stops near the lower bound (see dram_search.h).
inline constexpr int64_t kMaxStage2Rounds = 400000;
inline constexpr int64_t kStage2WorkBudget = 100000000;

/// An optional point in wall-clock time where a search step must stop.
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  /// No deadline.
  Deadline() = default;
  /// `seconds` from now.
  static Deadline After(double seconds);

  bool IsSet() const { return at_.has_value(); }
  /// Whether the deadline has passed (false when none is set). Reads the clock.
  bool Passed() const { return at_ && Clock::now() >= *at_; }
  /// A deadline `fraction` of the way from now to this one; none stays none.
  Deadline Fraction(double fraction) const;
  /// Seconds left (0 when passed), or nullopt without a deadline.
  std::optional<double> SecondsLeft() const;

 private:
  std::optional<Clock::time_point> at_;
};

/// Seconds elapsed since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(Deadline::Clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(Deadline::Clock::now() - start_).count();
  }

 private:
  Deadline::Clock::time_point start_;
};

/// Sends progress lines to a callback, at most one periodic line per interval; safe to
/// call from several threads.
class ProgressReporter {
 public:
  using ProgressFn = std::function<void(const std::string&)>;

  explicit ProgressReporter(ProgressFn progress, double interval_seconds = 1.0)
      : progress_(std::move(progress)), interval_seconds_(interval_seconds) {}

  bool enabled() const { return static_cast<bool>(progress_); }
  /// Sends `make_line()` when the interval has passed since the last periodic line.
  void Periodic(const std::function<std::string()>& make_line);
  /// Sends `line` now.
  void Always(const std::string& line);

 private:
  ProgressFn progress_;
  double interval_seconds_;
  std::mutex mutex_;
  Stopwatch stopwatch_;
  double last_periodic_seconds_ = 0;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_SEARCH_BUDGET_H_
