// kernels.cc: RunKernel, which checks a call and dispatches it to the kernel of its layer kind.
#include "kernels/kernels.h"

#include "kernels/layer_kernels.h"
#include "kernels/operand_check.h"
#include "soma/status_macros.h"

namespace soma::kernels {

absl::Status RunKernel(const graph::LayerGraph& graph, const KernelCall& call) {
  RETURN_IF_ERROR(CheckKernelCall(graph, call));
  if (call.output_box.IsEmpty()) return absl::OkStatus();
  switch (graph.layer(call.layer).kind) {
    case graph::LayerKind::kConv:
      RunConvKernel(graph, call);
      break;
    case graph::LayerKind::kFullyConnected:
      RunFullyConnectedKernel(graph, call);
      break;
    case graph::LayerKind::kPool:
      RunPoolKernel(graph, call);
      break;
    case graph::LayerKind::kEltwise:
      RunEltwiseKernel(graph, call);
      break;
    case graph::LayerKind::kConcat:
      RunConcatKernel(graph, call);
      break;
    case graph::LayerKind::kSoftmax:
      RunSoftmaxKernel(graph, call);
      break;
    case graph::LayerKind::kLrn:
      RunLrnKernel(graph, call);
      break;
    case graph::LayerKind::kActivation:
      RunActivationKernel(graph, call);
      break;
    case graph::LayerKind::kMatMul:
      RunMatMulKernel(graph, call);
      break;
    case graph::LayerKind::kTensorOp:
      return RunTensorOpKernel(graph, call);
  }
  return absl::OkStatus();
}

}  // namespace soma::kernels
