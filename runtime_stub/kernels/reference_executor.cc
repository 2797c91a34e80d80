// reference_executor.cc: runs a LayerGraph layer by layer on whole tensors with RunKernel.
#include "kernels/reference_executor.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kernels/kernels.h"
#include "soma/status_macros.h"

namespace soma::kernels {

using graph::Box;
using graph::LayerGraph;
using graph::LayerId;
using graph::TensorId;

namespace {

// A weight given as a fill is materialised this many elements at a time (16 MiB of floats),
// one block of output channels per kernel call. A model whose weights come from
// ConstantOfShape thus never needs its weights in memory at once.
constexpr int64_t kFillWeightChunkElements = int64_t{4} * 1024 * 1024;

// The values of every tensor while the graph runs.
class TensorStore {
 public:
  explicit TensorStore(const LayerGraph& graph)
      : graph_(graph), values_(graph.tensors.size()), ready_(graph.tensors.size(), false) {}

  void Set(TensorId id, TensorValues values) {
    values_[id] = std::move(values);
    ready_[id] = true;
  }

  TensorValues& Allocate(TensorId id) {
    values_[id].assign(graph_.tensor(id).ElementCount(), 0.0f);
    ready_[id] = true;
    return values_[id];
  }

  void Release(TensorId id) {
    TensorValues().swap(values_[id]);
    ready_[id] = false;
  }

  /// Returns the dense values of `id`: computed values, or constant data (explicit values are
  /// used in place, a fill is materialised once).
  absl::StatusOr<const float*> Values(TensorId id) {
    const graph::Tensor& tensor = graph_.tensor(id);
    if (ready_[id]) return values_[id].data();
    if (!tensor.IsConstant()) {
      return absl::InternalError(
          absl::StrCat("tensor '", tensor.name, "' is read before any layer produced it"));
    }
    const graph::ConstantData& constant = *tensor.constant;
    if (!constant.fill.has_value()) {
      if (static_cast<int64_t>(constant.values.size()) != tensor.ElementCount()) {
        return absl::InvalidArgumentError(absl::StrCat("constant tensor '", tensor.name, "' has ",
                                                       constant.values.size(), " values, expected ",
                                                       tensor.ElementCount(), " for shape ",
                                                       graph::ShapeToString(tensor.shape)));
      }
      return constant.values.data();
    }
    Set(id, TensorValues(tensor.ElementCount(), *constant.fill));
    return values_[id].data();
  }

 private:
  const LayerGraph& graph_;
  std::vector<TensorValues> values_;
  std::vector<bool> ready_;
};

absl::Status LoadGraphInputs(const LayerGraph& graph,
                             const std::map<TensorId, TensorValues>& inputs, TensorStore& store) {
  for (const auto& [id, values] : inputs) {
    if (id < 0 || id >= static_cast<TensorId>(graph.tensors.size()) ||
        !graph.tensor(id).is_graph_input) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor id ", id, " in the reference inputs is not a graph input of model '",
                       graph.model_name, "'; pass values for graph inputs only"));
    }
  }
  for (TensorId id : graph.inputs) {
    const graph::Tensor& tensor = graph.tensor(id);
    const auto it = inputs.find(id);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing values for graph input '", tensor.name, "' (tensor ", id,
                       ", shape ", graph::ShapeToString(tensor.shape), "); pass ",
                       tensor.ElementCount(), " values in NCHW order"));
    }
    if (static_cast<int64_t>(it->second.size()) != tensor.ElementCount()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph input '", tensor.name, "' has ", it->second.size(), " values, expected ",
          tensor.ElementCount(), " for shape ", graph::ShapeToString(tensor.shape)));
    }
    store.Set(id, it->second);
  }
  return absl::OkStatus();
}

