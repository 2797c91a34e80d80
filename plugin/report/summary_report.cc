// summary_report.cc: summary.json and the console summary.
#include "report/summary_report.h"

#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace soma::report {

namespace {

nlohmann::ordered_json BaseJson(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                                const arch::Bounds& bounds, const std::string& strategy) {
  nlohmann::ordered_json json;
  json["model"] = graph.model_name;
  json["hardware"] = config.name;
  json["strategy"] = strategy;
  json["compute_bound_cycles"] = bounds.compute_bound_cycles;
  json["dram_bound_cycles"] = bounds.dram_bound_cycles;
  json["peak_compute_cycles"] = bounds.peak_compute_cycles;
  json["latency_bound_cycles"] = bounds.LatencyBoundCycles();
  json["macs"] = graph.MacCount();
  json["layers"] = graph.layers.size();
  return json;
}

nlohmann::ordered_json StageJson(const schedule::StageStats& stage) {
  nlohmann::ordered_json json;
  json["seconds"] = stage.seconds;
  json["rounds"] = stage.rounds;
  json["round_budget"] = stage.round_budget;
  json["moves_accepted"] = stage.moves_accepted;
  json["stopped_by_time_limit"] = stage.stopped_by_time_limit;
  json["reached_lower_bound"] = stage.reached_lower_bound;
  return json;
}

// The search's time per stage and pass; seconds differ from run to run, the rest does not
// when no time limit is set.
nlohmann::ordered_json SearchJson(const schedule::SearchStats& stats) {
  nlohmann::ordered_json json;
  json["seed"] = stats.seed;
  json["threads"] = stats.threads;
  if (stats.time_limit_seconds) json["time_limit_seconds"] = *stats.time_limit_seconds;
  json["dma_chunk_bytes"] = stats.dma_chunk_bytes;
  json["total_seconds"] = stats.total_seconds;
  json["lbl_seconds"] = stats.lbl_seconds;
  json["chosen"] = stats.chosen;
  double stage_seconds[3] = {0, 0, 0};
  nlohmann::ordered_json passes = nlohmann::ordered_json::array();
  for (const schedule::PassStats& pass : stats.passes) {
    nlohmann::ordered_json pass_json;
    pass_json["pass"] = pass.pass;
    pass_json["kind"] = pass.kind;
    pass_json["stage1_capacity_bytes"] = pass.stage1_capacity_bytes;
    pass_json["usable_capacity_bytes"] = pass.usable_capacity_bytes;
    pass_json["latency_cycles"] = pass.latency_cycles;
    pass_json["allocation_attempts"] = pass.allocation_attempts;
    if (!pass.failure.empty()) pass_json["failure"] = pass.failure;
    pass_json["stage1"] = StageJson(pass.stage1);
    pass_json["stage2"] = StageJson(pass.stage2);
    pass_json["stage3"] = StageJson(pass.stage3);
    stage_seconds[0] += pass.stage1.seconds;
    stage_seconds[1] += pass.stage2.seconds;
    stage_seconds[2] += pass.stage3.seconds;
    passes.push_back(std::move(pass_json));
  }
  // Summed over passes, which may have run on several threads at once.
  json["stage1_seconds"] = stage_seconds[0];
  json["stage2_seconds"] = stage_seconds[1];
  json["stage3_seconds"] = stage_seconds[2];
  json["passes"] = std::move(passes);
  return json;
}

}  // namespace

