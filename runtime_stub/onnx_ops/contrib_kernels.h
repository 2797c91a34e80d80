// contrib_kernels.h: the com.microsoft transformer kernels that contrib_ops.cc registers
// (internal).
#ifndef SOMA_ONNX_OPS_CONTRIB_KERNELS_H_
#define SOMA_ONNX_OPS_CONTRIB_KERNELS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "onnx_ops/host_tensor.h"
#include "onnx_ops/op_table.h"

namespace soma::onnx_ops {

/// com.microsoft Attention: fused QKV projection, multi-head scaled dot-product attention
/// with optional mask, causal masking, past state and relative position bias. Returns the
/// output and, when the node has a second output, the present state.
absl::StatusOr<std::vector<HostTensor>> RunAttention(const OpCall& call);

/// com.microsoft SkipLayerNormalization: LayerNorm(input + skip + bias) over the last axis.
/// Returns output, mean, inv_std_var and input_skip_bias_sum, as many as the node has.
absl::StatusOr<std::vector<HostTensor>> RunSkipLayerNormalization(const OpCall& call);

/// com.microsoft SkipSimplifiedLayerNormalization: RMS normalisation of input + skip + bias.
absl::StatusOr<std::vector<HostTensor>> RunSkipSimplifiedLayerNormalization(const OpCall& call);

/// SimplifiedLayerNormalization (ONNX Runtime's RMS normalisation, default domain).
absl::StatusOr<std::vector<HostTensor>> RunSimplifiedLayerNormalization(const OpCall& call);

/// com.microsoft EmbedLayerNormalization: word + position + segment embedding lookup, then
/// LayerNorm. Returns output, mask_index and embedding_sum, as many as the node has.
absl::StatusOr<std::vector<HostTensor>> RunEmbedLayerNormalization(const OpCall& call);

}  // namespace soma::onnx_ops

#endif  // SOMA_ONNX_OPS_CONTRIB_KERNELS_H_
