// gpt2_onnxruntime_test.cc: ONNX Runtime computes, for small GPT-2 blocks written by the
// generator, what a direct implementation of the GPT-2 block computes from the same
// weights, so the generated graph is the block it claims to be. Skips when
// tools/ort/node_modules is absent.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "integration/command_runner.h"
#include "model_builder/gpt2_block_model.h"
#include "model_builder/onnx_model_builder.h"
#include "onnx/onnx_pb.h"

namespace soma::testing {
namespace {

using model_builder::Gpt2BlockSpec;
using model_builder::Gpt2Phase;
using Matrix = std::vector<float>;

// The float values of a TensorProto with raw data or float_data.
std::vector<float> FloatsOf(const onnx::TensorProto& tensor) {
  if (!tensor.raw_data().empty()) {
    std::vector<float> values(tensor.raw_data().size() / sizeof(float));
    std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(float));
    return values;
  }
  return {tensor.float_data().begin(), tensor.float_data().end()};
}

std::vector<float> ReadTensorFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  onnx::TensorProto tensor;
  EXPECT_TRUE(tensor.ParseFromIstream(&file)) << "cannot parse " << path;
  return FloatsOf(tensor);
}

// rows x in times in x out, plus the bias of out.
Matrix Linear(const Matrix& x, int64_t rows, int64_t in, int64_t out, const Matrix& weight,
              const Matrix& bias) {
  Matrix y(rows * out);
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t column = 0; column < out; ++column) {
      double sum = bias[column];
      for (int64_t k = 0; k < in; ++k) sum += double{x[row * in + k]} * weight[k * out + column];
      y[row * out + column] = static_cast<float>(sum);
    }
  }
  return y;
}

Matrix LayerNorm(const Matrix& x, int64_t rows, int64_t width, const Matrix& gamma,
                 const Matrix& beta) {
  Matrix y(x.size());
  for (int64_t row = 0; row < rows; ++row) {
    double mean = 0;
    for (int64_t k = 0; k < width; ++k) mean += x[row * width + k];
    mean /= static_cast<double>(width);
    double variance = 0;
    for (int64_t k = 0; k < width; ++k) {
      const double centered = x[row * width + k] - mean;
      variance += centered * centered;
    }
    variance /= static_cast<double>(width);
    for (int64_t k = 0; k < width; ++k) {
      y[row * width + k] = static_cast<float>((x[row * width + k] - mean) /
                                                  std::sqrt(variance + 1e-5) * gamma[k] +
                                              beta[k]);
    }
  }
  return y;
}

struct BlockOutputs {
  Matrix y;
  Matrix present_key;
  Matrix present_value;
};

// The GPT-2 block written out loop by loop: x is [B, queries, D]. In decode form the
// cache [B, H, L, dk] comes first in the keys and the new token's key and value follow it.
BlockOutputs RunBlock(const Gpt2BlockSpec& spec, std::map<std::string, Matrix>& w,
                      const Matrix& x, const Matrix& past_key, const Matrix& past_value) {
  const bool decode = spec.phase == Gpt2Phase::kDecode;
  const int64_t d = spec.d_model;
  const int64_t heads = spec.heads;
  const int64_t dk = d / heads;
  const int64_t queries = decode ? 1 : spec.seq;
  const int64_t cached = decode ? spec.seq : 0;
  const int64_t keys = cached + queries;
  const int64_t rows = spec.batch * queries;

  const Matrix ln1 = LayerNorm(x, rows, d, w["ln_1_gamma"], w["ln_1_beta"]);
  const Matrix q = Linear(ln1, rows, d, d, w["attn.q_w"], w["attn.q_b"]);
  const Matrix k = Linear(ln1, rows, d, d, w["attn.k_w"], w["attn.k_b"]);
  const Matrix v = Linear(ln1, rows, d, d, w["attn.v_w"], w["attn.v_b"]);

  // The keys and values of every head, [B, H, keys, dk].
  BlockOutputs out;
  out.present_key.resize(spec.batch * heads * keys * dk);
  out.present_value.resize(out.present_key.size());
  for (int64_t b = 0; b < spec.batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t t = 0; t < keys; ++t) {
        for (int64_t c = 0; c < dk; ++c) {
          const int64_t at = ((b * heads + h) * keys + t) * dk + c;
          if (t < cached) {
            out.present_key[at] = past_key[((b * heads + h) * cached + t) * dk + c];
            out.present_value[at] = past_value[((b * heads + h) * cached + t) * dk + c];
          } else {
            const int64_t source = (b * queries + (t - cached)) * d + h * dk + c;
            out.present_key[at] = k[source];
            out.present_value[at] = v[source];
          }
        }
      }
    }
  }

  // Causal attention: query i of the prompt attends to keys 0..i, and the decode token to
  // every key.
  Matrix context(rows * d);
  const double scale = 1.0 / std::sqrt(static_cast<double>(dk));
  for (int64_t b = 0; b < spec.batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < queries; ++i) {
        std::vector<double> scores(keys);
        for (int64_t t = 0; t < keys; ++t) {
          double dot = 0;
          for (int64_t c = 0; c < dk; ++c) {
            dot += double{q[(b * queries + i) * d + h * dk + c]} *
                   out.present_key[((b * heads + h) * keys + t) * dk + c];
          }
          scores[t] = dot * scale + (!decode && t > i ? -1e4 : 0.0);
        }
        const double top = *std::max_element(scores.begin(), scores.end());
        double total = 0;
        for (double& score : scores) total += (score = std::exp(score - top));
        for (int64_t c = 0; c < dk; ++c) {
          double sum = 0;
          for (int64_t t = 0; t < keys; ++t) {
            sum += scores[t] / total * out.present_value[((b * heads + h) * keys + t) * dk + c];
          }
          context[(b * queries + i) * d + h * dk + c] = static_cast<float>(sum);
        }
      }
    }
  }

  // Output projection, residual, MLP with the exact GELU, residual.
  Matrix hidden = Linear(context, rows, d, d, w["attn.out_w"], w["attn.out_b"]);
  for (size_t index = 0; index < hidden.size(); ++index) hidden[index] += x[index];
  const Matrix ln2 = LayerNorm(hidden, rows, d, w["ln_2_gamma"], w["ln_2_beta"]);
  Matrix fc = Linear(ln2, rows, d, spec.mlp_width, w["mlp.fc_w"], w["mlp.fc_b"]);
  for (float& value : fc) {
    value = static_cast<float>(value * 0.5 * (1.0 + std::erf(value / std::sqrt(2.0))));
  }
  out.y = Linear(fc, rows, spec.mlp_width, d, w["mlp.proj_w"], w["mlp.proj_b"]);
  for (size_t index = 0; index < out.y.size(); ++index) out.y[index] += hidden[index];
  return out;
}

