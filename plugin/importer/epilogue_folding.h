// epilogue_folding.h: folds per-channel affine steps and activations into a producer's
// epilogue, or adds a standalone kActivation layer when folding is not allowed.
//
// A layer's epilogue computes `value * channel_scale[k] + channel_bias[k]`, then its
// activations in order. A per-channel affine step (BatchNormalization, a constant bias Add
// or scale Mul) can therefore fold only into a Conv or fully connected layer that has no
// activation yet. An activation can fold into any layer.
#ifndef SOMA_IMPORTER_EPILOGUE_FOLDING_H_
#define SOMA_IMPORTER_EPILOGUE_FOLDING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/lowering_context.h"

namespace soma::importer {

/// A per-channel affine map `value * scale[k] + bias[k]`; an empty vector means 1 or 0.
struct ChannelAffine {
  std::vector<float> scale;
  std::vector<float> bias;
};

/// The layer that a per-channel affine step on `value` may fold into: a Conv or fully
/// connected producer without activations, whose output `value` reads in canonical layout
/// and that no other node reads. Returns nullopt otherwise.
std::optional<graph::LayerId> AffineFoldTarget(LoweringContext& context, const std::string& value);

/// Composes `affine` after the epilogue of layer `layer_id` and records in the context that
/// the node's output 0 is its input `input_name` after the fold. Returns the placement.
NodeOutcome FoldAffine(const NodeScope& scope, LoweringContext& context, graph::LayerId layer_id,
                       const std::string& input_name, const ChannelAffine& affine);

/// Folds `activation` into the producer of input 0 when FoldableProducer allows it, else
/// appends a kActivation layer.
absl::StatusOr<NodeOutcome> FoldOrAddActivation(const NodeScope& scope, LoweringContext& context,
                                                const graph::Activation& activation);

/// Appends a kActivation layer over input 0 that applies `affine` (and nothing else).
absl::StatusOr<NodeOutcome> AddAffineLayer(const NodeScope& scope, LoweringContext& context,
                                           const ChannelAffine& affine);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_EPILOGUE_FOLDING_H_
