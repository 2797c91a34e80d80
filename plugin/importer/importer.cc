// importer.cc: the import driver: parse, bind inputs, sort, lower node by node, mark outputs,
// verify.
#include "importer/importer.h"

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "importer/constant_tensor.h"
#include "importer/graph_interface.h"
#include "importer/lowering_context.h"
#include "importer/model_reader.h"
#include "importer/node_order.h"
#include "importer/op_lowering.h"

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

bool AllInputsConstant(const NodeScope& scope, const LoweringContext& context) {
  bool any = false;
  for (const std::string& input : scope.node.input()) {
    if (input.empty()) continue;
    if (context.FindConstant(input) == nullptr) return false;
    any = true;
  }
  return any;
}

absl::StatusOr<NodeOutcome> LowerNode(const NodeScope& scope, LoweringContext& context) {
  const std::string& domain = scope.node.domain();
  if (!domain.empty() && domain != "ai.onnx") {
    return absl::UnimplementedError(absl::StrCat(
        "node '", scope.name, "' (op '", domain, ":", scope.node.op_type(),
        "'): unsupported operator; only the ai.onnx domain is supported; supported: ",
        SupportedOperatorList()));
  }
  if (IsFoldableOnConstants(scope.node.op_type()) && AllInputsConstant(scope, context)) {
    return FoldConstantNode(scope, context);
  }
  const LoweringFunction lowering = FindLowering(scope.node.op_type());
  if (lowering == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        scope.label, ": unsupported operator; supported: ", SupportedOperatorList()));
  }
  return lowering(scope, context);
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

// Lowers every node in `order`. A node whose lowering fails, or that reads the output of a
// failed node, gets an error placement. Lowering continues past failures so that the table
// lists every one of them. Returns the first failure.
absl::Status LowerNodes(const std::vector<int>& order, LoweringContext& context,
                        PlacementTable& placement) {
  absl::Status first_error;
  std::map<std::string, std::string> failed_values;  // value -> name of the failed node
  for (int node_index : order) {
    const onnx::NodeProto& node = context.onnx_graph().node(node_index);
    const NodeScope scope{node, node_index, context.NodeName(node_index),
                          context.NodeLabel(node_index),
                          NodeAttributes(node, context.NodeLabel(node_index))};
    Placement& entry = placement[node_index];

    absl::StatusOr<NodeOutcome> outcome = BlockedByFailure(node, failed_values);
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
