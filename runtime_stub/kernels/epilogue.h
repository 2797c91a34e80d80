// epilogue.h: the per-channel epilogue (scale, bias, activations) every kernel ends with.
//
// Internal to soma_kernels.
#ifndef SOMA_KERNELS_EPILOGUE_H_
#define SOMA_KERNELS_EPILOGUE_H_

#include <cstdint>

#include "absl/types/span.h"
#include "graph/layer.h"

namespace soma::kernels {

/// The epilogue of one output channel, resolved once so that applying it per element costs
/// no lookups.
class ChannelEpilogue {
 public:
  /// Requires: `channel_scale` and `channel_bias` of `layer` are empty or longer than
  /// `channel` (CheckKernelCall enforces this).
  ChannelEpilogue(const graph::Layer& layer, int64_t channel);

  /// Returns `value * scale + bias` (each when present, in double) rounded to float, then
  /// passed through the layer's activations in order.
  float Apply(double value) const;

 private:
  double scale_ = 1.0;
  double bias_ = 0.0;
  bool has_scale_ = false;
  bool has_bias_ = false;
  absl::Span<const graph::Activation> activations_;
};

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_EPILOGUE_H_
