// watts_strogatz.h: seeded Watts-Strogatz random graphs, oriented into DAGs, for RandWire.
#ifndef SOMA_TOOLS_MODEL_BUILDER_WATTS_STROGATZ_H_
#define SOMA_TOOLS_MODEL_BUILDER_WATTS_STROGATZ_H_

#include <cstdint>
#include <random>
#include <vector>

namespace soma::model_builder {

/// A DAG over nodes 0..N-1 whose edges all run from a lower to a higher index, so the
/// index order is a topological order.
struct RandomDag {
  /// predecessors[v]: the nodes with an edge into v, ascending.
  std::vector<std::vector<int>> predecessors;
  /// successors[v]: the nodes v has an edge to, ascending.
  std::vector<std::vector<int>> successors;

  int node_count() const { return static_cast<int>(predecessors.size()); }
  /// Nodes without predecessors, ascending.
  std::vector<int> InputNodes() const;
  /// Nodes without successors, ascending.
  std::vector<int> OutputNodes() const;
  int EdgeCount() const;
};

/// Draws WS(N, K, P) with the procedure of networkx.watts_strogatz_graph. It starts from a
/// ring where every node links to its K/2 nearest neighbours on each side. Then, for each
/// offset j = 1..K/2 and each node u in order, the edge (u, u+j mod N) is rewired with
/// probability P to a uniformly chosen node w that is neither u nor already linked to u.
/// Every edge is finally oriented from the lower to the higher index, as RandWire does.
///
/// Draws come from the raw output of `engine`: a probability test compares (draw >> 11) *
/// 2^-53 with P, and a node choice is draw mod N, so a seed gives the same graph with every
/// standard library. The graphs differ from networkx's for the same seed (another generator).
/// Requires: N > K >= 2, K even, 0 <= P <= 1.
RandomDag WattsStrogatzDag(int node_count, int neighbours, double rewire_probability,
                           std::mt19937_64& engine);

}  // namespace soma::model_builder

#endif  // SOMA_TOOLS_MODEL_BUILDER_WATTS_STROGATZ_H_
