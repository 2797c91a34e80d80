// node_order.cc: stable Kahn sort of ONNX nodes, with a cycle report that names a node.
#include "importer/node_order.h"

#include <functional>
#include <map>
#include <queue>
#include <set>

#include "absl/strings/str_cat.h"

namespace soma::importer {

namespace {

// Follows producers from `start` among the unsorted nodes until a node repeats; that node
// lies on a cycle.
int FindNodeOnCycle(int start, const std::vector<std::vector<int>>& producers_of_node,
                    const std::vector<bool>& sorted) {
  std::vector<bool> visited(producers_of_node.size(), false);
  int node = start;
  while (!visited[node]) {
    visited[node] = true;
    int next = -1;
    for (int producer : producers_of_node[node]) {
      if (!sorted[producer]) {
        next = producer;
        break;
      }
    }
    if (next < 0) return node;
    node = next;
  }
  return node;
}

}  // namespace

absl::StatusOr<std::vector<int>> TopologicalNodeOrder(const onnx::GraphProto& graph,
                                                      const std::vector<std::string>& labels) {
  const int node_count = graph.node_size();
  std::map<std::string, int> producer_of_value;
  for (int node = 0; node < node_count; ++node) {
    for (const std::string& output : graph.node(node).output()) {
      if (output.empty()) continue;
      auto [it, inserted] = producer_of_value.emplace(output, node);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(labels[node], ": output '", output,
                                                       "' is also written by ",
                                                       labels[it->second],
                                                       "; every value needs one producer"));
      }
    }
  }

  // Step 1: dependency edges, one per distinct producer of a node's inputs.
  std::vector<std::vector<int>> producers_of_node(node_count);
  std::vector<std::vector<int>> consumers_of_node(node_count);
  std::vector<int> pending(node_count, 0);
  for (int node = 0; node < node_count; ++node) {
    std::set<int> producers;
    for (const std::string& input : graph.node(node).input()) {
      auto it = producer_of_value.find(input);
      if (it != producer_of_value.end()) producers.insert(it->second);
    }
    for (int producer : producers) {
      producers_of_node[node].push_back(producer);
      consumers_of_node[producer].push_back(node);
    }
    pending[node] = static_cast<int>(producers.size());
  }

  // Step 2: Kahn's algorithm with the smallest file index first.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int node = 0; node < node_count; ++node) {
    if (pending[node] == 0) ready.push(node);
  }
  std::vector<int> order;
  std::vector<bool> sorted(node_count, false);
  while (!ready.empty()) {
    const int node = ready.top();
    ready.pop();
    order.push_back(node);
    sorted[node] = true;
    for (int consumer : consumers_of_node[node]) {
      if (--pending[consumer] == 0) ready.push(consumer);
    }
  }

  // Step 3: leftovers depend on a cycle; report a node that lies on it.
  if (static_cast<int>(order.size()) != node_count) {
    int first_unsorted = 0;
    while (sorted[first_unsorted]) ++first_unsorted;
    const int on_cycle = FindNodeOnCycle(first_unsorted, producers_of_node, sorted);
    return absl::InvalidArgumentError(
        absl::StrCat("the graph has a cycle through ", labels[on_cycle],
                     "; ONNX graphs must be acyclic"));
  }
  return order;
}

}  // namespace soma::importer
