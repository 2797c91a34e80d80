// layer_tiling_rules.cc: the tilings each layer kind allows.
#include "schedule/layer_tiling_rules.h"

namespace soma::schedule {

bool SupportsPartialSums(const graph::Layer& layer) {
  if (layer.kind == graph::LayerKind::kFullyConnected) return true;
  return layer.kind == graph::LayerKind::kConv && layer.Params<graph::ConvParams>().groups == 1;
}

bool SupportsChannelSplits(const graph::Layer& layer) {
  if (layer.kind == graph::LayerKind::kTensorOp) {
    return layer.Params<graph::TensorOpParams>().parallel_dims >= 2;
  }
  return layer.kind != graph::LayerKind::kConcat && layer.kind != graph::LayerKind::kMatMul;
}

bool RequiresSingleTile(const graph::Layer& layer) {
  if (layer.kind != graph::LayerKind::kTensorOp) return false;
  const auto& params = layer.Params<graph::TensorOpParams>();
  return params.parallel_dims == 0 && !params.axis0_sliced;
}

}  // namespace soma::schedule
