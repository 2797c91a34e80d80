// patterns.h: multi-node ONNX patterns that lower as one unit: the decomposed layer
// normalization and the Erf and Tanh forms of GELU.
#ifndef SOMA_IMPORTER_PATTERNS_H_
#define SOMA_IMPORTER_PATTERNS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/lowering_context.h"
#include "importer/op_lowering.h"

namespace soma::importer {

enum class FusedPatternKind {
  /// ReduceMean, Sub, Pow(2), ReduceMean, Add(eps), Sqrt, Div, optional Mul(gamma) and
  /// Add(beta), over the last axis.
  kLayerNormalization,
  /// x * 0.5 * (1 + Erf(x / sqrt(2))), the factors in any order and grouping.
  kGelu,
  /// x * 0.5 * (1 + Tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
  kGeluTanh,
};

/// One occurrence of a pattern in the ONNX graph.
struct FusedPattern {
  FusedPatternKind kind = FusedPatternKind::kGelu;
  /// Member node indices in a topological order; the last one produces `output`.
  std::vector<int> nodes;
  int last_node = -1;
  /// The pattern's activation input and output values.
  std::string input;
  std::string output;
  /// Values read from outside the pattern (the input, gamma, beta).
  std::vector<std::string> external_inputs;
  /// Reads of `input` by member nodes.
  int input_reads = 0;
  // Layer normalization only: gamma and beta (empty when absent), epsilon and the
  // ReduceMean nodes whose axes must be the last axis.
  std::string scale;
  std::string bias;
  float epsilon = 0.0f;
  std::vector<int> reduce_nodes;
};

/// Finds every pattern occurrence whose intermediate values no other node reads and that
/// are no graph outputs. Patterns do not overlap. Needs the initializers in `context`.
std::vector<FusedPattern> FindFusedPatterns(const LoweringContext& context);

/// Lowers `pattern` when its last node is reached: one kTensorOp LayerNormalization, or a
/// GELU activation folded into the input's producer or a kActivation layer. When the shapes
/// do not fit the pattern (axes other than the last), lowers the members one by one with
/// `lower_node`. Returns one outcome per member, in `pattern.nodes` order.
absl::StatusOr<std::vector<NodeOutcome>> LowerFusedPattern(const FusedPattern& pattern,
                                                           LoweringContext& context,
                                                           LoweringFunction lower_node);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_PATTERNS_H_
