// recurrent_ops_test.cc: LSTM, GRU and RNN against hand-derived one-unit cases and a
// bidirectional LSTM model of the corpus.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/onnx_ops.h"
#include "util/test_paths.h"

namespace soma::onnx_ops {
namespace {

using ::testing::HasSubstr;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

HostTensor Float(std::vector<int64_t> dims, std::vector<double> values) {
  return HostTensor{1, std::move(dims), std::move(values)};
}

onnx::NodeProto RecurrentNode(const std::string& op_type, int input_count, int output_count) {
  onnx::NodeProto node;
  node.set_name("cell");
  node.set_op_type(op_type);
  for (int i = 0; i < input_count; ++i) node.add_input("in" + std::to_string(i));
  for (int i = 0; i < output_count; ++i) node.add_output("out" + std::to_string(i));
  return node;
}

void SetInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

void SetFloat(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::FLOAT);
  attribute->set_f(value);
}

void SetString(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRING);
  attribute->set_s(value);
}

std::vector<HostTensor> RunOk(const onnx::NodeProto& node,
                            const std::vector<const HostTensor*>& inputs, int64_t opset = 14) {
  absl::StatusOr<std::vector<HostTensor>> outputs = RunNode(node, opset, inputs);
  EXPECT_TRUE(outputs.ok()) << outputs.status();
  return outputs.ok() ? *outputs : std::vector<HostTensor>();
}

TEST(RecurrentOpsTest, RnnStepAddsBothBiases) {
  // One RNN step: h = tanh(W x + R h0 + Wb + Rb).
  const onnx::NodeProto node = RecurrentNode("RNN", 6, 2);
  const HostTensor x = Float({1, 1, 1}, {1.0});
  const HostTensor w = Float({1, 1, 1}, {0.5});
  const HostTensor r = Float({1, 1, 1}, {2.0});
  const HostTensor b = Float({1, 2}, {0.1, 0.2});
  const HostTensor h0 = Float({1, 1, 1}, {0.3});
  const std::vector<HostTensor> outputs = RunOk(node, {&x, &w, &r, &b, nullptr, &h0});
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_NEAR(outputs[0].values[0], std::tanh(1.4), 1e-6);
  EXPECT_NEAR(outputs[1].values[0], std::tanh(1.4), 1e-6);
}

TEST(RecurrentOpsTest, RnnBidirectionalRunsReverseFromLastStep) {
  // The reverse direction starts at the last time step and writes Y in time order.
  onnx::NodeProto node = RecurrentNode("RNN", 3, 2);
  SetString(node, "direction", "bidirectional");
  const HostTensor x = Float({2, 1, 1}, {1.0, 2.0});
  const HostTensor w = Float({2, 1, 1}, {1.0, 1.0});
  const HostTensor r = Float({2, 1, 1}, {1.0, 1.0});
  const std::vector<HostTensor> outputs = RunOk(node, {&x, &w, &r});
  ASSERT_EQ(outputs.size(), 2u);
  ASSERT_EQ(outputs[0].dims, (std::vector<int64_t>{2, 2, 1, 1}));
  const double forward_0 = std::tanh(1.0);
  const double forward_1 = std::tanh(2.0 + forward_0);
  const double reverse_1 = std::tanh(2.0);
  const double reverse_0 = std::tanh(1.0 + reverse_1);
  // Y is [seq, direction, batch, hidden].
  EXPECT_NEAR(outputs[0].values[0], forward_0, 1e-6);
  EXPECT_NEAR(outputs[0].values[1], reverse_0, 1e-6);
  EXPECT_NEAR(outputs[0].values[2], forward_1, 1e-6);
  EXPECT_NEAR(outputs[0].values[3], reverse_1, 1e-6);
  EXPECT_NEAR(outputs[1].values[0], forward_1, 1e-6);
  EXPECT_NEAR(outputs[1].values[1], reverse_0, 1e-6);
}

TEST(RecurrentOpsTest, SequenceLensStopsEarlyAndZeroesY) {
  // Batch entry 1 has length 1: its second Y row is zero and Y_h is its first state.
  onnx::NodeProto node = RecurrentNode("RNN", 5, 2);
  const HostTensor x = Float({2, 2, 1}, {1.0, 1.0, 2.0, 2.0});
  const HostTensor w = Float({1, 1, 1}, {1.0});
  const HostTensor r = Float({1, 1, 1}, {1.0});
  const HostTensor lengths{6, {2}, {2, 1}};
  const std::vector<HostTensor> outputs = RunOk(node, {&x, &w, &r, nullptr, &lengths});
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_NEAR(outputs[0].values[2], std::tanh(2.0 + std::tanh(1.0)), 1e-6);
  EXPECT_EQ(outputs[0].values[3], 0.0);
  EXPECT_NEAR(outputs[1].values[1], std::tanh(1.0), 1e-6);
}

