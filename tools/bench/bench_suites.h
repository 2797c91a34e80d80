// bench_suites.h: the case lists soma-bench runs: the SoMa paper's matrix of networks,
// accelerators, batches and strategies, its design-space exploration, and a quick subset.
#ifndef SOMA_TOOLS_BENCH_BENCH_SUITES_H_
#define SOMA_TOOLS_BENCH_BENCH_SUITES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_config.h"
#include "bench/bench_case.h"
#include "schedule/strategy.h"

namespace soma::bench {

/// Restricts the full matrix; an empty list keeps every value of its axis.
struct MatrixFilter {
  std::vector<std::string> models;
  /// Hardware configuration names (soma-edge, soma-cloud).
  std::vector<std::string> hardware;
  std::vector<int64_t> batches;
  std::vector<schedule::StrategyKind> strategies;
};

/// resnet50, resnet101, inception-resnet-v1, randwire-small, gpt2-small-prefill,
/// gpt2-small-decode, gpt2-xl-prefill, gpt2-xl-decode: the networks of the SoMa paper's
/// evaluation (HPCA 2025). A GPT-2 entry is one transformer block, scheduled once and
/// counted block_count times.
std::vector<std::string> FullMatrixModels();

/// Whether the full matrix runs `model` on the hardware called `hardware`: GPT-2 small on
/// soma-edge only, GPT-2 XL on soma-cloud only, the CNNs on both.
bool FullMatrixRuns(const std::string& model, const std::string& hardware);

/// Blocks of the whole network per scheduled model: 12 for GPT-2 small, 48 for GPT-2 XL,
/// 1 for the CNNs.
int64_t NetworkBlockCount(const std::string& model);

/// Networks of the design-space exploration: resnet50 and gpt2-small-prefill.
std::vector<std::string> DseModels();
/// 1, 4, 16, 64.
std::vector<int64_t> FullMatrixBatches();
/// lbl, cocco, soma.
std::vector<schedule::StrategyKind> AllStrategies();

/// The full matrix over `hardware` (soma-edge and soma-cloud), in matrix order: network,
/// then hardware, then batch, then strategy, each axis in its listed order, without the
/// pairs FullMatrixRuns excludes.
std::vector<BenchCase> FullMatrix(const std::vector<arch::ArchConfig>& hardware,
                                  const MatrixFilter& filter);

/// Buffer capacities of the exploration: 4, 8, 16, 32 MiB.
std::vector<int64_t> DseBufferMib();
/// DRAM bandwidths of the exploration: 2, 4, 8, 16, 32, 64, 128 GB/s.
std::vector<int64_t> DseDramGbps();

/// Returns `edge` (soma-edge, 16 TOPS) with the cell's buffer capacity and DRAM bandwidth,
/// named "soma-edge-4MiB-32GBps". The buffer's energies per byte follow the capacity with
/// the L2 formulas of the SoMa artifact (src/main_search.cpp of
/// github.com/SET-Scheduling-Project/SoMa-HPCA2025): 0.217125 * 8 * 1.1^(MiB / 2) * 0.6 pJ
/// read and 0.234025 * 8 * 1.1^(MiB / 2) * 0.6 pJ written. They are rounded to 0.01 pJ as
/// in the presets, so the 8 MiB, 16 GB/s cell equals soma-edge apart from its name.
arch::ArchConfig DseConfig(const arch::ArchConfig& edge, const DseCell& cell);

/// Each of DseModels() at batch 1 on every cell (models outer, then buffers, then
/// bandwidths), each with `strategies` in order.
std::vector<BenchCase> DseMatrix(const arch::ArchConfig& edge,
                                 const std::vector<schedule::StrategyKind>& strategies);

/// ResNet-50 at batch 1 on soma-edge, then on the 4 MiB, 32 GB/s cell, each with
/// `strategies` in order.
std::vector<BenchCase> QuickMatrix(const arch::ArchConfig& edge,
                                   const std::vector<schedule::StrategyKind>& strategies);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_BENCH_SUITES_H_
