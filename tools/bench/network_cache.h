// network_cache.h: the benchmark networks, generated with weights omitted and imported once
// per (network, batch), shared by every case that schedules them.
#ifndef SOMA_TOOLS_BENCH_NETWORK_CACHE_H_
#define SOMA_TOOLS_BENCH_NETWORK_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "graph/layer_graph.h"

namespace soma::bench {

class NetworkCache {
 public:
  /// The LayerGraph of benchmark network `model` at `batch`, generated in memory and
  /// imported on first use. The error of the generator or the importer is returned for
  /// every request of that pair. Safe to call from several threads; the graph lives as long
  /// as the cache.
  absl::StatusOr<const graph::LayerGraph*> Get(const std::string& model, int64_t batch);

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, int64_t>, absl::StatusOr<std::unique_ptr<graph::LayerGraph>>>
      entries_;
};

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_NETWORK_CACHE_H_
