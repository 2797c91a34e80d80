// pattern_matching.cc: finding the layer normalization and GELU patterns in the ONNX graph
// before lowering.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "importer/patterns.h"
#include "importer/tensor_op_lowering.h"

namespace soma::importer {

namespace {

// Read-only queries on the ONNX graph before lowering.
class GraphIndex {
 public:
  explicit GraphIndex(const LoweringContext& context) : context_(context) {
    const onnx::GraphProto& graph = context.onnx_graph();
    for (int index = 0; index < graph.node_size(); ++index) {
      for (const std::string& output : graph.node(index).output()) {
        if (!output.empty()) producers_[output] = index;
      }
    }
  }

  const onnx::NodeProto& Node(int index) const { return context_.onnx_graph().node(index); }

  // The producing node of `value`, or -1 for graph inputs, initializers and unknown names.
  int Producer(const std::string& value) const {
    auto it = producers_.find(value);
    return it == producers_.end() ? -1 : it->second;
  }

  // The producer of `value` when it runs `op_type`, else -1.
  int ProducerOf(const std::string& value, const char* op_type) const {
    const int producer = Producer(value);
    return producer >= 0 && Node(producer).op_type() == op_type ? producer : -1;
  }

  // True for initializers and outputs of Constant nodes.
  bool IsConstant(const std::string& value) const {
    if (context_.FindConstant(value) != nullptr) return true;
    return ProducerOf(value, "Constant") >= 0;
  }

  // The only element of a constant with one element.
  std::optional<double> Scalar(const std::string& value) const {
    if (const ConstantTensor* constant = context_.FindConstant(value)) {
      if (constant->ElementCount() != 1) return std::nullopt;
      return constant->At(0);
    }
    const int producer = ProducerOf(value, "Constant");
    if (producer < 0) return std::nullopt;
    for (const onnx::AttributeProto& attribute : Node(producer).attribute()) {
      if (attribute.name() == "value_float") return attribute.f();
      if (attribute.name() == "value_int") return static_cast<double>(attribute.i());
      if (attribute.name() != "value") continue;
      auto constant = ConstantFromTensorProto(attribute.t(), ExternalDataPolicy{});
      if (!constant.ok() || constant->ElementCount() != 1) return std::nullopt;
      return constant->At(0);
    }
    return std::nullopt;
  }

  bool ScalarNear(const std::string& value, double expected) const {
    const std::optional<double> scalar = Scalar(value);
    return scalar && std::fabs(*scalar - expected) <= 1e-3 * std::fabs(expected);
  }

  // True when node input slots read `value` exactly `count` times and it is no graph output.
  bool ReadsExactly(const std::string& value, size_t count) const {
    return context_.ConsumersOf(value).size() == count && !context_.IsGraphOutput(value);
  }

  // The only node reading `value` once, or -1.
  int SoleReader(const std::string& value) const {
    if (!ReadsExactly(value, 1)) return -1;
    return context_.ConsumersOf(value).front();
  }

  const LoweringContext& context() const { return context_; }

