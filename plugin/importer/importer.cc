// importer.cc: the import driver: parse, bind inputs, sort, lower node by node, mark outputs,
// verify.
#include "importer/importer.h"

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "importer/constant_tensor.h"
#include "importer/graph_interface.h"
#include "importer/lowering_context.h"
#include "importer/model_reader.h"
#include "importer/node_order.h"
#include "importer/legacy_forms.h"
#include "importer/op_lowering.h"
#include "importer/patterns.h"
#include "importer/tensor_op_lowering.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::importer {

namespace {

// Prefixes a status message with the model's source name, keeping the code.
absl::Status WithSource(const std::string& source_name, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(source_name, ": ", status.message()));
}

absl::StatusOr<int64_t> DefaultDomainOpset(const onnx::ModelProto& model,
                                           const std::string& source_name) {
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") return opset.version();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source_name, ": the model imports no ai.onnx opset (opset_import lists no default domain)"));
}

absl::Status AddInitializers(LoweringContext& context) {
  for (const onnx::TensorProto& initializer : context.onnx_graph().initializer()) {
    auto constant = ConstantFromTensorProto(initializer, context.external_data_policy());
    if (!constant.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("initializer ", constant.status().message()));
    }
    context.AddConstant(initializer.name(), std::move(*constant));
  }
  return absl::OkStatus();
}

// True when every present input is a constant; a node without inputs counts as constant
// unless `require_input` is set.
bool AllInputsConstant(const NodeScope& scope, const LoweringContext& context,
                       bool require_input) {
  bool any = false;
  for (const std::string& input : scope.node.input()) {
    if (input.empty()) continue;
    if (context.FindConstant(input) == nullptr) return false;
    any = true;
  }
  return any || !require_input;
}

// True when the node has no subgraph. A node with subgraphs (If, Loop, Scan) may read
// outer-scope activations, so it is not constant even when its inputs are.
bool HasNoSubgraph(const onnx::NodeProto& node) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.has_g() || attribute.graphs_size() > 0) return false;
  }
  return true;
}

absl::StatusOr<NodeOutcome> LowerDefaultDomainNode(const NodeScope& scope,
                                                   LoweringContext& context) {
  const std::string& op = scope.node.op_type();
  const bool interpreted = onnx_ops::IsSupported("", op);
  const bool constant_inputs =
      AllInputsConstant(scope, context, /*require_input=*/op != "Constant") &&
      HasNoSubgraph(scope.node);
  if (constant_inputs && IsFoldableOnConstants(op) && FindLowering(op) != LowerConstant &&
      FindLowering(op) != LowerConstantOfShape) {
    absl::StatusOr<NodeOutcome> folded = FoldConstantNode(scope, context);
    // A result too large to fold (an Expand of a constant, say) is computed at run time.
    if (folded.ok() || folded.status().code() != absl::StatusCode::kUnimplemented ||
        !interpreted) {
      return folded;
    }
    absl::StatusOr<NodeOutcome> generic = LowerTensorOp(scope, context);
    return generic.ok() ? generic : folded;
  }
  const LoweringFunction lowering = FindLowering(op);
  if (lowering == nullptr) {
    if (interpreted) return LowerTensorOp(scope, context);
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": unsupported operator; neither a specialised lowering nor the reference "
        "interpreter implements it (npuc --soma-supported-ops lists the supported operators)"));
  }
  absl::StatusOr<NodeOutcome> outcome = lowering(scope, context);
  // A specialised lowering that cannot express the node's attributes or shapes leaves it to
  // the generic tensor operation.
  if (outcome.ok() || outcome.status().code() != absl::StatusCode::kUnimplemented ||
      !interpreted) {
    return outcome;
  }
  absl::StatusOr<NodeOutcome> generic = LowerTensorOp(scope, context);
  if (generic.ok()) return generic;
  return generic.status().code() == absl::StatusCode::kUnimplemented ? generic : outcome;
}

absl::StatusOr<NodeOutcome> LowerNode(const NodeScope& scope, LoweringContext& context) {
  const std::string& domain = scope.node.domain();
  if (!IsDefaultDomain(domain)) {
    if (onnx_ops::IsSupported(domain, scope.node.op_type())) return LowerTensorOp(scope, context);
    return absl::UnimplementedError(absl::StrCat(
        "node '", scope.name, "' (op '", domain, ".", scope.node.op_type(),
        "'): unsupported operator; the reference interpreter does not implement it (npuc "
        "--soma-supported-ops lists the supported operators)"));
  }
  auto legacy = RewriteLegacyNode(scope, context);
  if (!legacy.ok()) return legacy.status();
  if (*legacy != nullptr) {
    const NodeScope rewritten{**legacy, scope.index, scope.name, scope.label,
                              NodeAttributes(**legacy, scope.label)};
    return LowerDefaultDomainNode(rewritten, context);
  }
  return LowerDefaultDomainNode(scope, context);
}

