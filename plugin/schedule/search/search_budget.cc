// search_budget.cc: round budgets, deadlines and the progress cadence.
#include "schedule/search/search_budget.h"

#include <algorithm>
#include <cmath>

namespace soma::schedule {

int64_t Stage1RoundBudget(int layer_count, int64_t batch) {
  const double rounds =
      100.0 * layer_count * std::sqrt(static_cast<double>(std::max<int64_t>(1, batch)));
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(rounds)));
}

int64_t Stage2RoundBudget(int transfer_count, int64_t model_size) {
  const int64_t by_work = kStage2WorkBudget / std::max<int64_t>(1, model_size);
  return std::clamp<int64_t>(std::min(int64_t{1000} * transfer_count, by_work), 1,
                             kMaxStage2Rounds);
}

Deadline Deadline::After(double seconds) {
  Deadline deadline;
  deadline.at_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(std::max(0.0, seconds)));
  return deadline;
}

Deadline Deadline::Fraction(double fraction) const {
  if (!at_) return *this;
  const Clock::time_point now = Clock::now();
  if (*at_ <= now) return *this;
  Deadline deadline;
  deadline.at_ = now + std::chrono::duration_cast<Clock::duration>((*at_ - now) * fraction);
  return deadline;
}

std::optional<double> Deadline::SecondsLeft() const {
  if (!at_) return std::nullopt;
  return std::max(0.0, std::chrono::duration<double>(*at_ - Clock::now()).count());
}

void ProgressReporter::Periodic(const std::function<std::string()>& make_line) {
  if (!progress_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const double now = stopwatch_.Seconds();
  if (now - last_periodic_seconds_ < interval_seconds_) return;
  last_periodic_seconds_ = now;
  progress_(make_line());
}

void ProgressReporter::Always(const std::string& line) {
  if (!progress_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  progress_(line);
}

}  // namespace soma::schedule