 private:
  const LoweringContext& context_;
  std::map<std::string, int> producers_;
};

// The operand of binary `node` other than `value`, or "" when `value` is not an operand.
std::string OtherOperand(const onnx::NodeProto& node, const std::string& value) {
  if (node.input_size() != 2) return "";
  if (node.input(0) == value) return node.input(1);
  if (node.input(1) == value) return node.input(0);
  return "";
}

// Collects the leaves of the Mul tree rooted at node `root`; inner Mul nodes must be read
// only by the tree. Members are appended in post-order.
void CollectProduct(const GraphIndex& index, int root, const std::set<int>& claimed,
                    std::vector<std::string>& leaves, std::vector<int>& members) {
  for (const std::string& operand : index.Node(root).input()) {
    const int producer = index.ProducerOf(operand, "Mul");
    if (producer >= 0 && claimed.count(producer) == 0 && index.ReadsExactly(operand, 1) &&
        index.Node(producer).input_size() == 2) {
      CollectProduct(index, producer, claimed, leaves, members);
    } else {
      leaves.push_back(operand);
    }
  }
  members.push_back(root);
}

// x^3 as Pow(x, 3) or a Mul tree of three reads of x; appends its members.
bool MatchCube(const GraphIndex& index, const std::string& value, const std::string& x,
               const std::set<int>& claimed, std::vector<int>& members) {
  if (!index.ReadsExactly(value, 1)) return false;
  const int pow = index.ProducerOf(value, "Pow");
  if (pow >= 0) {
    if (index.Node(pow).input_size() != 2 || index.Node(pow).input(0) != x ||
        !index.ScalarNear(index.Node(pow).input(1), 3.0)) {
      return false;
    }
    members.push_back(pow);
    return true;
  }
  const int mul = index.ProducerOf(value, "Mul");
  if (mul < 0 || claimed.count(mul) > 0) return false;
  std::vector<std::string> leaves;
  std::vector<int> cube_members;
  CollectProduct(index, mul, claimed, leaves, cube_members);
  if (leaves.size() != 3 || std::count(leaves.begin(), leaves.end(), x) != 3) return false;
  members.insert(members.end(), cube_members.begin(), cube_members.end());
  return true;
}

// The chain inside 1 + F(x): Erf(x / sqrt(2)) or Tanh(sqrt(2/pi) * (x + 0.044715 x^3)).
// `e` is F's output. Appends the members and returns the kind.
std::optional<FusedPatternKind> MatchGeluCore(const GraphIndex& index, const std::string& e,
                                              const std::string& x, const std::set<int>& claimed,
                                              std::vector<int>& members) {
  if (!index.ReadsExactly(e, 1)) return std::nullopt;
  const int erf = index.ProducerOf(e, "Erf");
  if (erf >= 0) {
    const std::string& scaled = index.Node(erf).input(0);
    if (!index.ReadsExactly(scaled, 1)) return std::nullopt;
    const int div = index.ProducerOf(scaled, "Div");
    const int mul = index.ProducerOf(scaled, "Mul");
    if (div >= 0 && index.Node(div).input(0) == x &&
        index.ScalarNear(index.Node(div).input(1), std::sqrt(2.0))) {
      members.push_back(div);
    } else if (mul >= 0 && index.ScalarNear(OtherOperand(index.Node(mul), x), std::sqrt(0.5))) {
      members.push_back(mul);
    } else {
      return std::nullopt;
    }
    members.push_back(erf);
    return FusedPatternKind::kGelu;
  }
  const int tanh = index.ProducerOf(e, "Tanh");
  if (tanh < 0) return std::nullopt;
  const std::string& u = index.Node(tanh).input(0);
  const int outer_mul = index.ProducerOf(u, "Mul");
  if (outer_mul < 0 || !index.ReadsExactly(u, 1)) return std::nullopt;
  const onnx::NodeProto& outer = index.Node(outer_mul);
  const double sqrt_2_over_pi = std::sqrt(2.0 / M_PI);
  std::string r;
  if (index.ScalarNear(outer.input(1), sqrt_2_over_pi)) r = outer.input(0);
  if (index.ScalarNear(outer.input(0), sqrt_2_over_pi)) r = outer.input(1);
  const int add = r.empty() ? -1 : index.ProducerOf(r, "Add");
  if (add < 0 || !index.ReadsExactly(r, 1)) return std::nullopt;
  const std::string q = OtherOperand(index.Node(add), x);
  const int cubic_mul = q.empty() ? -1 : index.ProducerOf(q, "Mul");
  if (cubic_mul < 0 || !index.ReadsExactly(q, 1)) return std::nullopt;
  const onnx::NodeProto& cubic = index.Node(cubic_mul);
  std::string cube;
  if (index.ScalarNear(cubic.input(1), 0.044715)) cube = cubic.input(0);
  if (index.ScalarNear(cubic.input(0), 0.044715)) cube = cubic.input(1);
  if (cube.empty() || !MatchCube(index, cube, x, claimed, members)) return std::nullopt;
  members.insert(members.end(), {cubic_mul, add, outer_mul, tanh});
  return FusedPatternKind::kGeluTanh;
}

std::optional<FusedPattern> MatchGelu(const GraphIndex& index, int root,
                                      const std::set<int>& claimed) {
  std::vector<std::string> leaves;
  std::vector<int> product_members;
  CollectProduct(index, root, claimed, leaves, product_members);
  if (leaves.size() != 3) return std::nullopt;
  for (size_t half = 0; half < 3; ++half) {
    if (!index.ScalarNear(leaves[half], 0.5)) continue;
    for (size_t sum = 0; sum < 3; ++sum) {
      if (sum == half) continue;
      const std::string& x = leaves[3 - half - sum];
      const std::string& a = leaves[sum];
      const int add = index.ProducerOf(a, "Add");
      if (add < 0 || index.IsConstant(x) || !index.ReadsExactly(a, 1)) continue;
      const onnx::NodeProto& add_node = index.Node(add);
      std::string e;
      if (index.ScalarNear(add_node.input(1), 1.0)) e = add_node.input(0);
      if (e.empty() && index.ScalarNear(add_node.input(0), 1.0)) e = add_node.input(1);
      if (e.empty()) continue;
      std::vector<int> members;
      const std::optional<FusedPatternKind> kind = MatchGeluCore(index, e, x, claimed, members);
      if (!kind) continue;
      members.push_back(add);
      members.insert(members.end(), product_members.begin(), product_members.end());
      FusedPattern pattern;
      pattern.kind = *kind;
      pattern.nodes = members;
      pattern.last_node = root;
      pattern.input = x;
      pattern.output = index.Node(root).output(0);
      pattern.external_inputs = {x};
      for (int member : members) {
        for (const std::string& input : index.Node(member).input()) {
          if (input == x) ++pattern.input_reads;
        }
      }
      return pattern;
    }
  }
  return std::nullopt;
}

bool KeepsDims(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == "keepdims") return attribute.i() != 0;
  }
  return true;
}

