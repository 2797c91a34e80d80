// model_parts.cc: seeded Conv, BatchNormalization and unary nodes.
#include "model_builder/model_parts.h"

namespace soma::model_builder {

std::string ModelParts::Conv(const std::string& name, const std::string& input,
                             const ConvSpec& spec) {
  const int64_t in_per_group = spec.in_channels / spec.groups;
  const int64_t fan_in = in_per_group * spec.kernel * spec.kernel;
  const std::string weight = name + "_w";
  builder_.AddInitializer(weight, {spec.out_channels, in_per_group, spec.kernel, spec.kernel},
                          weights_.FanInScaled(spec.out_channels * fan_in, fan_in));
  std::vector<std::string> inputs = {input, weight};
  if (spec.bias) {
    const std::string bias = name + "_b";
    builder_.AddInitializer(bias, {spec.out_channels},
                            weights_.Uniform(spec.out_channels, -0.1f, 0.1f));
    inputs.push_back(bias);
  }
  const std::string output = name + "_out";
  NodeAttributeWriter node = builder_.AddNode("Conv", inputs, {output}, name);
  node.Ints("kernel_shape", {spec.kernel, spec.kernel});
  node.Ints("strides", {spec.stride, spec.stride});
  if (spec.dilation != 1) node.Ints("dilations", {spec.dilation, spec.dilation});
  if (spec.groups != 1) node.Int("group", spec.groups);
  if (spec.auto_pad == "NOTSET") {
    node.Ints("pads", {spec.pad, spec.pad, spec.pad, spec.pad});
  } else {
    node.String("auto_pad", spec.auto_pad);
  }
  return output;
}

std::string ModelParts::BatchNorm(const std::string& name, const std::string& input,
                                  int64_t channels) {
  const char* suffixes[] = {"_gamma", "_beta", "_mean", "_var"};
  const float lows[] = {0.5f, -0.1f, -0.1f, 0.5f};
  const float highs[] = {1.5f, 0.1f, 0.1f, 1.5f};
  std::vector<std::string> inputs = {input};
  for (int index = 0; index < 4; ++index) {
    const std::string parameter = name + suffixes[index];
    builder_.AddInitializer(parameter, {channels},
                            weights_.Uniform(channels, lows[index], highs[index]));
    inputs.push_back(parameter);
  }
  const std::string output = name + "_out";
  builder_.AddNode("BatchNormalization", inputs, {output}, name).Float("epsilon", 1e-3f);
  return output;
}

std::string ModelParts::Unary(const std::string& op_type, const std::string& name,
                              const std::string& input) {
  const std::string output = name + "_out";
  builder_.AddNode(op_type, {input}, {output}, name);
  return output;
}

}  // namespace soma::model_builder
