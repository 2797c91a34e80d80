// op_registry.cc: which lowering step handles each supported ai.onnx operator.
#include <map>
#include <string>

#include "absl/strings/str_join.h"
#include "importer/op_lowering.h"

namespace soma::importer {

namespace {

const std::map<std::string, LoweringFunction, std::less<>>& LoweringTable() {
  static const auto* table = new std::map<std::string, LoweringFunction, std::less<>>{
      {"Add", LowerEltwise},
      {"AveragePool", LowerPool},
      {"BatchNormalization", LowerBatchNormalization},
      {"Clip", LowerActivation},
      {"Concat", LowerConcat},
      {"Constant", LowerConstant},
      {"ConstantOfShape", LowerConstantOfShape},
      {"Conv", LowerConv},
      {"Dropout", LowerView},
      {"Flatten", LowerView},
      {"Gemm", LowerGemm},
      {"GlobalAveragePool", LowerGlobalPool},
      {"GlobalMaxPool", LowerGlobalPool},
      {"HardSigmoid", LowerActivation},
      {"HardSwish", LowerActivation},
      {"Identity", LowerView},
      {"LRN", LowerLrn},
      {"LeakyRelu", LowerActivation},
      {"LogSoftmax", LowerSoftmax},
      {"MatMul", LowerMatMul},
      {"MaxPool", LowerPool},
      {"Mul", LowerEltwise},
      {"Relu", LowerActivation},
      {"Reshape", LowerView},
      {"Shape", LowerShape},
      {"Sigmoid", LowerActivation},
      {"Softmax", LowerSoftmax},
      {"Squeeze", LowerView},
      {"Sum", LowerEltwise},
      {"Unsqueeze", LowerView},
  };
  return *table;
}

}  // namespace

LoweringFunction FindLowering(std::string_view op_type) {
  const auto& table = LoweringTable();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : it->second;
}

std::string SupportedOperatorList() {
  std::vector<std::string> names;
  for (const auto& [name, function] : LoweringTable()) names.push_back(name);
  return absl::StrJoin(names, ", ");
}

}  // namespace soma::importer