// GRU with one unit: gates z, r, h with weights wz=0.5, wr=-0.5, wh=1, rz=0.2, rr=0.3,
// rh=0.4, Rbh=0.5, h0=0.6 and x=1.
std::vector<HostTensor> RunOneUnitGru(int64_t linear_before_reset) {
  onnx::NodeProto node = RecurrentNode("GRU", 6, 2);
  SetInt(node, "linear_before_reset", linear_before_reset);
  const HostTensor x = Float({1, 1, 1}, {1.0});
  const HostTensor w = Float({1, 3, 1}, {0.5, -0.5, 1.0});
  const HostTensor r = Float({1, 3, 1}, {0.2, 0.3, 0.4});
  const HostTensor b = Float({1, 6}, {0, 0, 0, 0, 0, 0.5});
  const HostTensor h0 = Float({1, 1, 1}, {0.6});
  return RunOk(node, {&x, &w, &r, &b, nullptr, &h0});
}

TEST(RecurrentOpsTest, GruResetsBeforeOrAfterLinear) {
  // linear_before_reset moves the reset gate outside R_h h + Rb_h.
  const double z = Sigmoid(0.5 + 0.2 * 0.6);
  const double reset = Sigmoid(-0.5 + 0.3 * 0.6);
  const double reset_first = std::tanh(1.0 + 0.4 * (reset * 0.6) + 0.5);
  const double linear_first = std::tanh(1.0 + reset * (0.4 * 0.6 + 0.5));
  const std::vector<HostTensor> default_form = RunOneUnitGru(0);
  const std::vector<HostTensor> linear_form = RunOneUnitGru(1);
  ASSERT_EQ(default_form.size(), 2u);
  ASSERT_EQ(linear_form.size(), 2u);
  EXPECT_NEAR(default_form[1].values[0], (1 - z) * reset_first + z * 0.6, 1e-6);
  EXPECT_NEAR(linear_form[1].values[0], (1 - z) * linear_first + z * 0.6, 1e-6);
}

// LSTM with one unit: W = (i, o, f, c) = 0.1..0.4, R = 0.5..0.8, P = (i, o, f) = 0.1..0.3,
// h0 = 0.5, c0 = 0.25, x = 1.
std::vector<HostTensor> RunOneUnitLstm(onnx::NodeProto node) {
  const HostTensor x = Float({1, 1, 1}, {1.0});
  const HostTensor w = Float({1, 4, 1}, {0.1, 0.2, 0.3, 0.4});
  const HostTensor r = Float({1, 4, 1}, {0.5, 0.6, 0.7, 0.8});
  const HostTensor h0 = Float({1, 1, 1}, {0.5});
  const HostTensor c0 = Float({1, 1, 1}, {0.25});
  const HostTensor p = Float({1, 3}, {0.1, 0.2, 0.3});
  return RunOk(node, {&x, &w, &r, nullptr, nullptr, &h0, &c0, &p});
}

TEST(RecurrentOpsTest, LstmPeepholesFeedEveryGate) {
  // i and f read c0 through P, and o reads the new cell state.
  const std::vector<HostTensor> outputs = RunOneUnitLstm(RecurrentNode("LSTM", 8, 3));
  const double i = Sigmoid(0.1 + 0.5 * 0.5 + 0.1 * 0.25);
  const double f = Sigmoid(0.3 + 0.7 * 0.5 + 0.3 * 0.25);
  const double c = f * 0.25 + i * std::tanh(0.4 + 0.8 * 0.5);
  const double o = Sigmoid(0.2 + 0.6 * 0.5 + 0.2 * c);
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_NEAR(outputs[1].values[0], o * std::tanh(c), 1e-6);
  EXPECT_NEAR(outputs[2].values[0], c, 1e-6);
}

TEST(RecurrentOpsTest, LstmInputForgetAndClip) {
  // input_forget sets f = 1 - i, and clip bounds every gate's pre-activation to [-0.3, 0.3].
  onnx::NodeProto node = RecurrentNode("LSTM", 8, 3);
  SetInt(node, "input_forget", 1);
  SetFloat(node, "clip", 0.3f);
  const std::vector<HostTensor> outputs = RunOneUnitLstm(node);
  const double i = Sigmoid(0.3);  // 0.375 clipped
  const double f = 1.0 - i;
  const double c = f * 0.25 + i * std::tanh(0.3);  // 0.8 clipped
  const double o = Sigmoid(0.3);                   // 0.5 + 0.2 c clipped
  ASSERT_EQ(outputs.size(), 3u);
  EXPECT_NEAR(outputs[2].values[0], c, 1e-6);
  EXPECT_NEAR(outputs[1].values[0], o * std::tanh(c), 1e-6);
}

