// bench_output.cc: console table, summary text, results.json and results.csv.
#include "bench/bench_output.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace soma::bench {

namespace {

using Json = nlohmann::ordered_json;

constexpr double kBytesPerMb = 1e6;
constexpr double kBytesPerMib = 1048576.0;
constexpr double kPjPerUj = 1e6;

const char* StrategyName(const BenchCase& bench_case) {
  return schedule::StrategyKindName(bench_case.strategy);
}

std::string StageSecondsText(const CaseResult& result) {
  std::vector<std::string> parts;
  for (const auto& [stage, seconds] : result.stage_seconds) {
    parts.push_back(absl::StrFormat("%s=%.3f", stage, seconds));
  }
  return absl::StrJoin(parts, ";");
}

// Quotes a CSV field when it contains a comma, a quote or a line break.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char character : text) {
    if (character == '"') quoted += '"';
    quoted += character;
  }
  return quoted + "\"";
}

std::string MeanText(const PairedMean& paired, bool as_percent) {
  if (!paired.mean.has_value()) return "n/a (no case has ok results of both strategies)";
  const std::string value = as_percent ? absl::StrFormat("%.1f%%", *paired.mean * 100.0)
                                       : absl::StrFormat("%.3fx", *paired.mean);
  return absl::StrCat(value, " over ", paired.case_count,
                      paired.case_count == 1 ? " case" : " cases");
}

Json MeanJson(const PairedMean& paired) {
  Json json;
  json["mean"] = paired.mean.has_value() ? Json(*paired.mean) : Json(nullptr);
  json["cases"] = paired.case_count;
  return json;
}

Json HardwareJson(const arch::ArchConfig& config) {
  Json json;
  json["name"] = config.name;
  json["tops"] = config.Tops();
  json["mac_count"] = config.MacCount();
  json["buffer_bytes"] = config.buffer_bytes;
  json["dram_bandwidth_bytes_per_second"] = config.dram_bandwidth_bytes_per_second;
  json["dma_queues"] = config.dma_queues;
  json["buffer_read_energy_pj_per_byte"] = config.buffer_read_energy_pj_per_byte;
  json["buffer_write_energy_pj_per_byte"] = config.buffer_write_energy_pj_per_byte;
  json["dram_energy_pj_per_byte"] = config.dram_energy_pj_per_byte;
  return json;
}

Json StageJson(const schedule::StageStats& stage) {
  Json json;
  json["seconds"] = stage.seconds;
  json["rounds"] = stage.rounds;
  json["round_budget"] = stage.round_budget;
  json["moves_accepted"] = stage.moves_accepted;
  json["stopped_by_time_limit"] = stage.stopped_by_time_limit;
  json["reached_lower_bound"] = stage.reached_lower_bound;
  return json;
}

Json SearchJson(const schedule::SearchStats& stats) {
  Json json;
  json["chosen"] = stats.chosen;
  json["total_seconds"] = stats.total_seconds;
  json["lbl_seconds"] = stats.lbl_seconds;
  json["dma_chunk_bytes"] = stats.dma_chunk_bytes;
  Json passes = Json::array();
  for (const schedule::PassStats& pass : stats.passes) {
    Json entry;
    entry["pass"] = pass.pass;
    entry["kind"] = pass.kind;
    entry["stage1_capacity_bytes"] = pass.stage1_capacity_bytes;
    entry["usable_capacity_bytes"] = pass.usable_capacity_bytes;
    entry["stage1"] = StageJson(pass.stage1);
    entry["stage2"] = StageJson(pass.stage2);
    entry["stage3"] = StageJson(pass.stage3);
    entry["allocation_attempts"] = pass.allocation_attempts;
    entry["latency_cycles"] = pass.latency_cycles;
    if (!pass.failure.empty()) entry["failure"] = pass.failure;
    passes.push_back(entry);
  }
  json["passes"] = passes;
  return json;
}