absl::StatusOr<std::string> SummaryJson(const graph::LayerGraph& graph,
                                        const arch::ArchConfig& config, const arch::Bounds& bounds,
                                        const schedule::Program& program, const CompileFacts& facts) {
  int64_t transfer_bytes = 0;
  for (const auto& transfer : program.transfers) transfer_bytes += transfer.bytes;
  if (transfer_bytes != program.dram_bytes) {
    return absl::InternalError(absl::StrFormat(
        "summary invariant broken: DRAM bytes %d differ from the sum of transfers %d",
        program.dram_bytes, transfer_bytes));
  }
  if (program.peak_buffer_bytes > config.buffer_bytes) {
    return absl::InternalError(absl::StrFormat(
        "summary invariant broken: peak buffer %d bytes exceeds the capacity %d bytes",
        program.peak_buffer_bytes, config.buffer_bytes));
  }
  if (program.latency_cycles < bounds.LatencyBoundCycles()) {
    return absl::InternalError(absl::StrFormat(
        "summary invariant broken: latency %d cycles is below the lower bound %d cycles",
        program.latency_cycles, bounds.LatencyBoundCycles()));
  }
  nlohmann::ordered_json json = BaseJson(graph, config, bounds, program.schedule.strategy);
  json["status"] = "ok";
  json["latency_cycles"] = program.latency_cycles;
  json["latency_over_bound"] =
      static_cast<double>(program.latency_cycles) / static_cast<double>(bounds.LatencyBoundCycles());
  json["latency_seconds"] =
      static_cast<double>(program.latency_cycles) / static_cast<double>(config.clock_hz);
  json["energy_pj"] = program.energy_pj;
  json["dram_bytes"] = program.dram_bytes;
  json["peak_buffer_bytes"] = program.peak_buffer_bytes;
  json["allocated_buffer_bytes"] = facts.allocated_buffer_bytes;
  json["buffer_bytes"] = config.buffer_bytes;
  json["layer_groups"] = program.groups.size();
  json["compute_tiles"] = program.compute_ops.size();
  json["dram_transfers"] = program.transfers.size();
  json["compile_seconds"] = facts.compile_seconds;
  if (program.search_stats) json["search"] = SearchJson(*program.search_stats);
  return json.dump(2) + "\n";
}

std::string InfeasibleSummaryJson(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                                  const arch::Bounds& bounds, const std::string& strategy,
                                  const std::string& message) {
  nlohmann::ordered_json json = BaseJson(graph, config, bounds, strategy);
  json["status"] = "infeasible";
  json["error"] = message;
  json["buffer_bytes"] = config.buffer_bytes;
  return json.dump(2) + "\n";
}

std::string SummaryText(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                        const arch::Bounds& bounds, const schedule::Program& program,
                        const CompileFacts& facts) {
  const double bound = static_cast<double>(bounds.LatencyBoundCycles());
  std::string text;
  absl::StrAppendFormat(&text, "model            %s (%d layers, %.3f GMAC)\n", graph.model_name,
                        graph.layers.size(), static_cast<double>(graph.MacCount()) / 1e9);
  absl::StrAppendFormat(&text, "hardware         %s (%.1f TOPS, buffer %d bytes)\n", config.name,
                        config.Tops(), config.buffer_bytes);
  absl::StrAppendFormat(&text, "strategy         %s: %d layer groups, %d compute tiles, %d DRAM transfers\n",
                        program.schedule.strategy, program.groups.size(),
                        program.compute_ops.size(), program.transfers.size());
  absl::StrAppendFormat(&text, "latency          %d cycles (%.3f ms)\n", program.latency_cycles,
                        1e3 * static_cast<double>(program.latency_cycles) /
                            static_cast<double>(config.clock_hz));
  absl::StrAppendFormat(&text, "lower bounds     compute %d cycles, DRAM %d cycles\n",
                        bounds.compute_bound_cycles, bounds.dram_bound_cycles);
  absl::StrAppendFormat(&text, "latency / bound  %.4f\n",
                        static_cast<double>(program.latency_cycles) / bound);
  absl::StrAppendFormat(&text, "energy           %.3f uJ\n", program.energy_pj / 1e6);
  absl::StrAppendFormat(&text, "DRAM traffic     %d bytes\n", program.dram_bytes);
  absl::StrAppendFormat(&text, "peak buffer      %d of %d bytes\n", program.peak_buffer_bytes,
                        config.buffer_bytes);
  absl::StrAppendFormat(&text, "compile time     %.3f s\n", facts.compile_seconds);
  return text;
}

}  // namespace soma::report
