// network_builder.cc: shape-tracking node helpers for the benchmark networks.
#include "model_builder/network_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace soma::model_builder {

namespace {

// Output extent of a sliding window (floor mode).
int64_t WindowExtent(int64_t input, int64_t kernel, int64_t stride, int64_t pad) {
  const int64_t span = input + 2 * pad - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

}  // namespace

NetworkBuilder::NetworkBuilder(std::string graph_name, int64_t opset, WeightMode mode,
                               uint32_t seed, int64_t batch)
    : builder_(std::move(graph_name), opset), weights_(seed), mode_(mode), batch_(batch) {}

void NetworkBuilder::SetShape(const std::string& node, const std::string& value,
                              const FeatureShape& shape) {
  if (first_error_.ok() && (shape.channels < 1 || shape.height < 1 || shape.width < 1)) {
    first_error_ = absl::InvalidArgumentError(absl::StrCat(
        "node '", node, "': output shape [", shape.channels, ", ", shape.height, ", ",
        shape.width, "] has an empty extent; the input image is too small for this network, "
        "use a larger --input-size"));
  }
  FeatureShape stored = shape;
  stored.channels = std::max<int64_t>(stored.channels, 1);
  stored.height = std::max<int64_t>(stored.height, 1);
  stored.width = std::max<int64_t>(stored.width, 1);
  shapes_[value] = stored;
}

const FeatureShape& NetworkBuilder::ShapeOf(const std::string& value) const {
  return shapes_.at(value);
}

std::vector<Dim> NetworkBuilder::OutputDims(const FeatureShape& shape) const {
  return {batch_, shape.channels, shape.height, shape.width};
}

void NetworkBuilder::AddParameter(const std::string& name, const std::vector<int64_t>& dims,
                                  float low, float high, float fill) {
  int64_t count = 1;
  for (int64_t extent : dims) count *= extent;
  parameter_count_ += count;
  if (mode_ == WeightMode::kRandom) {
    builder_.AddInitializer(name, dims, weights_.Uniform(count, low, high));
    return;
  }
  const std::string shape_name = name + "_shape";
  builder_.AddInt64Initializer(shape_name, {static_cast<int64_t>(dims.size())}, dims);
  builder_.AddNode("ConstantOfShape", {shape_name}, {name}, name + "_fill")
      .Tensor("value", FloatTensor("", {1}, {fill}));
}

void NetworkBuilder::AddWeight(const std::string& name, const std::vector<int64_t>& dims,
                               int64_t fan_in) {
  int64_t count = 1;
  for (int64_t extent : dims) count *= extent;
  parameter_count_ += count;
  if (mode_ == WeightMode::kRandom) {
    builder_.AddInitializer(name, dims, weights_.FanInScaled(count, fan_in));
    return;
  }
  const std::string shape_name = name + "_shape";
  builder_.AddInt64Initializer(shape_name, {static_cast<int64_t>(dims.size())}, dims);
  builder_.AddNode("ConstantOfShape", {shape_name}, {name}, name + "_fill")
      .Tensor("value", FloatTensor("", {1}, {1.0f / static_cast<float>(fan_in)}));
}

std::string NetworkBuilder::Input(const std::string& name, const FeatureShape& shape) {
  builder_.AddInput(name, OutputDims(shape));
  SetShape(name, name, shape);
  return name;
}

std::string NetworkBuilder::Conv(const std::string& name, const std::string& input,
                                 const Conv2dSpec& spec) {
  const FeatureShape& in = ShapeOf(input);
  const int64_t in_per_group = in.channels / spec.groups;
  const int64_t fan_in = in_per_group * spec.kernel_h * spec.kernel_w;
  const std::string weight = name + "_w";
  AddWeight(weight, {spec.out_channels, in_per_group, spec.kernel_h, spec.kernel_w}, fan_in);
  std::vector<std::string> inputs = {input, weight};
  if (spec.bias) {
    const std::string bias = name + "_b";
    AddParameter(bias, {spec.out_channels}, -0.1f, 0.1f, 0.0f);
    inputs.push_back(bias);
  }
  const std::string output = name + "_out";
  NodeAttributeWriter node = builder_.AddNode("Conv", inputs, {output}, name);
  node.Ints("kernel_shape", {spec.kernel_h, spec.kernel_w});
  node.Ints("strides", {spec.stride, spec.stride});
  node.Ints("pads", {spec.pad_h, spec.pad_w, spec.pad_h, spec.pad_w});
  if (spec.groups != 1) node.Int("group", spec.groups);

  const FeatureShape out{spec.out_channels,
                         WindowExtent(in.height, spec.kernel_h, spec.stride, spec.pad_h),
                         WindowExtent(in.width, spec.kernel_w, spec.stride, spec.pad_w)};
  SetShape(name, output, out);
  mac_count_ += batch_ * out.channels * out.height * out.width * fan_in;
  return output;
}

std::string NetworkBuilder::BatchNorm(const std::string& name, const std::string& input) {
  const int64_t channels = ShapeOf(input).channels;
  const char* suffixes[] = {"_gamma", "_beta", "_mean", "_var"};
  const float lows[] = {0.5f, -0.1f, -0.1f, 0.5f};
  const float highs[] = {1.5f, 0.1f, 0.1f, 1.5f};
  const float fills[] = {1.0f, 0.0f, 0.0f, 1.0f};
  std::vector<std::string> inputs = {input};
  for (int index = 0; index < 4; ++index) {
    const std::string parameter = name + suffixes[index];
    AddParameter(parameter, {channels}, lows[index], highs[index], fills[index]);
    inputs.push_back(parameter);
  }
  const std::string output = name + "_out";
  builder_.AddNode("BatchNormalization", inputs, {output}, name).Float("epsilon", 1e-5f);
  SetShape(name, output, ShapeOf(input));
  return output;
}

std::string NetworkBuilder::Relu(const std::string& name, const std::string& input) {
  const std::string output = name + "_out";
  builder_.AddNode("Relu", {input}, {output}, name);
  SetShape(name, output, ShapeOf(input));
  return output;
}

std::string NetworkBuilder::MaxPool(const std::string& name, const std::string& input,
                                    int64_t kernel, int64_t stride, int64_t pad) {
  const FeatureShape in = ShapeOf(input);
  const std::string output = name + "_out";
  builder_.AddNode("MaxPool", {input}, {output}, name)
      .Ints("kernel_shape", {kernel, kernel})
      .Ints("strides", {stride, stride})
      .Ints("pads", {pad, pad, pad, pad});
  SetShape(name, output,
           {in.channels, WindowExtent(in.height, kernel, stride, pad),
            WindowExtent(in.width, kernel, stride, pad)});
  return output;
}

std::string NetworkBuilder::AveragePool(const std::string& name, const std::string& input,
                                        int64_t kernel, int64_t stride, int64_t pad) {
  const FeatureShape in = ShapeOf(input);
  const std::string output = name + "_out";
  builder_.AddNode("AveragePool", {input}, {output}, name)
      .Ints("kernel_shape", {kernel, kernel})
      .Ints("strides", {stride, stride})
      .Ints("pads", {pad, pad, pad, pad});
  SetShape(name, output,
           {in.channels, WindowExtent(in.height, kernel, stride, pad),
            WindowExtent(in.width, kernel, stride, pad)});
  return output;
}

std::string NetworkBuilder::GlobalAveragePool(const std::string& name, const std::string& input) {
  const std::string output = name + "_out";
  builder_.AddNode("GlobalAveragePool", {input}, {output}, name);
  SetShape(name, output, {ShapeOf(input).channels, 1, 1});
  return output;
}

std::string NetworkBuilder::Add(const std::string& name, const std::vector<std::string>& inputs) {
  const std::string output = name + "_out";
  builder_.AddNode(inputs.size() == 2 ? "Add" : "Sum", inputs, {output}, name);
  SetShape(name, output, ShapeOf(inputs.front()));
  return output;
}

std::string NetworkBuilder::Concat(const std::string& name,
                                   const std::vector<std::string>& inputs) {
  FeatureShape out = ShapeOf(inputs.front());
  out.channels = 0;
  for (const std::string& input : inputs) out.channels += ShapeOf(input).channels;
  const std::string output = name + "_out";
  builder_.AddNode("Concat", inputs, {output}, name).Int("axis", 1);
  SetShape(name, output, out);
  return output;
}

std::string NetworkBuilder::Scale(const std::string& name, const std::string& input,
                                  float factor) {
  const std::string factor_name = name + "_scale";
  builder_.AddInitializer(factor_name, {1}, {factor});
  const std::string output = name + "_out";
  builder_.AddNode("Mul", {input, factor_name}, {output}, name);
  SetShape(name, output, ShapeOf(input));
  return output;
}

std::string NetworkBuilder::FlattenGemm(const std::string& name, const std::string& input,
                                        int64_t out_features) {
  const FeatureShape in = ShapeOf(input);
  const int64_t in_features = in.channels * in.height * in.width;
  const std::string flat = name + "_flatten_out";
  builder_.AddNode("Flatten", {input}, {flat}, name + "_flatten").Int("axis", 1);
  const std::string weight = name + "_w";
  const std::string bias = name + "_b";
  AddWeight(weight, {out_features, in_features}, in_features);
  AddParameter(bias, {out_features}, -0.1f, 0.1f, 0.0f);
  const std::string output = name + "_out";
  builder_.AddNode("Gemm", {flat, weight, bias}, {output}, name).Int("transB", 1);
  SetShape(name, output, {out_features, 1, 1});
  flat_values_.push_back(output);
  mac_count_ += batch_ * in_features * out_features;
  return output;
}

void NetworkBuilder::Output(const std::string& value) {
  const FeatureShape& shape = ShapeOf(value);
  bool is_flat = false;
  for (const std::string& flat : flat_values_) is_flat = is_flat || flat == value;
  if (is_flat) {
    builder_.AddOutput(value, {batch_, shape.channels});
  } else {
    builder_.AddOutput(value, OutputDims(shape));
  }
}

absl::StatusOr<BuiltModel> NetworkBuilder::Finish() const {
  if (!first_error_.ok()) return first_error_;
  BuiltModel built;
  built.model = builder_.Build();
  built.mac_count = mac_count_;
  built.parameter_count = parameter_count_;
  return built;
}

}  // namespace soma::model_builder
