// lowering_context.h: the state shared by the per-op lowering steps: the LayerGraph being
// built, the ONNX values seen so far (activations and constants), and the use counts that
// decide whether an epilogue may fold into its producer.
#ifndef SOMA_IMPORTER_LOWERING_CONTEXT_H_
#define SOMA_IMPORTER_LOWERING_CONTEXT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"
#include "importer/attributes.h"
#include "importer/constant_tensor.h"
#include "importer/placement.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// An activation value: the graph tensor that contains it, its ONNX dims and element type.
/// A view (Reshape, Flatten, Transpose-free shape changes) aliases its input's tensor under
/// its own dims, whose canonical shape may differ from the tensor's.
struct ActivationValue {
  graph::TensorId tensor = -1;
  std::vector<int64_t> dims;
  /// onnx::TensorProto::DataType of the elements.
  int32_t elem_type = onnx::TensorProto::FLOAT;
};

/// The node being lowered, with its unique name and message label.
struct NodeScope {
  const onnx::NodeProto& node;
  /// Position in the file.
  int index;
  /// Unique name: the ONNX name, or `OpType_index` when the node has none.
  std::string name;
  /// `node 'NAME' (op 'OpType')`, the prefix of every message about the node.
  std::string label;
  NodeAttributes attributes;
};

/// The result of lowering one node, which becomes the node's placement.
struct NodeOutcome {
  PlacementKind kind = PlacementKind::kNpu;
  int layer = -1;
  std::string detail;
};

class LoweringContext {
 public:
  /// `graph` must outlive the context. `opset` is the model's ai.onnx opset version.
  LoweringContext(const onnx::GraphProto& graph, int64_t opset, ExternalDataPolicy policy);

  int64_t opset() const { return opset_; }
  /// The model's opset version of `domain` ("" and "ai.onnx" are the default domain), or 0
  /// when the model imports none.
  int64_t DomainOpset(const std::string& domain) const;
  void set_domain_opsets(std::map<std::string, int64_t> opsets) {
    domain_opsets_ = std::move(opsets);
  }
  /// The batch every graph input was rebound to (--soma-batch), if any. Reshape targets
  /// that fix the model's original batch follow it.
  std::optional<int64_t> rebound_batch() const { return rebound_batch_; }
  void set_rebound_batch(std::optional<int64_t> batch) { rebound_batch_ = batch; }
  const ExternalDataPolicy& external_data_policy() const { return policy_; }
  graph::LayerGraph& graph() { return graph_; }
  const onnx::GraphProto& onnx_graph() const { return onnx_graph_; }

  /// Unique name of node `node_index`: its ONNX name, or `OpType_index` when it has none or
  /// when an earlier node has the same name.
  const std::string& NodeName(int node_index) const { return node_names_[node_index]; }
  /// `node 'NAME' (op 'OpType')` for node `node_index`.
  std::string NodeLabel(int node_index) const;

  /// Indices of the nodes that read `value`, in file order (a node reading it twice is
  /// listed twice).
  const std::vector<int>& ConsumersOf(const std::string& value) const;
  bool IsGraphOutput(const std::string& value) const;

  // ---- Values ----
  const ConstantTensor* FindConstant(const std::string& name) const;
  const ActivationValue* FindActivation(const std::string& name) const;
  void AddConstant(const std::string& name, ConstantTensor constant);

  /// The activation named `name`, read by the node of `scope`. InvalidArgument naming the
  /// node and the value when no activation has that name.
  absl::StatusOr<ActivationValue> NamedActivation(const NodeScope& scope,
                                                  const std::string& name) const;
  /// True when input `input_index` of the node exists and is not the empty name.
  static bool HasInput(const NodeScope& scope, int input_index);
  /// The activation at input `input_index`. InvalidArgument when the input is missing or
  /// names no known value; Unimplemented when it is a constant.
  absl::StatusOr<ActivationValue> ActivationInput(const NodeScope& scope, int input_index) const;
  /// The constant at input `input_index`. InvalidArgument when it is missing or unknown;
  /// Unimplemented when it is an activation. `role` names the constant's purpose in messages.
  absl::StatusOr<const ConstantTensor*> ConstantInput(const NodeScope& scope, int input_index,
                                                      const char* role) const;

