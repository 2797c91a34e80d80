// output_compare.cc: network outputs against their expected values, with a relative error.
#include "replay/output_compare.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace soma::replay {

namespace {

/// |a - b|, with matching NaNs and matching infinities at distance 0 and any other
/// non-finite pair infinitely far apart.
double Distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) {
    return std::isnan(a) && std::isnan(b) ? 0.0 : std::numeric_limits<double>::infinity();
  }
  if (std::isinf(a) || std::isinf(b)) {
    return a == b ? 0.0 : std::numeric_limits<double>::infinity();
  }
  return std::fabs(static_cast<double>(a) - static_cast<double>(b));
}

}  // namespace

OutputComparison CompareOutput(const std::string& name, absl::Span<const float> actual,
                               absl::Span<const float> expected, double tolerance) {
  // Keeps the error finite for an all-zero expected output.
  constexpr double kMinScale = 1e-30;
  OutputComparison comparison;
  comparison.name = name;
  comparison.element_count = static_cast<int64_t>(expected.size());
  double scale = kMinScale;
  for (float value : expected) {
    if (std::isfinite(value)) scale = std::max(scale, std::fabs(static_cast<double>(value)));
  }
  double worst_distance = -1;
  for (size_t index = 0; index < expected.size(); ++index) {
    const double distance = Distance(actual[index], expected[index]);
    if (distance > worst_distance) {
      worst_distance = distance;
      comparison.worst_index = static_cast<int64_t>(index);
    }
  }
  if (!expected.empty()) {
    comparison.actual = actual[comparison.worst_index];
    comparison.expected = expected[comparison.worst_index];
    comparison.error = worst_distance / scale;
  }
  comparison.passed = comparison.error <= tolerance;
  return comparison;
}

}  // namespace soma::replay
