// search_random.h: the search's random numbers, drawn from a raw 64-bit engine.
//
// Standard distributions differ between standard libraries, so every draw here is derived
// from the raw output of std::mt19937_64 with fixed arithmetic. The same seed gives the
// same draws on every platform.
#ifndef SOMA_SCHEDULE_SEARCH_SEARCH_RANDOM_H_
#define SOMA_SCHEDULE_SEARCH_SEARCH_RANDOM_H_

#include <cstdint>
#include <random>

#include "absl/types/span.h"

namespace soma::schedule {

class SearchRandom {
 public:
  explicit SearchRandom(uint64_t seed) : engine_(seed) {}

  /// Seed of stream `stream` derived from `seed` (SplitMix64 of both), so that passes and
  /// threads draw from independent streams that depend only on (seed, stream).
  static uint64_t StreamSeed(uint64_t seed, uint64_t stream) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t Next() { return engine_(); }

  /// Draws an integer in [0, count). Requires: count >= 1.
  int64_t Below(int64_t count) {
    return static_cast<int64_t>(
        (static_cast<unsigned __int128>(engine_()) * static_cast<uint64_t>(count)) >> 64);
  }

  /// Draws an integer in [lo, hi]. Requires: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) { return lo + Below(hi - lo + 1); }

  /// Draws an integer in [lo, hi] other than `current`, or returns `current` when the range
  /// contains nothing else. Requires: lo <= hi.
  int64_t BetweenExcept(int64_t lo, int64_t hi, int64_t current) {
    if (current < lo || current > hi) return Between(lo, hi);
    if (lo == hi) return current;
    const int64_t draw = Between(lo, hi - 1);
    return draw >= current ? draw + 1 : draw;
  }

  /// Draws a number in [0, 1) with 53 random bits.
  double Unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Returns true with probability `probability`.
  bool Chance(double probability) { return Unit() < probability; }

  /// Draws index i with probability proportional to weight i, given the running sums of
  /// the weights (`cumulative[i]` = weights 0..i). Requires: a positive last sum.
  int PickCumulative(absl::Span<const double> cumulative) {
    const double target = Unit() * cumulative.back();
    int lo = 0;
    int hi = static_cast<int>(cumulative.size()) - 1;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (cumulative[mid] > target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_SEARCH_RANDOM_H_
