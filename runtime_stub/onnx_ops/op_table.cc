// op_table.cc: the operator table and the single-node entry points.
#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "onnx_ops/onnx_ops.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"

namespace soma::onnx_ops {

namespace {

std::string TableKey(std::string_view domain, std::string_view op_type) {
  std::string key(domain == "ai.onnx" ? std::string_view() : domain);
  key += '/';
  key += op_type;
  return key;
}

const OpTable& Table() {
  static const OpTable* const table = [] {
    auto* built = new OpTable();
    RegisterElementwiseOps(*built);
    RegisterReductionOps(*built);
    RegisterQuantizationOps(*built);
    RegisterShapeOps(*built);
    RegisterNeuralOps(*built);
    RegisterControlOps(*built);
    RegisterRecurrentOps(*built);
    RegisterContribOps(*built);
    return built;
  }();
  return *table;
}

}  // namespace

bool IsSupported(std::string_view domain, std::string_view op_type) {
  return Table().count(TableKey(domain, op_type)) > 0;
}

std::vector<OperatorInfo> SupportedOperators() {
  std::vector<OperatorInfo> operators;
  for (const auto& [key, entry] : Table()) {
    const size_t slash = key.find('/');
    operators.push_back(
        {key.substr(0, slash), key.substr(slash + 1), entry.constraints});
  }
  return operators;  // std::map keeps "domain/op" order.
}

absl::StatusOr<std::vector<HostTensor>> RunNode(const onnx::NodeProto& node, int64_t opset,
                                                absl::Span<const HostTensor* const> inputs,
                                                const ValueScope* outer) {
  const auto found = Table().find(TableKey(node.domain(), node.op_type()));
  if (found == Table().end()) {
    return absl::UnimplementedError(
        absl::StrCat(NodeLabel(node), ": the reference interpreter has no implementation of ",
                     node.domain().empty() ? "" : absl::StrCat(node.domain(), "."),
                     node.op_type()));
  }
  const OpCall call{node, opset, inputs, outer, NodeLabel(node)};
  return found->second.run(call);
}

}  // namespace soma::onnx_ops
