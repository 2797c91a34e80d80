// annealer.h: the temperature schedule and acceptance rule of the SoMa search.
//
// Both stages use the schedule of SET and SoMa: T(x) = 0.1 (1 - x) / (1 + 8 x) with x the
// fraction of rounds done, so T is 0.1 at the start, 0.01 half-way and 0 at the end. A
// better candidate is always accepted, and a worse one with probability exp(-gap / T).
// The gap is the cost increase relative to a reference: the current cost in Stage 1, and
// the distance of the current cost to a lower bound in Stage 2.
#ifndef SOMA_SCHEDULE_SEARCH_ANNEALER_H_
#define SOMA_SCHEDULE_SEARCH_ANNEALER_H_

#include <cmath>
#include <cstdint>

#include "schedule/search/search_random.h"

namespace soma::schedule {

/// Fraction of the rounds after which the search state returns to the best state found.
inline constexpr double kResetToBestFraction = 0.9;

/// T(x) of the SET and SoMa schedule for the fraction `done` of the budget spent.
inline double AnnealingTemperature(double done) {
  const double x = done < 0 ? 0 : (done > 1 ? 1 : done);
  return 0.1 * (1.0 - x) / (1.0 + 8.0 * x);
}

/// T(round / rounds).
inline double AnnealingTemperature(int64_t round, int64_t rounds) {
  return AnnealingTemperature(rounds > 0 ? static_cast<double>(round) / static_cast<double>(rounds)
                                         : 1.0);
}

/// Decides whether to accept a candidate whose cost is worse by `relative_gap` (> 0) at
/// `temperature`. Draws a random number only when the outcome is not certain.
inline bool AcceptWorse(double relative_gap, double temperature, SearchRandom& random) {
  if (temperature <= 0 || !(relative_gap < 1e300)) return false;
  const double probability = std::exp(-relative_gap / temperature);
  if (probability <= 0) return false;
  return random.Chance(probability);
}

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_ANNEALER_H_
