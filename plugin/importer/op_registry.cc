// op_registry.cc: which lowering step handles each ai.onnx operator, and the operator list
// of npuc --soma-supported-ops.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/op_lowering.h"
#include "importer/tensor_op_lowering.h"
#include "onnx_ops/onnx_ops.h"

namespace soma::importer {

namespace {

struct SpecialisedLowering {
  LoweringFunction function;
  /// The node's placement when the specialised lowering takes it.
  const char* placement;
  /// When the specialised lowering takes the node; other forms are tensor operations.
  const char* constraints;
};

const std::map<std::string, SpecialisedLowering, std::less<>>& LoweringTable() {
  static const auto* table = new std::map<std::string, SpecialisedLowering, std::less<>>{
      {"Add", {LowerEltwise, "npu eltwise or folded",
               "per-channel constants fold into a conv or fully connected epilogue; float "
               "broadcasts expressible on canonical shapes"}},
      {"AveragePool", {LowerPool, "npu pool", "rank-4 input"}},
      {"BatchNormalization", {LowerBatchNormalization, "folded or npu activation",
                              "inference mode; rank-2 or rank-4 input"}},
      {"Clip", {LowerActivation, "folded or npu activation", "constant bounds"}},
      {"Concat", {LowerConcat, "npu concat", "along the canonical channel axis"}},
      {"Constant", {LowerConstant, "folded", "dense tensor or scalar values"}},
      {"ConstantOfShape", {LowerConstantOfShape, "folded", "constant shape"}},
      {"Conv", {LowerConv, "npu conv", "2-D (rank-4 input), constant weight"}},
      {"Div", {LowerEltwise, "folded", "division by a per-channel constant after a conv or "
                                       "fully connected layer"}},
      {"Dropout", {LowerView, "folded", "inference mode (mask unused)"}},
      {"Flatten", {LowerView, "folded", "view"}},
      {"Gemm", {LowerGemm, "npu fully_connected",
                "transA=0, constant B, per-feature C"}},
      {"GlobalAveragePool", {LowerGlobalPool, "npu pool", "rank-4 input"}},
      {"GlobalMaxPool", {LowerGlobalPool, "npu pool", "rank-4 input"}},
      {"HardSigmoid", {LowerActivation, "folded or npu activation", ""}},
      {"HardSwish", {LowerActivation, "folded or npu activation", ""}},
      {"Identity", {LowerView, "folded", "view"}},
      {"LRN", {LowerLrn, "npu lrn", "rank-2 or rank-4 input"}},
      {"LeakyRelu", {LowerActivation, "folded or npu activation", ""}},
      {"LogSoftmax", {LowerSoftmax, "npu softmax", "along the canonical channel axis"}},
      {"MatMul", {LowerMatMul, "npu fully_connected or npu matmul",
                  "constant rank-2 B with a rank-1 to rank-3 A; or rank-4 and higher operands "
                  "with broadcastable batches"}},
      {"MaxPool", {LowerPool, "npu pool", "rank-4 input, Indices output unused"}},
      {"Mul", {LowerEltwise, "npu eltwise or folded",
               "per-channel constants fold into a conv or fully connected epilogue; float "
               "broadcasts expressible on canonical shapes"}},
      {"Relu", {LowerActivation, "folded or npu activation", ""}},
      {"Reshape", {LowerView, "folded", "constant shape (view)"}},
      {"Shape", {LowerShape, "folded", "static input shape"}},
      {"Sigmoid", {LowerActivation, "folded or npu activation", ""}},
      {"Size", {LowerShape, "folded", "static input shape"}},
      {"Softmax", {LowerSoftmax, "npu softmax", "along the canonical channel axis"}},
      {"Squeeze", {LowerView, "folded", "constant axes (view)"}},
      {"Sub", {LowerEltwise, "folded", "subtraction of a per-channel constant after a conv or "
                                       "fully connected layer"}},
      {"Sum", {LowerEltwise, "npu eltwise", "float broadcasts expressible on canonical shapes"}},
      {"Tanh", {LowerActivation, "folded or npu activation", ""}},
      {"Unsqueeze", {LowerView, "folded", "constant axes (view)"}},
  };
  return *table;
}

}  // namespace

LoweringFunction FindLowering(std::string_view op_type) {
  const auto& table = LoweringTable();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : it->second.function;
}

std::string SupportedOperatorList() {
  std::vector<std::string> names;
  for (const auto& [name, lowering] : LoweringTable()) names.push_back(name);
  return absl::StrJoin(names, ", ");
}

std::vector<SupportedOperatorRow> SupportedOperatorRows() {
  std::map<std::string, SupportedOperatorRow> rows;
  for (const auto& [op, lowering] : LoweringTable()) {
    rows[absl::StrCat("ai.onnx.", op)] =
        SupportedOperatorRow{absl::StrCat("ai.onnx.", op), lowering.placement,
                             lowering.constraints};
  }
  for (const onnx_ops::OperatorInfo& info : onnx_ops::SupportedOperators()) {
    const std::string domain = IsDefaultDomain(info.domain) ? "ai.onnx" : info.domain;
    const std::string name = absl::StrCat(domain, ".", info.op_type);
    const std::string reason = HostReason(info.domain, info.op_type);
    const std::string generic = reason.empty() ? "vector tensor op" : "host";
    auto it = rows.find(name);
    if (it == rows.end()) {
      rows[name] = SupportedOperatorRow{name, generic, info.constraints};
      continue;
    }
    // A specialised lowering that cannot express a node leaves it to the interpreter.
    it->second.placement = absl::StrCat(it->second.placement, " or ", generic);
    it->second.constraints = absl::StrCat(
        it->second.constraints.empty() ? "any form" : it->second.constraints,
        "; other forms as a tensor op", info.constraints.empty() ? "" : ": ", info.constraints);
  }
  std::vector<SupportedOperatorRow> sorted;
  for (auto& [name, row] : rows) sorted.push_back(std::move(row));
  return sorted;
}

}  // namespace soma::importer