TEST(RecurrentOpsTest, LayoutOneIsBatchMajor) {
  // With layout 1, X is [batch, seq, input] and Y is [batch, seq, directions, hidden].
  onnx::NodeProto node = RecurrentNode("RNN", 3, 2);
  SetInt(node, "layout", 1);
  const HostTensor x = Float({2, 1, 1}, {1.0, -1.0});
  const HostTensor w = Float({1, 1, 1}, {1.0});
  const HostTensor r = Float({1, 1, 1}, {1.0});
  const std::vector<HostTensor> outputs = RunOk(node, {&x, &w, &r});
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].dims, (std::vector<int64_t>{2, 1, 1, 1}));
  EXPECT_EQ(outputs[1].dims, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_NEAR(outputs[1].values[1], std::tanh(-1.0), 1e-6);
}

TEST(RecurrentOpsTest, ActivationsWithParameters) {
  // activation_alpha and activation_beta are read in order by the functions that take them.
  onnx::NodeProto node = RecurrentNode("RNN", 3, 1);
  onnx::AttributeProto* activations = node.add_attribute();
  activations->set_name("activations");
  activations->set_type(onnx::AttributeProto::STRINGS);
  activations->add_strings("ScaledTanh");
  onnx::AttributeProto* alpha = node.add_attribute();
  alpha->set_name("activation_alpha");
  alpha->set_type(onnx::AttributeProto::FLOATS);
  alpha->add_floats(2.0f);
  onnx::AttributeProto* beta = node.add_attribute();
  beta->set_name("activation_beta");
  beta->set_type(onnx::AttributeProto::FLOATS);
  beta->add_floats(0.5f);
  const HostTensor x = Float({1, 1, 1}, {1.0});
  const HostTensor w = Float({1, 1, 1}, {1.0});
  const HostTensor r = Float({1, 1, 1}, {1.0});
  const std::vector<HostTensor> outputs = RunOk(node, {&x, &w, &r});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_NEAR(outputs[0].values[0], 2.0 * std::tanh(0.5), 1e-6);
}

TEST(RecurrentOpsTest, UnknownActivationIsUnimplemented) {
  // An activation outside the specification's list names the node and the value.
  onnx::NodeProto node = RecurrentNode("RNN", 3, 1);
  onnx::AttributeProto* activations = node.add_attribute();
  activations->set_name("activations");
  activations->set_type(onnx::AttributeProto::STRINGS);
  activations->add_strings("Gelu");
  const HostTensor x = Float({1, 1, 1}, {1.0});
  const HostTensor w = Float({1, 1, 1}, {1.0});
  const HostTensor r = Float({1, 1, 1}, {1.0});
  const std::vector<const HostTensor*> inputs = {&x, &w, &r};
  const absl::StatusOr<std::vector<HostTensor>> outputs = RunNode(node, 14, inputs);
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("node 'cell' (op 'RNN'): attribute 'activations' = Gelu"));
}

TEST(RecurrentOpsTest, WrongWeightDimsAreRejected) {
  // W must be [directions, gates * hidden, input].
  onnx::NodeProto node = RecurrentNode("LSTM", 3, 1);
  SetInt(node, "hidden_size", 2);
  const HostTensor x = Float({1, 1, 1}, {1.0});
  const HostTensor w = Float({1, 4, 1}, {1, 1, 1, 1});
  const HostTensor r = Float({1, 8, 2}, std::vector<double>(16, 0.0));
  const std::vector<const HostTensor*> inputs = {&x, &w, &r};
  const absl::StatusOr<std::vector<HostTensor>> outputs = RunNode(node, 14, inputs);
  ASSERT_EQ(outputs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outputs.status().message(),
              HasSubstr("node 'cell' (op 'LSTM'): input W must have dims [1,8,1]"));
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

TEST(RecurrentOpsTest, CorpusBidirectionalLstmMatchesTestData) {
  // A CNTK export: forward and reverse LSTMs whose outputs are concatenated.
  SOMA_CORPUS_FILE_OR_SKIP(model_path, "ort__cntk_lstm_tanh_bidirectional.onnx");
  const std::string data_dir =
      model_path.substr(0, model_path.size() - 5) + ".test_data_set_0/";
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadFile(model_path)));
  onnx::TensorProto input_proto;
  onnx::TensorProto output_proto;
  ASSERT_TRUE(input_proto.ParseFromString(ReadFile(data_dir + "input_0.pb")));
  ASSERT_TRUE(output_proto.ParseFromString(ReadFile(data_dir + "output_0.pb")));
  const absl::StatusOr<HostTensor> input = TensorFromProto(input_proto);
  const absl::StatusOr<HostTensor> expected = TensorFromProto(output_proto);
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE(expected.ok()) << expected.status();

  const ValueScope feeds = {{model.graph().input(0).name(), *input}};
  const absl::StatusOr<std::vector<HostTensor>> outputs =
      RunGraph(model.graph(), model.opset_import(0).version(), feeds);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 1u);
  const HostTensor& output = (*outputs)[0];
  ASSERT_EQ(output.dims, expected->dims);
  for (size_t i = 0; i < output.values.size(); ++i) {
    EXPECT_NEAR(output.values[i], expected->values[i], 1e-5 + 1e-3 * std::abs(expected->values[i]))
        << "element " << i;
  }
}

}  // namespace
}  // namespace soma::onnx_ops
