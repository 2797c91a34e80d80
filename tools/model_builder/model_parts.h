// model_parts.h: building blocks (convolutions, batch norms, fully connected layers) with
// seeded weights, shared by the generated models.
#ifndef SOMA_TOOLS_MODEL_BUILDER_MODEL_PARTS_H_
#define SOMA_TOOLS_MODEL_BUILDER_MODEL_PARTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model_builder/onnx_model_builder.h"
#include "model_builder/weight_generator.h"

namespace soma::model_builder {

struct ConvSpec {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t kernel = 3;
  int64_t stride = 1;
  /// Explicit symmetric padding; ignored when `auto_pad` is set.
  int64_t pad = 1;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  /// NOTSET (explicit pads), SAME_UPPER, SAME_LOWER or VALID.
  std::string auto_pad = "NOTSET";
};

/// Adds nodes whose weights come from one seeded generator, named after the node.
class ModelParts {
 public:
  ModelParts(OnnxModelBuilder& builder, WeightGenerator& weights)
      : builder_(builder), weights_(weights) {}

  /// A Conv node `name` reading `input`; its weight is `name`_w (and bias `name`_b).
  /// Returns the output value name (`name`_out).
  std::string Conv(const std::string& name, const std::string& input, const ConvSpec& spec);
  /// A BatchNormalization node over `channels` with seeded gamma, beta, mean and variance.
  std::string BatchNorm(const std::string& name, const std::string& input, int64_t channels);
  /// A node with one input and one output and no attributes (Relu, Sigmoid, ...).
  std::string Unary(const std::string& op_type, const std::string& name,
                    const std::string& input);

  OnnxModelBuilder& builder() { return builder_; }
  WeightGenerator& weights() { return weights_; }

 private:
  OnnxModelBuilder& builder_;
  WeightGenerator& weights_;
};

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_MODEL_PARTS_H_
