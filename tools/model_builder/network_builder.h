// network_builder.h: builds CNN graphs node by node while tracking every feature map's
// shape and the multiply-accumulate count, with weights either seeded or omitted.
//
// The benchmark networks (ResNet, Inception-ResNet-v1, RandWire) are written with it. A
// weight is a seeded initializer (WeightMode::kRandom) or a ConstantOfShape node with one
// fill value (WeightMode::kOmitted), which keeps files small and which the importer keeps
// as a fill instead of expanding it.
#ifndef SOMA_TOOLS_MODEL_BUILDER_NETWORK_BUILDER_H_
#define SOMA_TOOLS_MODEL_BUILDER_NETWORK_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model_builder/onnx_model_builder.h"
#include "model_builder/weight_generator.h"
#include "onnx/onnx_pb.h"

namespace soma::model_builder {

/// Storage of the weights in a generated model.
enum class WeightMode {
  /// Seeded random initializers (FanInScaled convolution and Gemm weights).
  kRandom,
  /// ConstantOfShape nodes: a convolution or Gemm weight is filled with 1/fan_in, biases and
  /// BatchNormalization shifts and means with 0, scales and variances with 1.
  kOmitted,
};

/// Channels, height and width of one image's feature map (the batch is the model's).
struct FeatureShape {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
};

/// A 2-D convolution: kernel, stride and symmetric zero padding per axis.
struct Conv2dSpec {
  int64_t out_channels = 1;
  int64_t kernel_h = 1;
  int64_t kernel_w = 1;
  int64_t stride = 1;
  int64_t pad_h = 0;
  int64_t pad_w = 0;
  int64_t groups = 1;
  bool bias = false;
};

/// A generated model with the counts taken while it was built.
struct BuiltModel {
  onnx::ModelProto model;
  /// Multiply-accumulates of every Conv, Gemm and MatMul, over the whole batch.
  int64_t mac_count = 0;
  /// Weight, bias and BatchNormalization parameter elements.
  int64_t parameter_count = 0;
};

/// Adds ONNX nodes for a batch of NCHW images and records each output's shape. Node and
/// value names come from the caller; a node `name` writes the value `name`_out.
///
/// A layer whose output would be empty (an input size too small for the network) records
/// an InvalidArgument naming the node; Finish returns the first such error.
class NetworkBuilder {
 public:
  /// `opset` is the ai.onnx opset of the model.
  NetworkBuilder(std::string graph_name, int64_t opset, WeightMode mode, uint32_t seed,
                 int64_t batch);

  /// Declares the float graph input `name` of shape [batch, C, H, W].
  std::string Input(const std::string& name, const FeatureShape& shape);
  /// A Conv node with a weight `name`_w (and bias `name`_b when `spec.bias`).
  std::string Conv(const std::string& name, const std::string& input, const Conv2dSpec& spec);
  /// A BatchNormalization node with epsilon 1e-5.
  std::string BatchNorm(const std::string& name, const std::string& input);
  std::string Relu(const std::string& name, const std::string& input);
  /// MaxPool with a square window, stride and symmetric padding.
  std::string MaxPool(const std::string& name, const std::string& input, int64_t kernel,
                      int64_t stride, int64_t pad);
  /// AveragePool with a square window, stride and symmetric padding; padded positions do
  /// not count in the divisor.
  std::string AveragePool(const std::string& name, const std::string& input, int64_t kernel,
                          int64_t stride, int64_t pad);
  std::string GlobalAveragePool(const std::string& name, const std::string& input);
  /// Add of two maps of one shape, or Sum of three or more.
  std::string Add(const std::string& name, const std::vector<std::string>& inputs);
  /// Concat along channels of maps with equal height and width.
  std::string Concat(const std::string& name, const std::vector<std::string>& inputs);
  /// Mul by the scalar constant `name`_scale holding `factor`.
  std::string Scale(const std::string& name, const std::string& input, float factor);
  /// Flatten to [batch, C*H*W] followed by a Gemm with `out_features` outputs, a weight
  /// `name`_w of shape [out_features, C*H*W] (transB) and a bias `name`_b.
  std::string FlattenGemm(const std::string& name, const std::string& input,
                          int64_t out_features);
  /// Declares `value` as a float graph output.
  void Output(const std::string& value);

  /// Shape of one image's feature map `value`. Requires: `value` was produced by this builder.
  const FeatureShape& ShapeOf(const std::string& value) const;
  int64_t mac_count() const { return mac_count_; }

  /// The model and its counts, or the first shape error.
  absl::StatusOr<BuiltModel> Finish() const;

 private:
  // Adds a float constant `name` of `dims`: random values in [low, high) in kRandom mode,
  // a ConstantOfShape filled with `fill` in kOmitted mode.
  void AddParameter(const std::string& name, const std::vector<int64_t>& dims, float low,
                    float high, float fill);
  // Adds a convolution or Gemm weight of `dims` whose outputs each sum `fan_in` products.
  void AddWeight(const std::string& name, const std::vector<int64_t>& dims, int64_t fan_in);
  // Records `shape` for `value`, or an error naming `node` when an extent is below 1.
  void SetShape(const std::string& node, const std::string& value, const FeatureShape& shape);
  std::vector<Dim> OutputDims(const FeatureShape& shape) const;

  OnnxModelBuilder builder_;
  WeightGenerator weights_;
  WeightMode mode_;
  int64_t batch_;
  std::map<std::string, FeatureShape> shapes_;
  // Values of rank 2 ([batch, features]), declared as such when they are graph outputs.
  std::vector<std::string> flat_values_;
  int64_t mac_count_ = 0;
  int64_t parameter_count_ = 0;
  absl::Status first_error_;
};

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_NETWORK_BUILDER_H_
