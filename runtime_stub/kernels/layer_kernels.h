// layer_kernels.h: one kernel per layer kind, behind the RunKernel dispatcher.
//
// Internal to soma_kernels. Every function requires a call that CheckKernelCall accepted, so
// all addressed elements lie inside the operand regions. Each computes `call.output_box`
// into the output region and applies the epilogue when `call.final_partial` is set.
#ifndef SOMA_KERNELS_LAYER_KERNELS_H_
#define SOMA_KERNELS_LAYER_KERNELS_H_

#include "absl/status/status.h"
#include "graph/layer_graph.h"
#include "kernels/kernels.h"

namespace soma::kernels {

/// Grouped, depthwise and dilated 2-D convolution; partial sums over an input channel slice
/// when groups == 1.
void RunConvKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Fully connected layer over the flattened C*H*W input; partial sums over a channel slice.
void RunFullyConnectedKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Max and average pooling with padding, dilation and count_include_pad.
void RunPoolKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Element-wise Add or Mul over all inputs, broadcasting extents of 1.
void RunEltwiseKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Concatenation along channels.
void RunConcatKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Softmax or LogSoftmax over channels.
void RunSoftmaxKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// ONNX LRN across channels.
void RunLrnKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// The identity followed by the epilogue, for standalone activations.
void RunActivationKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Batched matrix product A x B with broadcast batch extents, accumulated in double.
void RunMatMulKernel(const graph::LayerGraph& graph, const KernelCall& call);

/// Runs one ONNX node through onnx_ops::RunNode. Returns InvalidArgument, naming the layer,
/// when the node or an embedded input does not parse or the node's output dims differ from
/// the layer's. The interpreter's own errors (Unimplemented for an unsupported operator)
/// keep their code and gain the layer's name.
absl::Status RunTensorOpKernel(const graph::LayerGraph& graph, const KernelCall& call);

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_LAYER_KERNELS_H_
