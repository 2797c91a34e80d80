// dse_heatmaps.h: the heat maps of a design-space exploration run, over buffer capacity
// (rows) and DRAM bandwidth (columns).
#ifndef SOMA_TOOLS_BENCH_DSE_HEATMAPS_H_
#define SOMA_TOOLS_BENCH_DSE_HEATMAPS_H_

#include <string>
#include <vector>

#include "bench/bench_case.h"

namespace soma::bench {

/// A file for the output folder.
struct NamedFile {
  std::string file_name;
  std::string contents;
};

/// For each network of DseModels() with cases that carry a DseCell:
/// dse_MODEL_soma_speedup_over_cocco.svg (latency of cocco over latency of soma per cell)
/// and, for each strategy that ran, in the order of AllStrategies(),
/// dse_MODEL_latency_over_bound_STRATEGY.svg (latency over max(compute bound, DRAM
/// bound)). Cells without an ok result read "n/a". Rows and columns are the buffer
/// capacities and bandwidths that occur, in ascending order. Empty when no case has a cell.
/// Requires: `results` is indexed like `cases`.
std::vector<NamedFile> DseHeatMaps(const std::vector<BenchCase>& cases,
                                  const std::vector<CaseResult>& results);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_DSE_HEATMAPS_H_
