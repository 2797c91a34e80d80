// corpus_placement_test.cc: every model of the shared corpus imports with one placement row
// per node and no error rows, with its symbolic dimensions bound.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "importer/importer.h"
#include "onnx/onnx_pb.h"
#include "util/test_paths.h"

namespace soma::importer {
namespace {

struct CorpusModel {
  const char* file;
  /// Bindings for --soma-dim.
  std::map<std::string, int64_t> dims;
  /// The node that stays unsupported, or nullptr when the model imports.
  const char* unsupported_node = nullptr;
};

class CorpusPlacementTest : public ::testing::TestWithParam<CorpusModel> {};

TEST_P(CorpusPlacementTest, PlacesEveryNodeWithoutErrors) {
  // The import succeeds and the placement table has one row per ONNX node, none an error.
  SOMA_CORPUS_FILE_OR_SKIP(path, GetParam().file);
  ImportOptions options;
  options.dims = GetParam().dims;
  ImportAttempt attempt = TryImportModelFile(path, options);
  if (GetParam().unsupported_node != nullptr) {
    // Only the unsupported node and the nodes that read its outputs are errors.
    ASSERT_FALSE(attempt.result.ok());
    EXPECT_NE(attempt.result.status().message().find(
                  std::string("node '") + GetParam().unsupported_node + "'"),
              std::string::npos)
        << attempt.result.status();
    for (const Placement& placement : attempt.placement) {
      if (placement.kind != PlacementKind::kError) continue;
      const bool blocked = placement.detail.find("is unavailable because node") !=
                           std::string::npos;
      EXPECT_TRUE(placement.node_name == GetParam().unsupported_node || blocked)
          << placement.node_name << ": " << placement.detail;
    }
    return;
  }
  for (const Placement& placement : attempt.placement) {
    EXPECT_NE(placement.kind, PlacementKind::kError)
        << placement.node_name << " (" << placement.op_type << "): " << placement.detail;
  }
  ASSERT_TRUE(attempt.result.ok()) << attempt.result.status() << "\n"
                                   << PlacementTableToCsv(attempt.placement, {});
  EXPECT_TRUE(attempt.result->graph.Verify().ok());
  EXPECT_EQ(attempt.placement.size(), attempt.result->placement.size());
  EXPECT_FALSE(attempt.placement.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, CorpusPlacementTest,
    ::testing::Values(
        CorpusModel{"genai__synthetic-paged_decoder.onnx",
                    {{"batch", 1}, {"batch_plus_1", 2}, {"max_blocks", 4}, {"num_tokens", 4}}},
        CorpusModel{"genai__tiny-random-gpt2-fp32_past.onnx",
                    {{"batch_size", 1}, {"seq_len", 8}, {"past_seq_len", 8},
                     {"total_seq_len", 16}}},
        CorpusModel{"o2c__benchmark_conv_fits_128k.onnx", {}},
        CorpusModel{"o2c__benchmark_conv_yolov6n_lastconv.onnx", {}},
        CorpusModel{"o2c__mnist_pytorch_mlp.onnx", {}},
        CorpusModel{"onnx__light_bvlc_alexnet.onnx", {}},
        CorpusModel{"onnx__light_densenet121.onnx", {}},
        CorpusModel{"onnx__light_inception_v1.onnx", {}},
        CorpusModel{"onnx__light_resnet50.onnx", {}},
        CorpusModel{"onnx__light_squeezenet.onnx", {}},
        CorpusModel{"onnx__light_vgg19.onnx", {}},
        CorpusModel{"onnx__light_zfnet512.onnx", {}},
        CorpusModel{"ort__attention_past_state.onnx",
                    {{"batch", 1}, {"past_sequence_length", 4}, {"seq_len", 4}}},
        CorpusModel{"ort__attention_symbolic_batch.onnx", {{"batch", 2}}},
        CorpusModel{"ort__bert_toy_optimized.onnx", {{"batch", 1}, {"max_seq_len_in_batch", 8}}},
        CorpusModel{"ort__cnn_mnist_pytorch.onnx", {}},
        CorpusModel{"ort__cntk_lstm_tanh_bidirectional.onnx", {{"None", 1}}},
        CorpusModel{"ort__conv.int4_weights.qdq.onnx", {}},
        CorpusModel{"ort__conv_qdq_s8s8_perchannel.onnx", {{"batch_size", 1}}},
        CorpusModel{"ort__crop_and_resize.onnx", {}},
        CorpusModel{"ort__fns-candy.onnx", {{"None", 1}}},
        CorpusModel{"ort__fuse-conv-add-mul-3d.onnx", {}},
        CorpusModel{"ort__gemma3-vision-attention_fp16.onnx", {}},
        // The model's causal mask covers 8 positions, so past plus new tokens stay within 8.
        CorpusModel{"ort__gpt2_past_mask_one_layer.onnx",
                    {{"batch_size", 1}, {"seq_len", 4}, {"past_seq_len", 4}}},
        // A training graph: its loss is the contrib operator SoftmaxCrossEntropyLossInternal,
        // which the reference interpreter does not implement.
        CorpusModel{"ort__mlm_bert_e2e.onnx",
                    {{"batch_size", 1}, {"sequence_length", 8}},
                    "sceloss0"},
        CorpusModel{"ort__mnist.onnx", {}},
        CorpusModel{"ort__nhwc_resize_sizes_opset18.quant.onnx", {}},
        CorpusModel{"ort__qdq_with_multi_consumer_dq_nodes.onnx", {}},
        CorpusModel{"ort__simplified_ssd.onnx", {}},
        CorpusModel{"ort__test_conv_follow_convtrans.onnx", {{"batch_size", 1}}},
        CorpusModel{"ort__three_layer_nested_subgraph.onnx", {}},
        CorpusModel{"tv__convnext_tiny_light.onnx", {}},
        CorpusModel{"tv__efficientnet_b0_light.onnx", {}},
        CorpusModel{"tv__mobilenet_v2_light.onnx", {{"batch", 1}}},
        CorpusModel{"tv__mobilenet_v2_w050_c100_w.onnx", {}},
        CorpusModel{"tv__mobilenet_v3_small_light.onnx", {}},
        CorpusModel{"tv__regnet_y_400mf_light.onnx", {}},
        CorpusModel{"tv__shufflenet_v2_x1_0_light.onnx", {}},
        CorpusModel{"tv__vit_b_16_light.onnx", {}}),
    [](const ::testing::TestParamInfo<CorpusModel>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.rfind(".onnx"));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace soma::importer