Json CaseJson(const BenchCase& bench_case, const CaseResult& result) {
  Json json;
  json["network"] = bench_case.model;
  json["hardware"] = bench_case.hardware.name;
  json["batch"] = bench_case.batch;
  json["strategy"] = StrategyName(bench_case);
  json["block_count"] = bench_case.block_count;
  if (bench_case.dse.has_value()) {
    json["buffer_mib"] = bench_case.dse->buffer_mib;
    json["dram_gbps"] = bench_case.dse->dram_gbps;
  }

  json["status"] = CaseStatusName(result.status);
  if (!result.message.empty()) json["message"] = result.message;
  json["layers"] = result.layer_count;
  json["macs"] = result.mac_count;
  json["compute_bound_cycles"] = result.compute_bound_cycles;
  json["dram_bound_cycles"] = result.dram_bound_cycles;
  if (result.HasSchedule()) {
    json["latency_cycles"] = result.latency_cycles;
    json["latency_over_bound"] = result.BoundRatio();
    json["energy_pj"] = result.energy_pj;
    json["dram_bytes"] = result.dram_bytes;
    json["peak_buffer_bytes"] = result.peak_buffer_bytes;
    json["network_latency_cycles"] = result.latency_cycles * bench_case.block_count;
    json["network_energy_pj"] = result.energy_pj * static_cast<double>(bench_case.block_count);
    json["network_dram_bytes"] = result.dram_bytes * bench_case.block_count;
    if (result.BeatsLowerBound()) json["below_lower_bound"] = true;
  }

  json["search_seconds"] = result.search_seconds;
  Json stages = Json::object();
  for (const auto& [stage, seconds] : result.stage_seconds) stages[stage] = seconds;
  json["stage_seconds"] = stages;
  if (result.search_stats.has_value()) json["search"] = SearchJson(*result.search_stats);

  json["replay"] = ReplayStatusName(result.replay);
  if (result.replay == ReplayStatus::kPassed) {
    json["replay_latency_cycles"] = result.replay_latency_cycles;
  }
  return json;
}

}  // namespace

std::string ResultsTable(const std::vector<BenchCase>& cases,
                         const std::vector<CaseResult>& results) {
  std::string table = absl::StrFormat(
      "%-20s %-23s %5s %-6s %-11s %13s %13s %13s %8s %11s %10s %9s %9s %-8s\n", "network",
      "hardware", "batch", "strat", "status", "latency", "compute_bnd", "dram_bnd", "lat/bnd",
      "energy_uJ", "dram_MB", "peak_MiB", "search_s", "replay");
  std::string notes;
  // An unavailable strategy is noted once, not once per case.
  std::set<schedule::StrategyKind> unavailable_noted;
  bool scaled = false;
  for (size_t index = 0; index < cases.size(); ++index) {
    const BenchCase& bench_case = cases[index];
    const CaseResult& result = results[index];
    // Whole-network figures: a GPT-2 case's block times its block count.
    const int64_t blocks = bench_case.block_count;
    std::string figures;
    if (result.HasSchedule()) {
      figures = absl::StrFormat(
          "%13d %13d %13d %8.3f %11.1f %10.2f %9.2f", result.latency_cycles * blocks,
          result.compute_bound_cycles * blocks, result.dram_bound_cycles * blocks,
          result.BoundRatio(), result.energy_pj * static_cast<double>(blocks) / kPjPerUj,
          static_cast<double>(result.dram_bytes * blocks) / kBytesPerMb,
          static_cast<double>(result.peak_buffer_bytes) / kBytesPerMib);
    } else {
      figures = absl::StrFormat("%13s %13d %13d %8s %11s %10s %9s", "-",
                                result.compute_bound_cycles * blocks,
                                result.dram_bound_cycles * blocks, "-", "-", "-", "-");
    }
    scaled = scaled || blocks > 1;
    absl::StrAppendFormat(&table, "%-20s %-23s %5d %-6s %-11s %s %9.2f %-8s\n", bench_case.model,
                          bench_case.hardware.name, bench_case.batch, StrategyName(bench_case),
                          CaseStatusName(result.status), figures, result.search_seconds,
                          ReplayStatusName(result.replay));
    if (result.BeatsLowerBound()) {
      absl::StrAppendFormat(&notes,
                            "note: %s: latency %d cycles is below the lower bound %d cycles; the "
                            "evaluator and CostModel::ComputeBounds disagree\n",
                            bench_case.Label(), result.latency_cycles,
                            std::max(result.compute_bound_cycles, result.dram_bound_cycles));
    }
    if (result.message.empty()) continue;
    if (result.status == CaseStatus::kUnavailable) {
      if (!unavailable_noted.insert(bench_case.strategy).second) continue;
      absl::StrAppend(&notes, "note: ", StrategyName(bench_case), " is unavailable: ",
                      result.message, "\n");
      continue;
    }
    absl::StrAppend(&notes, "note: ", bench_case.Label(), ": ", result.message, "\n");
  }
  if (scaled) {
    notes = absl::StrCat(
        "note: each GPT-2 row is the whole network: the scheduler ran one transformer block, "
        "and the row shows its latency, bounds, energy and DRAM traffic times the block count "
        "(12 for gpt2-small, 48 for gpt2-xl); peak_MiB is one block's\n",
        notes);
  }
  return table + notes;
}