std::optional<FusedPattern> MatchLayerNormalization(const GraphIndex& index, int first) {
  const onnx::NodeProto& mean_node = index.Node(first);
  if (mean_node.input_size() < 1 || mean_node.output_size() < 1 || !KeepsDims(mean_node)) {
    return std::nullopt;
  }
  const std::string& x = mean_node.input(0);
  if (index.IsConstant(x)) return std::nullopt;
  // x - mean feeds Pow(2) and the final Div, through one Sub or (as some exporters write
  // it) two identical ones.
  const std::string& mean = mean_node.output(0);
  const std::vector<int>& subs = index.context().ConsumersOf(mean);
  if (subs.empty() || subs.size() > 2 || index.context().IsGraphOutput(mean)) return std::nullopt;
  int pow = -1;
  int div = -1;
  size_t centered_reads = 0;
  for (int sub : subs) {
    const onnx::NodeProto& sub_node = index.Node(sub);
    if (sub_node.op_type() != "Sub" || sub_node.input_size() != 2 || sub_node.input(0) != x ||
        sub_node.input(1) != mean || (subs.size() == 2 && subs[0] == subs[1])) {
      return std::nullopt;
    }
    const std::string& centered = sub_node.output(0);
    if (index.context().IsGraphOutput(centered)) return std::nullopt;
    for (int reader : index.context().ConsumersOf(centered)) {
      const onnx::NodeProto& node = index.Node(reader);
      ++centered_reads;
      if (node.op_type() == "Pow" && node.input(0) == centered &&
          index.ScalarNear(node.input(1), 2.0) && pow < 0) {
        pow = reader;
      } else if (node.op_type() == "Div" && node.input(0) == centered && div < 0) {
        div = reader;
      } else {
        return std::nullopt;
      }
    }
  }
  if (pow < 0 || div < 0 || centered_reads != 2) return std::nullopt;
  const int variance = index.SoleReader(index.Node(pow).output(0));
  if (variance < 0 || index.Node(variance).op_type() != "ReduceMean" ||
      !KeepsDims(index.Node(variance))) {
    return std::nullopt;
  }
  const int add_epsilon = index.SoleReader(index.Node(variance).output(0));
  if (add_epsilon < 0 || index.Node(add_epsilon).op_type() != "Add") return std::nullopt;
  const std::string epsilon_value =
      OtherOperand(index.Node(add_epsilon), index.Node(variance).output(0));
  const std::optional<double> epsilon = index.Scalar(epsilon_value);
  if (!epsilon) return std::nullopt;
  const int sqrt = index.SoleReader(index.Node(add_epsilon).output(0));
  if (sqrt < 0 || index.Node(sqrt).op_type() != "Sqrt") return std::nullopt;
  if (index.SoleReader(index.Node(sqrt).output(0)) != div ||
      index.Node(div).input(1) != index.Node(sqrt).output(0)) {
    return std::nullopt;
  }

  FusedPattern pattern;
  pattern.kind = FusedPatternKind::kLayerNormalization;
  pattern.nodes = {first};
  pattern.nodes.insert(pattern.nodes.end(), subs.begin(), subs.end());
  pattern.nodes.insert(pattern.nodes.end(), {pow, variance, add_epsilon, sqrt, div});
  pattern.reduce_nodes = {first, variance};
  pattern.epsilon = static_cast<float>(*epsilon);
  pattern.input = x;
  pattern.input_reads = 1 + static_cast<int>(subs.size());
  std::string output = index.Node(div).output(0);
  // Optional Mul by gamma, then Add of beta, each by a constant.
  const int mul = index.SoleReader(output);
  if (mul >= 0 && index.Node(mul).op_type() == "Mul" &&
      index.IsConstant(OtherOperand(index.Node(mul), output))) {
    pattern.scale = OtherOperand(index.Node(mul), output);
    pattern.nodes.push_back(mul);
    output = index.Node(mul).output(0);
  }
  const int add = index.SoleReader(output);
  if (add >= 0 && index.Node(add).op_type() == "Add" &&
      index.IsConstant(OtherOperand(index.Node(add), output))) {
    pattern.bias = OtherOperand(index.Node(add), output);
    pattern.nodes.push_back(add);
    output = index.Node(add).output(0);
  }
  pattern.last_node = pattern.nodes.back();
  pattern.output = output;
  pattern.external_inputs = {x};
  if (!pattern.scale.empty()) pattern.external_inputs.push_back(pattern.scale);
  if (!pattern.bias.empty()) pattern.external_inputs.push_back(pattern.bias);
  return pattern;
}

}  // namespace

