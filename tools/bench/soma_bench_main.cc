// soma_bench_main.cc: soma-bench, the benchmark suite of the SoMa paper's evaluation: the
// lbl, cocco and soma strategies on ResNet-50, ResNet-101, Inception-ResNet-v1,
// RandWire-small (on the soma-edge and soma-cloud accelerators) and GPT-2 blocks (small on
// soma-edge, XL on soma-cloud, prefill and decode).
//
//   soma-bench --out DIR [--quick | --dse] [--replay] [--jobs N] [--time-limit-per-case S]
//       [--models a,b] [--hardware soma-edge] [--batches 1,4] [--strategies lbl,soma]
//
// Prints a table and the mean speedups on stdout, progress on stderr, and writes
// results.json, results.csv and (for the exploration) SVG heat maps into DIR.
// Exit codes: 0 every case ok or unavailable; 2 invalid flags or hardware files; 3 a case
// found no feasible schedule; 4 a replay found a mismatch; 5 another failure (the highest
// applicable code wins).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "arch/arch_config.h"
#include "bench/bench_case.h"
#include "bench/bench_output.h"
#include "bench/bench_suites.h"
#include "bench/bench_summary.h"
#include "bench/dse_heatmaps.h"
#include "bench/network_cache.h"
#include "bench/parallel_cases.h"

ABSL_FLAG(std::string, out, "", "folder for results.json, results.csv and the heat maps");
ABSL_FLAG(bool, quick, false,
          "run the quick subset: resnet50 batch 1 on soma-edge and on one exploration cell");
ABSL_FLAG(bool, dse, false,
          "run the design-space exploration: resnet50 and the gpt2-small-prefill block at "
          "batch 1 and 16 TOPS over buffer 4..32 MiB and DRAM 2..128 GB/s, and write their "
          "heat maps");
ABSL_FLAG(bool, replay, false,
          "allocate, emit and replay every schedule structurally and in timing");
ABSL_FLAG(std::string, models, "",
          "full matrix only: comma-separated networks (default: all eight)");
ABSL_FLAG(std::string, hardware, "",
          "full matrix only: comma-separated presets, soma-edge and/or soma-cloud (default: both)");
ABSL_FLAG(std::string, batches, "", "full matrix only: comma-separated batches (default: 1,4,16,64)");
ABSL_FLAG(std::string, strategies, "", "comma-separated strategies (default: lbl,cocco,soma)");
ABSL_FLAG(std::optional<double>, time_limit_per_case, std::nullopt,
          "search time limit of each case in seconds (default: none, 10 with --quick)");
ABSL_FLAG(int, jobs, 1, "cases run at once, each on its own thread");
ABSL_FLAG(int, threads_per_case, 1, "search threads of each case (ScheduleOptions::threads)");
ABSL_FLAG(uint64_t, seed, 1, "search seed");
ABSL_FLAG(std::string, hw_dir, SOMA_BENCH_HW_DIR,
          "folder holding soma-edge.yaml and soma-cloud.yaml");
ABSL_FLAG(bool, verbose, false, "also print the searches' own progress lines on stderr");

namespace soma::bench {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInvalidInput = 2;
constexpr int kExitInfeasible = 3;
constexpr int kExitMismatch = 4;
constexpr int kExitInternal = 5;
constexpr double kQuickTimeLimitSeconds = 10.0;

// absl flags are spelled with underscores; the documented spelling uses dashes.
std::vector<std::string> NormalizeFlagNames(int argc, char** argv) {
  std::vector<std::string> arguments(argv, argv + argc);
  for (size_t index = 1; index < arguments.size(); ++index) {
    std::string& argument = arguments[index];
    if (argument.rfind("--", 0) != 0) continue;
    const size_t name_end = std::min(argument.find('='), argument.size());
    std::replace(argument.begin() + 2, argument.begin() + name_end, '-', '_');
  }
  return arguments;
}

std::vector<std::string> SplitList(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipWhitespace());
}