std::string SummaryText(const std::vector<ComparisonSummary>& summaries) {
  std::string text;
  for (const ComparisonSummary& summary : summaries) {
    absl::StrAppend(&text, "summary (", summary.scope, "):\n");
    absl::StrAppend(&text, "  soma speedup over cocco:        ",
                    MeanText(summary.soma_speedup_over_cocco, false), "\n");
    absl::StrAppend(&text, "  soma speedup over lbl:          ",
                    MeanText(summary.soma_speedup_over_lbl, false), "\n");
    absl::StrAppend(&text, "  cocco speedup over lbl:         ",
                    MeanText(summary.cocco_speedup_over_lbl, false), "\n");
    absl::StrAppend(&text, "  soma energy reduction vs cocco: ",
                    MeanText(summary.soma_energy_reduction_vs_cocco, true), "\n");
  }
  return text;
}

std::string ResultsJson(const RunDescription& description, const std::vector<BenchCase>& cases,
                        const std::vector<CaseResult>& results,
                        const std::vector<ComparisonSummary>& summaries) {
  Json json;
  json["suite"] = description.suite;
  Json settings;
  settings["seed"] = description.settings.seed;
  settings["time_limit_per_case_seconds"] = description.settings.time_limit_seconds.has_value()
                                                ? Json(*description.settings.time_limit_seconds)
                                                : Json(nullptr);
  settings["threads_per_case"] = description.settings.threads_per_case;
  settings["replay"] = description.settings.replay;
  json["settings"] = settings;

  // Each hardware configuration once, in order of first use.
  Json hardware = Json::array();
  std::set<std::string> listed;
  for (const BenchCase& bench_case : cases) {
    if (listed.insert(bench_case.hardware.name).second) {
      hardware.push_back(HardwareJson(bench_case.hardware));
    }
  }
  json["hardware"] = hardware;

  Json case_list = Json::array();
  for (size_t index = 0; index < cases.size(); ++index) {
    case_list.push_back(CaseJson(cases[index], results[index]));
  }
  json["cases"] = case_list;

  Json summary_list = Json::array();
  for (const ComparisonSummary& summary : summaries) {
    Json entry;
    entry["scope"] = summary.scope;
    entry["soma_speedup_over_cocco"] = MeanJson(summary.soma_speedup_over_cocco);
    entry["soma_speedup_over_lbl"] = MeanJson(summary.soma_speedup_over_lbl);
    entry["cocco_speedup_over_lbl"] = MeanJson(summary.cocco_speedup_over_lbl);
    entry["soma_energy_reduction_vs_cocco"] = MeanJson(summary.soma_energy_reduction_vs_cocco);
    summary_list.push_back(entry);
  }
  json["summary"] = summary_list;
  return json.dump(2) + "\n";
}

std::string ResultsCsv(const std::vector<BenchCase>& cases,
                       const std::vector<CaseResult>& results) {
  std::string csv =
      "network,hardware,batch,strategy,buffer_mib,dram_gbps,status,layers,macs,"
      "compute_bound_cycles,dram_bound_cycles,latency_cycles,latency_over_bound,energy_pj,"
      "dram_bytes,peak_buffer_bytes,search_seconds,stage_seconds,replay,message,block_count\n";
  for (size_t index = 0; index < cases.size(); ++index) {
    const BenchCase& bench_case = cases[index];
    const CaseResult& result = results[index];
    const std::string buffer_mib =
        bench_case.dse.has_value() ? absl::StrCat(bench_case.dse->buffer_mib) : "";
    const std::string dram_gbps =
        bench_case.dse.has_value() ? absl::StrCat(bench_case.dse->dram_gbps) : "";
    // latency_cycles .. peak_buffer_bytes, empty without a schedule.
    std::string figures = ",,,,";
    if (result.HasSchedule()) {
      figures = absl::StrFormat("%d,%.6f,%.1f,%d,%d", result.latency_cycles, result.BoundRatio(),
                                result.energy_pj, result.dram_bytes, result.peak_buffer_bytes);
    }
    absl::StrAppend(&csv, CsvField(bench_case.model), ",", CsvField(bench_case.hardware.name), ",",
                    bench_case.batch, ",", StrategyName(bench_case), ",", buffer_mib, ",",
                    dram_gbps, ",", CaseStatusName(result.status), ",", result.layer_count, ",",
                    result.mac_count, ",", result.compute_bound_cycles, ",",
                    result.dram_bound_cycles, ",", figures, ",",
                    absl::StrFormat("%.3f", result.search_seconds), ",",
                    CsvField(StageSecondsText(result)), ",", ReplayStatusName(result.replay), ",",
                    CsvField(result.message), ",", bench_case.block_count, "\n");
  }
  return csv;
}

}  // namespace soma::bench