// Runs `call` (whole output, weight unset) with a weight that is one fill value, one block of
// output channels at a time, each with a weight region covering that block only.
absl::Status RunWithFillWeight(const LayerGraph& graph, KernelCall call, float fill) {
  const graph::Tensor& weight = graph.tensor(*graph.layer(call.layer).weight);
  const int64_t row_elements = weight.ElementCount() / weight.shape[0];
  const int64_t rows_per_chunk =
      std::clamp<int64_t>(kFillWeightChunkElements / row_elements, 1, weight.shape[0]);
  const TensorValues chunk(rows_per_chunk * row_elements, fill);
  const Box whole_output = call.output_box;
  for (int64_t k = 0; k < weight.shape[0]; k += rows_per_chunk) {
    const int64_t k_end = std::min(k + rows_per_chunk, weight.shape[0]);
    call.weight.data = chunk.data();
    call.weight.region = Box::Full(weight.shape);
    call.weight.region.lo[0] = k;
    call.weight.region.hi[0] = k_end;
    call.weight.box = call.weight.region;
    call.output_box = whole_output;
    call.output_box.lo[graph::kC] = k;
    call.output_box.hi[graph::kC] = k_end;
    RETURN_IF_ERROR(RunKernel(graph, call));
  }
  return absl::OkStatus();
}

absl::Status RunLayer(const LayerGraph& graph, LayerId layer_id, const ReferenceOptions& options,
                      TensorStore& store) {
  const graph::Layer& layer = graph.layer(layer_id);
  KernelCall call;
  call.layer = layer_id;
  call.thread_count = options.thread_count;
  for (TensorId input : layer.inputs) {
    ASSIGN_OR_RETURN(const float* data, store.Values(input));
    const Box whole = Box::Full(graph.tensor(input).shape);
    call.inputs.push_back(InputOperand{data, whole, whole});
  }
  const graph::Tensor& output = graph.tensor(layer.output);
  call.output_box = Box::Full(output.shape);
  call.output = OutputOperand{store.Allocate(layer.output).data(), call.output_box};
  if (!layer.weight.has_value()) return RunKernel(graph, call);

  const graph::Tensor& weight = graph.tensor(*layer.weight);
  if (weight.IsConstant() && weight.constant->fill.has_value()) {
    return RunWithFillWeight(graph, call, *weight.constant->fill);
  }
  ASSIGN_OR_RETURN(const float* weight_data, store.Values(*layer.weight));
  const Box whole = Box::Full(weight.shape);
  call.weight = InputOperand{weight_data, whole, whole};
  return RunKernel(graph, call);
}

}  // namespace

absl::StatusOr<std::map<TensorId, TensorValues>> ExecuteReference(
    const LayerGraph& graph, const std::map<TensorId, TensorValues>& inputs) {
  return ExecuteReference(graph, inputs, ReferenceOptions{});
}

absl::StatusOr<std::map<TensorId, TensorValues>> ExecuteReference(
    const LayerGraph& graph, const std::map<TensorId, TensorValues>& inputs,
    const ReferenceOptions& options) {
  RETURN_IF_ERROR(graph.Verify());
  TensorStore store(graph);
  RETURN_IF_ERROR(LoadGraphInputs(graph, inputs, store));

  // The last layer that reads each tensor; intermediate tensors are released after it.
  std::vector<LayerId> last_reader(graph.tensors.size(), -1);
  for (LayerId id = 0; id < static_cast<LayerId>(graph.layers.size()); ++id) {
    for (TensorId input : graph.layer(id).inputs) last_reader[input] = id;
  }

  for (LayerId id = 0; id < static_cast<LayerId>(graph.layers.size()); ++id) {
    RETURN_IF_ERROR(RunLayer(graph, id, options, store));
    for (TensorId input : graph.layer(id).inputs) {
      const graph::Tensor& tensor = graph.tensor(input);
      if (last_reader[input] == id && !tensor.is_graph_output && !tensor.IsConstant()) {
        store.Release(input);
      }
    }
  }

  std::map<TensorId, TensorValues> outputs;
  for (TensorId id : graph.outputs) {
    ASSIGN_OR_RETURN(const float* data, store.Values(id));
    outputs[id] = TensorValues(data, data + graph.tensor(id).ElementCount());
  }
  return outputs;
}

}  // namespace soma::kernels
