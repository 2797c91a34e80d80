// watts_strogatz.cc: ring lattice, seeded rewiring, orientation by node index.
#include "model_builder/watts_strogatz.h"

#include <set>

namespace soma::model_builder {

namespace {

constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;

double NextUnit(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * kTwoToMinus53;
}

int NextNode(std::mt19937_64& engine, int node_count) {
  return static_cast<int>(engine() % static_cast<uint64_t>(node_count));
}

}  // namespace

std::vector<int> RandomDag::InputNodes() const {
  std::vector<int> nodes;
  for (int node = 0; node < node_count(); ++node) {
    if (predecessors[node].empty()) nodes.push_back(node);
  }
  return nodes;
}

std::vector<int> RandomDag::OutputNodes() const {
  std::vector<int> nodes;
  for (int node = 0; node < node_count(); ++node) {
    if (successors[node].empty()) nodes.push_back(node);
  }
  return nodes;
}

int RandomDag::EdgeCount() const {
  int count = 0;
  for (const std::vector<int>& list : successors) count += static_cast<int>(list.size());
  return count;
}

RandomDag WattsStrogatzDag(int node_count, int neighbours, double rewire_probability,
                           std::mt19937_64& engine) {
  // Step 1: the ring lattice, as an undirected adjacency with ordered neighbour sets.
  std::vector<std::set<int>> adjacent(node_count);
  for (int offset = 1; offset <= neighbours / 2; ++offset) {
    for (int node = 0; node < node_count; ++node) {
      const int other = (node + offset) % node_count;
      adjacent[node].insert(other);
      adjacent[other].insert(node);
    }
  }

  // Step 2: rewire each lattice edge (u, u + offset) with the given probability.
  for (int offset = 1; offset <= neighbours / 2; ++offset) {
    for (int node = 0; node < node_count; ++node) {
      const int old_target = (node + offset) % node_count;
      if (NextUnit(engine) >= rewire_probability) continue;
      // A node linked to every other node keeps its edge.
      if (static_cast<int>(adjacent[node].size()) >= node_count - 1) continue;
      int new_target = NextNode(engine, node_count);
      while (new_target == node || adjacent[node].count(new_target) > 0) {
        new_target = NextNode(engine, node_count);
      }
      adjacent[node].erase(old_target);
      adjacent[old_target].erase(node);
      adjacent[node].insert(new_target);
      adjacent[new_target].insert(node);
    }
  }

  // Step 3: orient every edge from the lower to the higher index.
  RandomDag dag;
  dag.predecessors.resize(node_count);
  dag.successors.resize(node_count);
  for (int node = 0; node < node_count; ++node) {
    for (int other : adjacent[node]) {
      if (other > node) {
        dag.successors[node].push_back(other);
      } else {
        dag.predecessors[node].push_back(other);
      }
    }
  }
  return dag;
}

}  // namespace soma::model_builder
