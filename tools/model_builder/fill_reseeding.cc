// fill_reseeding.cc: ConstantOfShape weight fills to seeded random initializers.
#include "model_builder/fill_reseeding.h"

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "model_builder/onnx_model_builder.h"
#include "model_builder/weight_generator.h"

namespace soma::model_builder {

namespace {

// The elements of an int64 initializer (raw or int64_data).
std::vector<int64_t> Int64Values(const onnx::TensorProto& tensor) {
  std::vector<int64_t> values(tensor.int64_data().begin(), tensor.int64_data().end());
  if (tensor.has_raw_data()) {
    values.resize(tensor.raw_data().size() / sizeof(int64_t));
    std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(int64_t));
  }
  return values;
}

// The fill of a ConstantOfShape node when it is a float; 0 when the attribute is absent.
std::optional<float> FloatFill(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() != "value") continue;
    const onnx::TensorProto& value = attribute.t();
    if (value.data_type() != onnx::TensorProto::FLOAT) return std::nullopt;
    if (value.float_data_size() == 1) return value.float_data(0);
    if (value.raw_data().size() == sizeof(float)) {
      float fill = 0;
      std::memcpy(&fill, value.raw_data().data(), sizeof(float));
      return fill;
    }
    return std::nullopt;
  }
  return 0.0f;
}

}  // namespace

absl::StatusOr<int> ReseedConstantFills(onnx::ModelProto& model, uint32_t seed) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::map<std::string, const onnx::TensorProto*> initializers;
  for (const onnx::TensorProto& tensor : graph.initializer()) {
    initializers[tensor.name()] = &tensor;
  }
  WeightGenerator generator(seed);
  std::vector<onnx::TensorProto> reseeded;
  std::vector<onnx::NodeProto> kept;
  for (const onnx::NodeProto& node : graph.node()) {
    const bool fill = node.op_type() == "ConstantOfShape" &&
                      (node.domain().empty() || node.domain() == "ai.onnx") &&
                      node.input_size() == 1 && node.output_size() == 1;
    const auto shape = fill ? initializers.find(node.input(0)) : initializers.end();
    const std::optional<float> value = fill ? FloatFill(node) : std::nullopt;
    if (shape == initializers.end() || !value.has_value() ||
        shape->second->data_type() != onnx::TensorProto::INT64) {
      kept.push_back(node);
      continue;
    }
    const std::vector<int64_t> dims = Int64Values(*shape->second);
    int64_t count = 1;
    for (const int64_t extent : dims) {
      if (extent < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "node '", node.name(), "' (ConstantOfShape) has a negative extent in its shape"));
      }
      count *= extent;
    }
    // Matrices and kernels (rank >= 2) get zero-mean values, as trained weights have.
    // Vectors (scales, biases, BatchNormalization variances) keep their fill as the mean and
    // their sign, so a variance stays positive.
    const bool matrix = dims.size() >= 2;
    const float amplitude =
        *value == 0.0f ? 0.02f : (matrix ? 2.0f : 0.5f) * std::fabs(*value);
    const float mean = matrix ? 0.0f : *value;
    reseeded.push_back(FloatTensor(node.output(0), dims,
                                   generator.Uniform(count, mean - amplitude, mean + amplitude)));
  }
  graph.clear_node();
  for (onnx::NodeProto& node : kept) *graph.add_node() = std::move(node);
  for (onnx::TensorProto& tensor : reseeded) *graph.add_initializer() = std::move(tensor);
  return static_cast<int>(reseeded.size());
}

}  // namespace soma::model_builder
