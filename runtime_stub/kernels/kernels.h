// kernels.h: fp32 reference kernels for every layer kind, computing one output box.
//
// The functional replay and the layer-by-layer reference executor both run these kernels,
// so a mismatch between them points at the stream, not at two kernel libraries.
#ifndef SOMA_KERNELS_KERNELS_H_
#define SOMA_KERNELS_KERNELS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "graph/box.h"
#include "graph/layer_graph.h"

namespace soma::kernels {

/// Read-only access to `box` of a tensor whose `region` is stored densely in NCHW order
/// at `data` (extents of `region`). Requires: region contains box.
struct InputOperand {
  const float* data = nullptr;
  graph::Box region;
  graph::Box box;
};

/// The output: `region` stored densely at `data`; the kernel writes `output_box` into it.
struct OutputOperand {
  float* data = nullptr;
  graph::Box region;
};

struct KernelCall {
  graph::LayerId layer = -1;
  graph::Box output_box;
  /// One per Layer::inputs entry. For kConv and kFullyConnected, an input box whose channel
  /// range is a slice of the full reduction range computes a partial sum over that slice.
  std::vector<InputOperand> inputs;
  /// The weight operand of kConv and kFullyConnected; its box is WeightBox(...) restricted
  /// to the input channel slice for partial sums.
  InputOperand weight;
  OutputOperand output;
  /// Add onto the output's current values instead of overwriting them.
  bool accumulate = false;
  /// Apply the epilogue (channel scale, bias, activations) after this call.
  bool final_partial = true;
  /// Worker threads that split the output channels; 0 uses
  /// std::thread::hardware_concurrency(). The result is bit-identical for every count.
  int thread_count = 0;
};

/// Runs one layer on one output box. InvalidArgument when an operand region does not
/// contain the box the layer needs, naming the layer and the operand. `accumulate` and
/// `final_partial = false` are accepted for kConv and kFullyConnected only; for every other
/// kind they are InvalidArgument.
absl::Status RunKernel(const graph::LayerGraph& graph, const KernelCall& call);

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_KERNELS_H_