absl::StatusOr<schedule::StrategyKind> ParseStrategy(const std::string& name) {
  for (schedule::StrategyKind kind : AllStrategies()) {
    if (name == schedule::StrategyKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--strategies: unknown strategy '", name, "'; expected lbl, cocco or soma"));
}

// The filter of the full matrix, and the strategies of every suite, from the flags.
absl::StatusOr<MatrixFilter> ParseFilter() {
  MatrixFilter filter;
  const std::vector<std::string> known_models = FullMatrixModels();
  for (const std::string& model : SplitList(absl::GetFlag(FLAGS_models))) {
    if (std::find(known_models.begin(), known_models.end(), model) == known_models.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--models: unknown network '", model,
                                                     "'; expected ",
                                                     absl::StrJoin(known_models, ", ")));
    }
    filter.models.push_back(model);
  }
  for (const std::string& name : SplitList(absl::GetFlag(FLAGS_hardware))) {
    if (name != "soma-edge" && name != "soma-cloud") {
      return absl::InvalidArgumentError(absl::StrCat(
          "--hardware: unknown preset '", name, "'; expected soma-edge or soma-cloud"));
    }
    filter.hardware.push_back(name);
  }
  for (const std::string& text : SplitList(absl::GetFlag(FLAGS_batches))) {
    int64_t batch = 0;
    if (!absl::SimpleAtoi(text, &batch) || batch < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--batches: '", text, "' is not a positive integer"));
    }
    filter.batches.push_back(batch);
  }
  for (const std::string& name : SplitList(absl::GetFlag(FLAGS_strategies))) {
    absl::StatusOr<schedule::StrategyKind> kind = ParseStrategy(name);
    if (!kind.ok()) return kind.status();
    filter.strategies.push_back(*kind);
  }
  if (filter.strategies.empty()) filter.strategies = AllStrategies();
  return filter;
}

absl::StatusOr<arch::ArchConfig> LoadPreset(const std::string& name) {
  return arch::LoadArchConfig(absl::StrCat(absl::GetFlag(FLAGS_hw_dir), "/", name, ".yaml"));
}

// The cases of the suite the flags select.
absl::StatusOr<std::vector<BenchCase>> SelectCases(const std::string& suite,
                                                   const MatrixFilter& filter) {
  absl::StatusOr<arch::ArchConfig> edge = LoadPreset("soma-edge");
  if (!edge.ok()) return edge.status();
  if (suite == "quick") return QuickMatrix(*edge, filter.strategies);
  if (suite == "dse") return DseMatrix(*edge, filter.strategies);
  absl::StatusOr<arch::ArchConfig> cloud = LoadPreset("soma-cloud");
  if (!cloud.ok()) return cloud.status();
  return FullMatrix({*edge, *cloud}, filter);
}

// Writes `data` to `folder`/`name` through a temporary file and a rename.
bool WriteOutputFile(const std::string& folder, const std::string& name, const std::string& data) {
  const std::filesystem::path path = std::filesystem::path(folder) / name;
  const std::string temporary = path.string() + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(data.data(), static_cast<std::streamsize>(data.size()));
    file.close();
    if (!file) {
      std::remove(temporary.c_str());
      return false;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) std::remove(temporary.c_str());
  return !error;
}

std::string ProgressLine(const BenchCase& bench_case, const CaseResult& result) {
  std::string line = absl::StrCat(bench_case.Label(), ": ", CaseStatusName(result.status));
  if (result.HasSchedule()) {
    absl::StrAppendFormat(&line, ", latency %d cycles (%.3fx bound)", result.latency_cycles,
                          result.BoundRatio());
  }
  absl::StrAppendFormat(&line, ", search %.2f s", result.search_seconds);
  if (result.replay != ReplayStatus::kNotRun) {
    absl::StrAppend(&line, ", replay ", ReplayStatusName(result.replay));
  }
  return line;
}

int ExitCodeFor(const std::vector<CaseResult>& results) {
  int code = kExitOk;
  for (const CaseResult& result : results) {
    if (result.status == CaseStatus::kInfeasible) code = std::max(code, kExitInfeasible);
    if (result.status != CaseStatus::kFailed) continue;
    code = std::max(code, result.replay == ReplayStatus::kFailed ? kExitMismatch : kExitInternal);
  }
  return code;
}