  // ---- Graph construction ----
  /// Adds graph input `name` with ONNX `dims` and element type `elem_type`. Returns its
  /// tensor.
  absl::StatusOr<graph::TensorId> AddGraphInput(const std::string& name,
                                                const std::vector<int64_t>& dims,
                                                int32_t elem_type = onnx::TensorProto::FLOAT);
  /// Appends `layer`: links it as a consumer of its inputs and weight, and creates its
  /// output tensor (canonical shape of `dims`) for value `output_name` with ONNX `dims` and
  /// element type `elem_type`. Returns the layer id.
  /// `tensor_shape`, when set, replaces the canonical shape: the value is then a view of
  /// its tensor (an element-wise layer that keeps its input's shape).
  absl::StatusOr<graph::LayerId> AddLayer(const NodeScope& scope, graph::Layer layer,
                                          const std::string& output_name,
                                          const std::vector<int64_t>& dims,
                                          int32_t elem_type = onnx::TensorProto::FLOAT,
                                          std::optional<graph::Shape> tensor_shape = {});
  /// Makes `value` an activation of `tensor` with `dims` without a producing node of its
  /// own (a materialised view). The value has no ONNX readers.
  void AddMaterialisedValue(const std::string& value, graph::TensorId tensor,
                            const std::vector<int64_t>& dims, int32_t elem_type);
  /// The tensor that already contains `value` in its canonical layout, if a view of it was
  /// materialised before.
  std::optional<graph::TensorId> MaterialisedView(const std::string& value) const;
  void SetMaterialisedView(const std::string& value, graph::TensorId tensor);

  /// Keeps a node the importer synthesised (a rewritten legacy node, a fused pattern) alive
  /// for the rest of the import and returns it.
  const onnx::NodeProto& OwnNode(onnx::NodeProto node);
  /// A constant graph tensor named after `name` with canonical `shape`; the same name and
  /// shape return the same tensor, so shared weights stay shared.
  graph::TensorId ConstantGraphTensor(const std::string& name, const graph::Shape& shape,
                                      graph::ConstantData data);

  /// Makes value `output_name` a view of the tensor behind `input_name` with ONNX `dims`
  /// (Reshape, Flatten, Identity, Dropout and the like).
  void AliasValue(const std::string& input_name, const std::string& output_name,
                  const std::vector<int64_t>& dims);

  /// The layer that produces the activation `value` when an epilogue step applied to it may
  /// fold into that layer: the node being lowered is the value's only reader (views
  /// included) and the value is no graph output. `reads` is the number of reads of `value`
  /// that the fold consumes (several nodes of a fused pattern may read it).
  std::optional<graph::LayerId> FoldableProducer(const std::string& value, int reads = 1) const;
  /// Records that the node reading `input_name` folded into the producer's epilogue: the
  /// tensor now holds, and is named after, `output_name`. `reads` as in FoldableProducer.
  void FoldInto(const std::string& input_name, const std::string& output_name, int reads = 1);

 private:
  void AddUses(graph::TensorId tensor, const std::string& new_value, int consumed_uses);

  const onnx::GraphProto& onnx_graph_;
  int64_t opset_;
  std::optional<int64_t> rebound_batch_;
  std::map<std::string, int64_t> domain_opsets_;
  ExternalDataPolicy policy_;
  graph::LayerGraph graph_;

  std::vector<std::string> node_names_;
  std::map<std::string, std::vector<int>> consumers_;
  std::map<std::string, int> graph_output_count_;
  std::map<std::string, ConstantTensor> constants_;
  std::map<std::string, ActivationValue> activations_;
  std::map<std::string, graph::TensorId> constant_tensors_;
  std::map<std::string, graph::TensorId> materialised_views_;
  std::deque<onnx::NodeProto> owned_nodes_;
  /// Per tensor: reads by nodes and graph outputs over all values that alias it, minus the
  /// reads by the views and folded steps that created those aliases.
  std::vector<int> tensor_uses_;
  std::vector<bool> tensor_reaches_output_;
};

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_LOWERING_CONTEXT_H_
