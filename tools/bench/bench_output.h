// bench_output.h: a run's results as a console table, results.json and results.csv.
//
// Everything but the seconds fields is a pure function of the cases and their results, so
// two runs of a deterministic search give identical files apart from those fields.
#ifndef SOMA_TOOLS_BENCH_BENCH_OUTPUT_H_
#define SOMA_TOOLS_BENCH_BENCH_OUTPUT_H_

#include <string>
#include <vector>

#include "bench/bench_case.h"
#include "bench/bench_summary.h"

namespace soma::bench {

/// Description of a run (suite and settings), written into results.json.
struct RunDescription {
  /// "full", "dse" or "quick".
  std::string suite;
  RunSettings settings;
};

/// Formats one line per case with network, hardware, batch, strategy, status, latency, the
/// two bounds, latency / bound, energy, DRAM traffic, peak buffer, search seconds and
/// replay. Latency, bounds, energy and DRAM traffic are the whole network's, the
/// scheduled model's times BenchCase::block_count, and a note states this when a count is
/// above 1. A note follows for every case with a message or a latency below its bound.
std::string ResultsTable(const std::vector<BenchCase>& cases,
                         const std::vector<CaseResult>& results);

/// The summary's means, one block per scope, with "n/a" where no case pairs up.
std::string SummaryText(const std::vector<ComparisonSummary>& summaries);

/// results.json: the run description, the hardware configurations, every case with its
/// result (the scheduled model's figures, its block count, and the whole network's
/// latency, energy and DRAM bytes), and the summary.
std::string ResultsJson(const RunDescription& description, const std::vector<BenchCase>& cases,
                        const std::vector<CaseResult>& results,
                        const std::vector<ComparisonSummary>& summaries);

/// results.csv: a header and one row per case, in case order, with the scheduled model's
/// figures and its block count.
std::string ResultsCsv(const std::vector<BenchCase>& cases,
                       const std::vector<CaseResult>& results);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_BENCH_OUTPUT_H_
