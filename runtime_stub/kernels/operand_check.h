// operand_check.h: validation of a KernelCall against the layer it runs.
//
// Internal to soma_kernels. RunKernel calls CheckKernelCall before any kernel reads memory,
// so a kernel may assume that every element it addresses lies inside its operand's region.
#ifndef SOMA_KERNELS_OPERAND_CHECK_H_
#define SOMA_KERNELS_OPERAND_CHECK_H_

#include <cstdint>

#include "absl/status/status.h"
#include "graph/layer_graph.h"
#include "kernels/kernels.h"

namespace soma::kernels {

/// Input channels [begin, end) that a call reduces over.
struct ChannelSlice {
  int64_t begin = 0;
  int64_t end = 0;
};

/// Returns whether `layer` reduces over input channels that a call may split into partial
/// sums: kConv with groups == 1, and kFullyConnected.
bool SupportsPartialSums(const graph::Layer& layer);

/// Returns the input channels a kConv or kFullyConnected call reduces over: the channel range
/// of the input operand's box when the layer supports partial sums, else all channels.
ChannelSlice ReductionSlice(const graph::LayerGraph& graph, const KernelCall& call);

/// Checks the call before any kernel reads memory. The layer id and operand count must be
/// valid, and the output box must lie inside the output tensor and the output region. Every
/// input region must contain the box InputBox returns, and the weight region the box
/// WeightBox returns, both restricted to the channel slice for partial sums. The epilogue
/// vectors must have one value per output channel or none, and only kConv and
/// kFullyConnected may set `accumulate` or clear `final_partial`. Returns InvalidArgument
/// naming the layer, the operand and both boxes on failure.
absl::Status CheckKernelCall(const graph::LayerGraph& graph, const KernelCall& call);

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_OPERAND_CHECK_H_
