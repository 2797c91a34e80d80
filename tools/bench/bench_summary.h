// bench_summary.h: the SoMa paper's headline figures over a run: mean speedups between
// strategies and the mean energy reduction of soma against cocco.
#ifndef SOMA_TOOLS_BENCH_BENCH_SUMMARY_H_
#define SOMA_TOOLS_BENCH_BENCH_SUMMARY_H_

#include <optional>
#include <string>
#include <vector>

#include "bench/bench_case.h"

namespace soma::bench {

/// The arithmetic mean of one per-case figure over the cases where both strategies found a
/// schedule (status ok).
struct PairedMean {
  /// Unset when no case has both.
  std::optional<double> mean;
  int case_count = 0;
};

/// The figures of one scope: every case, or one network's.
struct ComparisonSummary {
  /// "all", or a network name.
  std::string scope;
  /// Mean of latency(cocco) / latency(soma). The SoMa paper (HPCA 2025) reports 2.11 over
  /// its own matrix.
  PairedMean soma_speedup_over_cocco;
  /// Mean of latency(lbl) / latency(soma).
  PairedMean soma_speedup_over_lbl;
  /// Mean of latency(lbl) / latency(cocco).
  PairedMean cocco_speedup_over_lbl;
  /// Mean of 1 - energy(soma) / energy(cocco). The SoMa paper reports 0.373.
  PairedMean soma_energy_reduction_vs_cocco;
};

/// The "all" scope first, then one scope per network in order of first appearance. Cases
/// pair up by BenchCase::ComparisonKey. Requires: `results` is indexed like `cases`.
std::vector<ComparisonSummary> Summarize(const std::vector<BenchCase>& cases,
                                         const std::vector<CaseResult>& results);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_BENCH_SUMMARY_H_