// FailedPrecondition when `node` reads the output of a failed node, else OK.
absl::StatusOr<NodeOutcome> BlockedByFailure(const onnx::NodeProto& node,
                                             const std::map<std::string, std::string>& failed_values) {
  for (const std::string& input : node.input()) {
    auto failed = failed_values.find(input);
    if (failed == failed_values.end()) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "input '", input, "' is unavailable because node '", failed->second, "' failed"));
  }
  return NodeOutcome{};
}

// Marks the members of `pattern` other than its last node that are still unplaced as
// failed with `status`.
void MarkMembersFailed(const FusedPattern& pattern, const absl::Status& status,
                       const LoweringContext& context, PlacementTable& placement,
                       std::map<std::string, std::string>& failed_values) {
  for (int other : pattern.nodes) {
    if (other == pattern.last_node || placement[other].detail != "not lowered") continue;
    placement[other].kind = PlacementKind::kError;
    placement[other].detail = std::string(status.message());
    for (const std::string& output : context.onnx_graph().node(other).output()) {
      failed_values[output] = context.NodeName(other);
    }
  }
}

// Lowers `pattern` when its last node is reached and places every member. FailedPrecondition
// when an input of the pattern comes from a failed node.
absl::Status LowerPattern(const FusedPattern& pattern, LoweringContext& context,
                          PlacementTable& placement,
                          const std::map<std::string, std::string>& failed_values) {
  for (const std::string& input : pattern.external_inputs) {
    auto failed = failed_values.find(input);
    if (failed == failed_values.end()) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "input '", input, "' is unavailable because node '", failed->second, "' failed"));
  }
  // A pattern that does not fit the shapes lowers node by node inside LowerFusedPattern.
  absl::StatusOr<std::vector<NodeOutcome>> outcomes =
      LowerFusedPattern(pattern, context, LowerNode);
  if (!outcomes.ok()) return outcomes.status();
  for (size_t index = 0; index < pattern.nodes.size(); ++index) {
    Placement& entry = placement[pattern.nodes[index]];
    entry.kind = (*outcomes)[index].kind;
    entry.layer = (*outcomes)[index].layer;
    entry.detail = (*outcomes)[index].detail;
  }
  return absl::OkStatus();
}

// Lowers every node in `order`. A node whose lowering fails, or that reads the output of a
// failed node, gets an error placement. Lowering continues past failures so that the table
// lists every one of them. Returns the first failure.
absl::Status LowerNodes(const std::vector<int>& order, LoweringContext& context,
                        PlacementTable& placement) {
  absl::Status first_error;
  std::map<std::string, std::string> failed_values;  // value -> name of the failed node
  const std::vector<FusedPattern> patterns = FindFusedPatterns(context);
  std::map<int, const FusedPattern*> pattern_of_node;
  for (const FusedPattern& pattern : patterns) {
    for (int member : pattern.nodes) pattern_of_node[member] = &pattern;
  }
  for (int node_index : order) {
    const onnx::NodeProto& node = context.onnx_graph().node(node_index);
    const NodeScope scope{node, node_index, context.NodeName(node_index),
                          context.NodeLabel(node_index),
                          NodeAttributes(node, context.NodeLabel(node_index))};
    Placement& entry = placement[node_index];

    absl::StatusOr<NodeOutcome> outcome = BlockedByFailure(node, failed_values);
    auto member = pattern_of_node.find(node_index);
    if (member != pattern_of_node.end()) {
      // Members wait for the pattern's last node, which places them all.
      if (node_index != member->second->last_node && outcome.ok()) continue;
      if (node_index == member->second->last_node) {
        absl::Status status = outcome.ok()
                                  ? LowerPattern(*member->second, context, placement, failed_values)
                                  : outcome.status();
        if (status.ok()) continue;
        MarkMembersFailed(*member->second, status, context, placement, failed_values);
        outcome = status;
      }
    }
    if (outcome.ok()) outcome = LowerNode(scope, context);
    if (!outcome.ok()) {
      entry.kind = PlacementKind::kError;
      entry.detail = std::string(outcome.status().message());
      for (const std::string& output : node.output()) failed_values[output] = scope.name;
      if (first_error.ok() && outcome.status().code() != absl::StatusCode::kFailedPrecondition) {
        first_error = outcome.status();
      }
      continue;
    }
    entry.kind = outcome->kind;
    entry.layer = outcome->layer;
    entry.detail = outcome->detail;
  }
  return first_error;
}

