// summary_report.h: summary.json and the console summary of a compile.
#ifndef SOMA_REPORT_SUMMARY_REPORT_H_
#define SOMA_REPORT_SUMMARY_REPORT_H_

#include <string>

#include "absl/status/statusor.h"

#include "arch/arch_config.h"
#include "arch/cost_model.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"

namespace soma::report {

struct CompileFacts {
  std::string model_path;
  double compile_seconds = 0;
  int64_t allocated_buffer_bytes = 0;
};

/// summary.json: strategy, latency, both lower bounds, energy, DRAM bytes, peak buffer,
/// compile time and counts. Fails (Internal) when a checked invariant does not hold: DRAM
/// bytes equal the sum of the transfers, peak buffer within capacity, latency at or above
/// the lower bound.
absl::StatusOr<std::string> SummaryJson(const graph::LayerGraph& graph,
                                        const arch::ArchConfig& config, const arch::Bounds& bounds,
                                        const schedule::Program& program, const CompileFacts& facts);

/// The console summary: a few aligned lines a person reads after a compile.
std::string SummaryText(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                        const arch::Bounds& bounds, const schedule::Program& program,
                        const CompileFacts& facts);

/// summary.json of a compile that found no feasible schedule: the failed constraint and
/// what would make it fit, as the scheduler stated them.
std::string InfeasibleSummaryJson(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                                  const arch::Bounds& bounds, const std::string& strategy,
                                  const std::string& message);

}  // namespace soma::report

#endif  // SOMA_REPORT_SUMMARY_REPORT_H_