std::vector<FusedPattern> FindFusedPatterns(const LoweringContext& context) {
  const GraphIndex index(context);
  std::vector<FusedPattern> patterns;
  std::set<int> claimed;
  auto accept = [&](FusedPattern pattern) {
    for (int member : pattern.nodes) {
      if (claimed.count(member) > 0) return;
    }
    std::set<int> unique(pattern.nodes.begin(), pattern.nodes.end());
    if (unique.size() != pattern.nodes.size()) return;
    claimed.insert(pattern.nodes.begin(), pattern.nodes.end());
    patterns.push_back(std::move(pattern));
  };
  const onnx::GraphProto& graph = context.onnx_graph();
  for (int node = 0; node < graph.node_size(); ++node) {
    if (!IsDefaultDomain(graph.node(node).domain()) || claimed.count(node) > 0) continue;
    if (graph.node(node).op_type() == "ReduceMean") {
      if (auto pattern = MatchLayerNormalization(index, node)) accept(std::move(*pattern));
    }
  }
  // GELU roots are tried from the last node backwards so that the outermost Mul of a
  // product wins over its inner Muls.
  for (int node = graph.node_size() - 1; node >= 0; --node) {
    const onnx::NodeProto& candidate = graph.node(node);
    if (!IsDefaultDomain(candidate.domain()) || candidate.op_type() != "Mul" ||
        candidate.input_size() != 2 || claimed.count(node) > 0) {
      continue;
    }
    if (auto pattern = MatchGelu(index, node, claimed)) accept(std::move(*pattern));
  }
  return patterns;
}

}  // namespace soma::importer
