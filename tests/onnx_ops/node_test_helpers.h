// node_test_helpers.h: builders for single-node tests of the reference interpreter (the
// elementwise, reduction, quantization and tensor conversion tests).
#ifndef SOMA_TESTS_ONNX_OPS_NODE_TEST_HELPERS_H_
#define SOMA_TESTS_ONNX_OPS_NODE_TEST_HELPERS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::onnx_ops::testing {

/// Builds a tensor of `elem_type` (FLOAT by default).
inline HostTensor Tensor(std::vector<int64_t> dims, std::vector<double> values,
                         int32_t elem_type = onnx::TensorProto::FLOAT) {
  HostTensor tensor;
  tensor.elem_type = elem_type;
  tensor.dims = std::move(dims);
  tensor.values = std::move(values);
  return tensor;
}

/// Builds a 1-D tensor of `elem_type`.
inline HostTensor Vector(std::vector<double> values, int32_t elem_type = onnx::TensorProto::FLOAT) {
  const auto count = static_cast<int64_t>(values.size());
  return Tensor({count}, std::move(values), elem_type);
}

/// Builds a scalar (rank 0) tensor of `elem_type`.
inline HostTensor Scalar(double value, int32_t elem_type = onnx::TensorProto::FLOAT) {
  return Tensor({}, {value}, elem_type);
}

/// Builds a node named "n" of `op_type` with inputs in0.. and outputs out0...
inline onnx::NodeProto Node(const std::string& op_type, int input_count, int output_count = 1) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name("n");
  for (int i = 0; i < input_count; ++i) node.add_input("in" + std::to_string(i));
  for (int i = 0; i < output_count; ++i) node.add_output("out" + std::to_string(i));
  return node;
}

inline void SetInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

inline void SetFloat(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::FLOAT);
  attribute->set_f(value);
}

inline void SetInts(onnx::NodeProto& node, const std::string& name, std::vector<int64_t> ints) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (const int64_t value : ints) attribute->add_ints(value);
}

inline void SetString(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRING);
  attribute->set_s(value);
}

/// Runs `node` and expects success; returns no outputs on failure.
inline std::vector<HostTensor> RunAll(const onnx::NodeProto& node, int64_t opset,
                                      std::vector<const HostTensor*> inputs) {
  absl::StatusOr<std::vector<HostTensor>> outputs = RunNode(node, opset, inputs);
  EXPECT_TRUE(outputs.ok()) << outputs.status();
  return outputs.ok() ? *std::move(outputs) : std::vector<HostTensor>();
}

/// Runs `node` and returns its first output (an empty FLOAT tensor on failure).
inline HostTensor RunOne(const onnx::NodeProto& node, int64_t opset,
                         std::vector<const HostTensor*> inputs) {
  std::vector<HostTensor> outputs = RunAll(node, opset, std::move(inputs));
  return outputs.empty() ? HostTensor() : outputs[0];
}

}  // namespace soma::onnx_ops::testing

#endif  // SOMA_TESTS_ONNX_OPS_NODE_TEST_HELPERS_H_