// Counts the values of `actual` farther than 1e-4 of the largest magnitude from `expected`.
int CountMismatches(const std::string& output, const Matrix& actual, const Matrix& expected) {
  EXPECT_EQ(actual.size(), expected.size()) << output;
  if (actual.size() != expected.size()) return 1;
  float largest = 0.0f;
  for (float value : expected) largest = std::max(largest, std::abs(value));
  int mismatches = 0;
  for (size_t index = 0; index < actual.size(); ++index) {
    if (std::abs(actual[index] - expected[index]) > 1e-4f * largest && ++mismatches <= 5) {
      ADD_FAILURE() << output << "[" << index << "]: direct block " << actual[index]
                    << ", ONNX Runtime " << expected[index];
    }
  }
  return mismatches;
}

class Gpt2OnnxRuntimeTest : public ::testing::TestWithParam<Gpt2Phase> {};

TEST_P(Gpt2OnnxRuntimeTest, DirectBlockMatchesOnnxRuntime) {
  // A block with D 32, 4 heads, MLP 128, 8 tokens and batch 2, with random weights: every
  // output of ONNX Runtime is within 1e-4 (relative to the largest) of the direct block.
  if (!OnnxRuntimeAvailable()) {
    GTEST_SKIP() << "needs ONNX Runtime (tools/install_deps.sh installs onnxruntime-node into "
                    "tools/ort)";
  }
  Gpt2BlockSpec spec;
  spec.d_model = 32;
  spec.heads = 4;
  spec.mlp_width = 128;
  spec.seq = 8;
  spec.batch = 2;
  spec.phase = GetParam();
  const bool decode = spec.phase == Gpt2Phase::kDecode;
  const std::string out = FreshOutputDir(decode ? "gpt2_ort_decode" : "gpt2_ort_prefill");
  const std::string model_path = out + "/model.onnx";

  // Step 1: the model with seeded random weights, and its weights by name.
  absl::StatusOr<model_builder::BuiltModel> built =
      model_builder::BuildGpt2Block(spec, model_builder::WeightMode::kRandom, 3);
  ASSERT_TRUE(built.ok()) << built.status();
  {
    std::ofstream file(model_path, std::ios::binary);
    file << model_builder::SerializeModel(built->model);
  }
  std::map<std::string, Matrix> weights;
  for (const onnx::TensorProto& initializer : built->model.graph().initializer()) {
    weights[initializer.name()] = FloatsOf(initializer);
  }

  // Step 2: ONNX Runtime's outputs for seeded inputs.
  const CommandResult ort = WriteOnnxRuntimeTestData(model_path, 5, out + "/data");
  ASSERT_EQ(ort.exit_code, 0) << ort.output;
  const Matrix x = ReadTensorFile(out + "/data/input_0.pb");
  Matrix past_key;
  Matrix past_value;
  if (decode) {
    past_key = ReadTensorFile(out + "/data/input_1.pb");
    past_value = ReadTensorFile(out + "/data/input_2.pb");
  }

  // Step 3: the direct block on the same inputs.
  const BlockOutputs direct = RunBlock(spec, weights, x, past_key, past_value);
  EXPECT_EQ(CountMismatches("y", direct.y, ReadTensorFile(out + "/data/output_0.pb")), 0);
  if (decode) {
    EXPECT_EQ(CountMismatches("present_key", direct.present_key,
                              ReadTensorFile(out + "/data/output_1.pb")),
              0);
    EXPECT_EQ(CountMismatches("present_value", direct.present_value,
                              ReadTensorFile(out + "/data/output_2.pb")),
              0);
  }
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Phases, Gpt2OnnxRuntimeTest,
                         ::testing::Values(Gpt2Phase::kPrefill, Gpt2Phase::kDecode),
                         [](const ::testing::TestParamInfo<Gpt2Phase>& info) {
                           return std::string(info.param == Gpt2Phase::kPrefill ? "Prefill"
                                                                                 : "Decode");
                         });

}  // namespace
}  // namespace soma::testing
