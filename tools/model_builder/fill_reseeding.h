// fill_reseeding.h: replaces the constant fills of a model's weights with seeded random
// values.
//
// "Light" model files store every weight as a ConstantOfShape fill (all elements equal),
// which keeps them small but makes the networks numerically degenerate: a LayerNormalization
// over equal features divides rounding noise by sqrt(epsilon), so two correct
// implementations disagree. Reseeding the fills gives the same network with weights whose
// results do not depend on summation order, for checking a compiler against a reference.
#ifndef SOMA_TOOLS_MODEL_BUILDER_FILL_RESEEDING_H_
#define SOMA_TOOLS_MODEL_BUILDER_FILL_RESEEDING_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace soma::model_builder {

/// Replaces every top-level ConstantOfShape node with a float fill `v` and a constant shape
/// (an int64 initializer) by an initializer of that shape with values uniform in
/// [m - a, m + a): m = 0 and a = 2|v| for shapes of rank 2 or more (weight matrices and
/// kernels), m = v and a = |v| / 2 otherwise (scales, biases, variances keep their sign),
/// a = 0.02 when v is 0, drawn from std::mt19937
/// seeded with `seed` in node order. Returns how many fills were replaced. Other nodes are
/// left alone.
absl::StatusOr<int> ReseedConstantFills(onnx::ModelProto& model, uint32_t seed);

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_FILL_RESEEDING_H_