ImportAttempt ImportParsedModel(const onnx::ModelProto& model, const std::string& source_name,
                                const std::string& model_folder, const ImportOptions& options) {
  ImportAttempt attempt;
  auto opset = DefaultDomainOpset(model, source_name);
  if (!opset.ok()) {
    attempt.result = opset.status();
    return attempt;
  }
  const onnx::GraphProto& onnx_graph = model.graph();
  LoweringContext context(onnx_graph, *opset, ExternalDataPolicy{model_folder});
  context.set_rebound_batch(options.batch);
  std::map<std::string, int64_t> domain_opsets;
  for (const onnx::OperatorSetIdProto& entry : model.opset_import()) {
    domain_opsets[entry.domain()] = entry.version();
  }
  context.set_domain_opsets(std::move(domain_opsets));
  for (int node_index = 0; node_index < onnx_graph.node_size(); ++node_index) {
    attempt.placement.push_back(Placement{context.NodeName(node_index),
                                          onnx_graph.node(node_index).op_type(),
                                          PlacementKind::kError, -1, "not lowered"});
  }
  auto fail = [&](const absl::Status& status) {
    attempt.result = WithSource(source_name, status);
    for (Placement& entry : attempt.placement) {
      if (entry.detail == "not lowered") entry.detail = absl::StrCat("not lowered: ", status.message());
    }
    return std::move(attempt);
  };

  // Step 1: constants and inputs.
  absl::Status status = AddInitializers(context);
  if (!status.ok()) return fail(status);
  status = AddGraphInputs(options, context);
  if (!status.ok()) return fail(status);

  // Step 2: a stable topological order, then one lowering step per node.
  std::vector<std::string> labels;
  for (int node_index = 0; node_index < onnx_graph.node_size(); ++node_index) {
    labels.push_back(context.NodeLabel(node_index));
  }
  auto order = TopologicalNodeOrder(onnx_graph, labels);
  if (!order.ok()) return fail(order.status());
  status = LowerNodes(*order, context, attempt.placement);
  if (!status.ok()) return fail(status);

  // Step 3: outputs, then the LayerGraph invariants.
  status = MarkGraphOutputs(options, context);
  if (!status.ok()) return fail(status);
  graph::LayerGraph& graph = context.graph();
  graph.model_name = std::filesystem::path(source_name).stem().string();
  status = graph.Verify();
  if (!status.ok()) {
    return fail(absl::InternalError(
        absl::StrCat("the imported LayerGraph fails verification: ", status.message())));
  }
  attempt.result = ImportResult{std::move(graph), attempt.placement};
  return attempt;
}

}  // namespace

ImportAttempt TryImportModelBytes(const std::string& bytes, const std::string& source_name,
                                  const ImportOptions& options) {
  auto model = ParseModelProto(bytes, source_name, options.max_model_bytes);
  if (!model.ok()) return ImportAttempt{model.status(), {}};
  return ImportParsedModel(*model, source_name, /*model_folder=*/"", options);
}

ImportAttempt TryImportModelFile(const std::string& path, const ImportOptions& options) {
  auto bytes = ReadModelFileBytes(path, options.max_model_bytes);
  if (!bytes.ok()) return ImportAttempt{bytes.status(), {}};
  auto model = ParseModelProto(*bytes, path, options.max_model_bytes);
  if (!model.ok()) return ImportAttempt{model.status(), {}};
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::filesystem::path folder = parent.empty() ? std::filesystem::path(".") : parent;
  return ImportParsedModel(*model, path, folder.string(), options);
}

absl::StatusOr<ImportResult> ImportModelFile(const std::string& path, const ImportOptions& options) {
  return TryImportModelFile(path, options).result;
}

absl::StatusOr<ImportResult> ImportModelBytes(const std::string& bytes, const std::string& source_name,
                                              const ImportOptions& options) {
  return TryImportModelBytes(bytes, source_name, options).result;
}

}  // namespace soma::importer
