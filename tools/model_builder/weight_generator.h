// weight_generator.h: seeded, portable random weights for generated models.
#ifndef SOMA_TOOLS_MODEL_BUILDER_WEIGHT_GENERATOR_H_
#define SOMA_TOOLS_MODEL_BUILDER_WEIGHT_GENERATOR_H_

#include <cstdint>
#include <random>
#include <vector>

namespace soma::model_builder {

/// Draws floats from raw std::mt19937 output (never std::uniform_*_distribution, whose
/// results differ between standard libraries), so a seed gives the same weights everywhere.
class WeightGenerator {
 public:
  explicit WeightGenerator(uint32_t seed) : engine_(seed) {}

  /// One value in [0, 1) from the top 24 bits of one raw draw.
  float NextUnit();
  /// `count` values uniform in [low, high).
  std::vector<float> Uniform(int64_t count, float low, float high);
  /// Convolution or fully connected weights with `count` entries and fan-in `fan_in`:
  /// uniform in ±sqrt(3 / fan_in), which keeps the output variance near the input's.
  std::vector<float> FanInScaled(int64_t count, int64_t fan_in);

 private:
  std::mt19937 engine_;
};

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_WEIGHT_GENERATOR_H_
