// weight_generator.cc: raw-draw uniform floats.
#include "model_builder/weight_generator.h"

#include <cmath>

namespace soma::model_builder {

float WeightGenerator::NextUnit() {
  constexpr float kTwoToMinus24 = 1.0f / 16777216.0f;
  return static_cast<float>(engine_() >> 8) * kTwoToMinus24;
}

std::vector<float> WeightGenerator::Uniform(int64_t count, float low, float high) {
  std::vector<float> values(count);
  for (float& value : values) value = low + (high - low) * NextUnit();
  return values;
}

std::vector<float> WeightGenerator::FanInScaled(int64_t count, int64_t fan_in) {
  const float bound = std::sqrt(3.0f / static_cast<float>(fan_in));
  return Uniform(count, -bound, bound);
}

}  // namespace soma::model_builder
