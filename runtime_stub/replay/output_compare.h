// output_compare.h: network outputs against their expected values, with a relative error.
#ifndef SOMA_REPLAY_OUTPUT_COMPARE_H_
#define SOMA_REPLAY_OUTPUT_COMPARE_H_

#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace soma::replay {

struct OutputComparison {
  std::string name;
  int64_t element_count = 0;
  /// max|actual - expected| / max(max|expected|, 1e-30); infinite when exactly one of a pair
  /// is NaN or infinite.
  double error = 0;
  /// Flat NCHW index of the element with the largest difference, and its two values.
  int64_t worst_index = 0;
  float actual = 0;
  float expected = 0;
  bool passed = true;
};

/// Compares `actual` with `expected` element by element. Two NaNs, or two equal
/// infinities, count as equal. Requires: both spans have the same size.
OutputComparison CompareOutput(const std::string& name, absl::Span<const float> actual,
                               absl::Span<const float> expected, double tolerance);

}  // namespace soma::replay

#endif  // SOMA_REPLAY_OUTPUT_COMPARE_H_
