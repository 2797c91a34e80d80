// gpt2_block_model.h: one transformer block of GPT-2 (Radford et al. 2019), in the
// prefill form (a whole prompt) or the decode form (one new token against a KV cache).
#ifndef SOMA_TOOLS_MODEL_BUILDER_GPT2_BLOCK_MODEL_H_
#define SOMA_TOOLS_MODEL_BUILDER_GPT2_BLOCK_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model_builder/network_builder.h"

namespace soma::model_builder {

enum class Gpt2Phase {
  /// X [B, S, D] -> Y [B, S, D], causal attention over the S tokens.
  kPrefill,
  /// X [B, 1, D] with past_key and past_value [B, H, L, dk] -> Y [B, 1, D] and
  /// present_key and present_value [B, H, L + 1, dk]; attention over L + 1 keys.
  kDecode,
};

/// The dimensions of one GPT-2 block.
struct Gpt2BlockSpec {
  /// Model width D.
  int64_t d_model = 768;
  /// Attention heads H; D must be a multiple of H (dk = D / H).
  int64_t heads = 12;
  /// Hidden width of the MLP, 4 D in GPT-2.
  int64_t mlp_width = 3072;
  /// Blocks in the whole network (12 in GPT-2 small, 48 in XL); the generated model holds
  /// one of them.
  int64_t block_count = 12;
  Gpt2Phase phase = Gpt2Phase::kPrefill;
  /// Prefill: the tokens S. Decode: the cached tokens L.
  int64_t seq = 512;
  int64_t batch = 1;
};

/// gpt2-small-decode, gpt2-small-prefill, gpt2-xl-decode, gpt2-xl-prefill.
std::vector<std::string> Gpt2BlockNames();

/// The block called `name` at `batch`, with `seq` tokens (default: 512 for small, 1024 for
/// XL). Small: D 768, 12 heads, MLP 3072, 12 blocks. XL: D 1600, 25 heads, MLP 6400, 48
/// blocks. InvalidArgument names an unknown name, or a batch or sequence below 1.
absl::StatusOr<Gpt2BlockSpec> Gpt2BlockSpecFor(const std::string& name, int64_t batch,
                                               std::optional<int64_t> seq);

/// Writes the block of `spec` at opset 17. The attention is LayerNormalization, MatMul Q,
/// K and V with biases, Reshape and Transpose into heads, MatMul Q K^T, a Mul by
/// 1 / sqrt(dk), the causal mask Add (prefill) or the cache Concat (decode), Softmax,
/// MatMul with V, the merge of the heads, MatMul W_o with bias and the residual Add. The
/// MLP is LayerNormalization, MatMul W_fc with bias, GELU in the Erf form
/// x * 0.5 * (1 + Erf(x / sqrt 2)), MatMul W_proj with bias and the residual Add. Weights
/// are seeded (`weights` kRandom, FanInScaled matrices) or ConstantOfShape fills. The MAC
/// count covers the MatMuls.
/// InvalidArgument when an extent is below 1 or D is not a multiple of the heads.
absl::StatusOr<BuiltModel> BuildGpt2Block(const Gpt2BlockSpec& spec, WeightMode weights,
                                          uint32_t seed);

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_GPT2_BLOCK_MODEL_H_
