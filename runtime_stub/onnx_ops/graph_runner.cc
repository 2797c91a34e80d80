// graph_runner.cc: RunGraph, which evaluates a graph node by node in topological order.
//
// Values live in a local scope (initializers, then computed node outputs) that shadows the
// caller's feeds. Each value is freed after its last reader, and nodes with subgraphs see
// the feeds plus every local value as their outer scope.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "soma/status_macros.h"
#include "onnx_ops/onnx_ops.h"
#include "onnx_ops/op_attributes.h"

namespace soma::onnx_ops {

namespace {

// Adds to `names` every value name that nodes of `graph` (and of its nested subgraphs)
// read, so that a node with a subgraph counts as a reader of the outer values it uses.
void CollectSubgraphReads(const onnx::GraphProto& graph, std::set<std::string>& names) {
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& input : node.input()) {
      if (!input.empty()) names.insert(input);
    }
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.has_g()) CollectSubgraphReads(attribute.g(), names);
      for (const onnx::GraphProto& nested : attribute.graphs()) {
        CollectSubgraphReads(nested, names);
      }
    }
  }
}

// Every value name that `node` reads, including the outer values its subgraphs read.
std::vector<std::string> NodeReads(const onnx::NodeProto& node) {
  std::set<std::string> names;
  for (const std::string& input : node.input()) {
    if (!input.empty()) names.insert(input);
  }
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.has_g()) CollectSubgraphReads(attribute.g(), names);
    for (const onnx::GraphProto& nested : attribute.graphs()) CollectSubgraphReads(nested, names);
  }
  return {names.begin(), names.end()};
}

bool HasSubgraph(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.has_g() || attribute.graphs_size() > 0) return true;
  }
  return false;
}

// Orders the nodes of `graph` so that every node comes after the producers of what it reads.
// Keeps the file order when it is already topological; otherwise runs Kahn's algorithm
// that always picks the earliest ready node in file order, so the result is deterministic.
absl::StatusOr<std::vector<int>> TopologicalOrder(
    const onnx::GraphProto& graph, const std::vector<std::vector<std::string>>& reads) {
  const int node_count = graph.node_size();
  std::map<std::string, int> producer;
  for (int node_index = 0; node_index < node_count; ++node_index) {
    for (const std::string& output : graph.node(node_index).output()) {
      if (!output.empty()) producer[output] = node_index;
    }
  }

  std::vector<std::vector<int>> consumers(node_count);
  std::vector<int> pending_count(node_count, 0);
  bool file_order_is_topological = true;
  for (int node_index = 0; node_index < node_count; ++node_index) {
    std::set<int> producers;
    for (const std::string& name : reads[node_index]) {
      const auto found = producer.find(name);
      if (found != producer.end() && found->second != node_index) producers.insert(found->second);
    }
    for (const int producer_index : producers) {
      if (producer_index > node_index) file_order_is_topological = false;
      consumers[producer_index].push_back(node_index);
      ++pending_count[node_index];
    }
  }

  std::vector<int> order;
  order.reserve(node_count);
  if (file_order_is_topological) {
    for (int node_index = 0; node_index < node_count; ++node_index) order.push_back(node_index);
    return order;
  }
  std::set<int> ready;
  for (int node_index = 0; node_index < node_count; ++node_index) {
    if (pending_count[node_index] == 0) ready.insert(node_index);
  }
  while (!ready.empty()) {
    const int node_index = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(node_index);
    for (const int consumer : consumers[node_index]) {
      if (--pending_count[consumer] == 0) ready.insert(consumer);
    }
  }
  if (static_cast<int>(order.size()) != node_count) {
    for (int node_index = 0; node_index < node_count; ++node_index) {
      if (pending_count[node_index] > 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "graph '", graph.name(), "': ", NodeLabel(graph.node(node_index)),
            " is part of a cycle; ONNX graphs must be acyclic"));
      }
    }
  }
  return order;
}

}  // namespace

absl::StatusOr<std::vector<HostTensor>> RunGraph(const onnx::GraphProto& graph, int64_t opset,
                                                 const ValueScope& feeds) {
  // Step 1: the local scope starts with the initializers; fed graph inputs override them.
  ValueScope local;
  for (const onnx::TensorProto& initializer : graph.initializer()) {
    ASSIGN_OR_RETURN(HostTensor tensor, TensorFromProto(initializer));
    local[initializer.name()] = std::move(tensor);
  }
  for (const onnx::ValueInfoProto& input : graph.input()) {
    const auto fed = feeds.find(input.name());
    if (fed != feeds.end()) {
      local[input.name()] = fed->second;
    } else if (local.count(input.name()) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph '", graph.name(), "': input '", input.name(),
                       "' has neither a feed nor an initializer; feed a tensor of that name"));
    }
  }

  // Step 2: order the nodes and find the last reader of every value.
  std::vector<std::vector<std::string>> reads;
  reads.reserve(graph.node_size());
  for (const onnx::NodeProto& node : graph.node()) reads.push_back(NodeReads(node));
  ASSIGN_OR_RETURN(const std::vector<int> order, TopologicalOrder(graph, reads));
  std::map<std::string, size_t> last_reader_step;
  for (size_t step = 0; step < order.size(); ++step) {
    for (const std::string& name : reads[order[step]]) last_reader_step[name] = step;
  }
  std::set<std::string> graph_outputs;
  for (const onnx::ValueInfoProto& output : graph.output()) graph_outputs.insert(output.name());

  // Step 3: run the nodes; free each local value after its last reader.
  const auto lookup = [&](const std::string& name) -> const HostTensor* {
    const auto found_local = local.find(name);
    if (found_local != local.end()) return &found_local->second;
    const auto found_feed = feeds.find(name);
    return found_feed != feeds.end() ? &found_feed->second : nullptr;
  };
  std::vector<const HostTensor*> inputs;
  for (size_t step = 0; step < order.size(); ++step) {
    const onnx::NodeProto& node = graph.node(order[step]);
    inputs.clear();
    for (const std::string& name : node.input()) {
      if (name.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      const HostTensor* value = lookup(name);
      if (value == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            NodeLabel(node), ": input '", name,
            "' is not a graph input, an initializer, an outer-scope value or an earlier output"));
      }
      inputs.push_back(value);
    }

    ValueScope outer;
    if (HasSubgraph(node)) {
      outer = feeds;
      for (const auto& [name, value] : local) outer[name] = value;
    }
    ASSIGN_OR_RETURN(std::vector<HostTensor> outputs,
                     RunNode(node, opset, inputs, HasSubgraph(node) ? &outer : nullptr));
    for (int slot = 0; slot < node.output_size() && slot < static_cast<int>(outputs.size());
         ++slot) {
      if (!node.output(slot).empty()) local[node.output(slot)] = std::move(outputs[slot]);
    }

    for (const std::string& name : reads[order[step]]) {
      if (last_reader_step[name] == step && graph_outputs.count(name) == 0) local.erase(name);
    }
  }

  // Step 4: collect the outputs in declaration order.
  std::vector<HostTensor> results;
  results.reserve(graph.output_size());
  for (const onnx::ValueInfoProto& output : graph.output()) {
    const HostTensor* value = lookup(output.name());
    if (value == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph '", graph.name(), "': output '", output.name(),
                       "' is produced by no node, initializer or input"));
    }
    results.push_back(*value);
  }
  return results;
}

}  // namespace soma::onnx_ops
