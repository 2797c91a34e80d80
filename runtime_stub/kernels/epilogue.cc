// epilogue.cc: channel scale, channel bias and the activation chain.
#include "kernels/epilogue.h"

namespace soma::kernels {

ChannelEpilogue::ChannelEpilogue(const graph::Layer& layer, int64_t channel)
    : activations_(layer.activations) {
  if (!layer.channel_scale.empty()) {
    has_scale_ = true;
    scale_ = layer.channel_scale[channel];
  }
  if (!layer.channel_bias.empty()) {
    has_bias_ = true;
    bias_ = layer.channel_bias[channel];
  }
}

float ChannelEpilogue::Apply(double value) const {
  if (has_scale_) value *= scale_;
  if (has_bias_) value += bias_;
  float result = static_cast<float>(value);
  for (const graph::Activation& activation : activations_) {
    result = graph::ApplyActivation(activation, result);
  }
  return result;
}

}  // namespace soma::kernels