int Run(int argc, char** argv) {
  // Step 1: flags.
  std::vector<std::string> arguments = NormalizeFlagNames(argc, argv);
  std::vector<char*> argument_pointers;
  for (std::string& argument : arguments) argument_pointers.push_back(argument.data());
  absl::ParseCommandLine(static_cast<int>(argument_pointers.size()), argument_pointers.data());
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cerr << "soma-bench: --out is required (the folder for results.json and results.csv)\n";
    return kExitInvalidInput;
  }
  if (absl::GetFlag(FLAGS_quick) && absl::GetFlag(FLAGS_dse)) {
    std::cerr << "soma-bench: --quick and --dse select different suites; give one of them\n";
    return kExitInvalidInput;
  }
  if (absl::GetFlag(FLAGS_jobs) < 1 || absl::GetFlag(FLAGS_threads_per_case) < 1) {
    std::cerr << "soma-bench: --jobs and --threads-per-case must be at least 1\n";
    return kExitInvalidInput;
  }
  const std::string suite = absl::GetFlag(FLAGS_quick) ? "quick"
                            : absl::GetFlag(FLAGS_dse) ? "dse"
                                                       : "full";
  absl::StatusOr<MatrixFilter> filter = ParseFilter();
  if (!filter.ok()) {
    std::cerr << "soma-bench: " << filter.status().message() << "\n";
    return kExitInvalidInput;
  }
  absl::StatusOr<std::vector<BenchCase>> selected = SelectCases(suite, *filter);
  if (!selected.ok()) {
    std::cerr << "soma-bench: " << selected.status().message() << "\n";
    return kExitInvalidInput;
  }
  const std::vector<BenchCase>& cases = *selected;

  RunDescription description;
  description.suite = suite;
  description.settings.seed = absl::GetFlag(FLAGS_seed);
  description.settings.time_limit_seconds = absl::GetFlag(FLAGS_time_limit_per_case);
  if (suite == "quick" && !description.settings.time_limit_seconds.has_value()) {
    description.settings.time_limit_seconds = kQuickTimeLimitSeconds;
  }
  description.settings.threads_per_case = absl::GetFlag(FLAGS_threads_per_case);
  description.settings.replay = absl::GetFlag(FLAGS_replay);
  std::mutex stderr_mutex;
  if (absl::GetFlag(FLAGS_verbose)) {
    description.settings.search_progress = [&stderr_mutex](const std::string& line) {
      std::lock_guard<std::mutex> lock(stderr_mutex);
      std::cerr << "soma-bench:   " << line << "\n";
    };
  }
  std::error_code folder_error;
  std::filesystem::create_directories(out, folder_error);
  if (folder_error) {
    std::cerr << "soma-bench: cannot create the output folder '" << out
              << "': " << folder_error.message() << "\n";
    return kExitInvalidInput;
  }

  // Step 2: the cases, on --jobs threads; results land in matrix order.
  const int jobs = absl::GetFlag(FLAGS_jobs);
  std::cerr << "soma-bench: " << cases.size() << " cases (" << suite << " suite) on " << jobs
            << (jobs == 1 ? " thread" : " threads") << "\n";
  NetworkCache networks;
  std::vector<CaseResult> results(cases.size());
  std::atomic<int> finished{0};
  RunInParallel(static_cast<int>(cases.size()), jobs, [&](int index) {
    const BenchCase& bench_case = cases[index];
    absl::StatusOr<const graph::LayerGraph*> graph = networks.Get(bench_case.model, bench_case.batch);
    if (graph.ok()) {
      results[index] = RunCase(bench_case, **graph, description.settings);
    } else {
      results[index].status = CaseStatus::kFailed;
      results[index].message = absl::StrCat("network: ", graph.status().message());
    }
    const int done = ++finished;
    std::lock_guard<std::mutex> lock(stderr_mutex);
    std::cerr << "soma-bench: [" << done << "/" << cases.size() << "] "
              << ProgressLine(bench_case, results[index]) << "\n";
  });

  // Step 3: the table, the summary and the files.
  const std::vector<ComparisonSummary> summaries = Summarize(cases, results);
  std::cout << ResultsTable(cases, results) << "\n" << SummaryText(summaries);
  std::cout << "paper (SoMa, HPCA 2025, its own matrix): 2.11x speedup over Cocco, 37.3% less "
               "energy\n";
  std::vector<NamedFile> files = DseHeatMaps(cases, results);
  files.push_back({"results.json", ResultsJson(description, cases, results, summaries)});
  files.push_back({"results.csv", ResultsCsv(cases, results)});
  for (const NamedFile& file : files) {
    if (!WriteOutputFile(out, file.file_name, file.contents)) {
      std::cerr << "soma-bench: failed to write '" << out << "/" << file.file_name
                << "'; check that the folder is writable\n";
      return kExitInternal;
    }
  }
  std::cerr << "soma-bench: wrote results.json and results.csv";
  if (files.size() > 2) std::cerr << " and " << files.size() - 2 << " heat maps";
  std::cerr << " into " << out << "\n";
  return ExitCodeFor(results);
}

}  // namespace
}  // namespace soma::bench

int main(int argc, char** argv) {
  // --help lists the flags of this file (absl matches files by the binary's name, and the
  // dash in "soma-bench" hides them otherwise).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "soma_bench_main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "runs the SoMa benchmark suite: soma-bench --out DIR [--quick | --dse] [--replay] "
      "[--jobs N] [--time-limit-per-case SECONDS] [--models LIST] [--hardware LIST] "
      "[--batches LIST] [--strategies LIST]");
  return soma::bench::Run(argc, argv);
}
