// compile_driver.cc: runs the stages in order and collects the outputs.
#include "driver/compile_driver.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "alloc/buffer_allocation.h"
#include "arch/arch_config.h"
#include "arch/cost_model.h"
#include "codegen/codegen.h"
#include "codegen/stream_io.h"
#include "driver/compile_options.h"
#include "importer/importer.h"
#include "report/per_layer_report.h"
#include "report/summary_report.h"
#include "report/timeline_reports.h"
#include "schedule/schedule_file.h"
#include "schedule/strategy.h"
#include "soma/plugin_api.h"
#include "soma/status_macros.h"

namespace soma::driver {

namespace {

std::vector<std::string> LayerNames(const graph::LayerGraph& graph) {
  std::vector<std::string> names;
  names.reserve(graph.layers.size());
  for (const graph::Layer& layer : graph.layers) names.push_back(layer.name);
  return names;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read the schedule file: ", std::strerror(errno),
                     "; check the path given to --soma-schedule-in"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Everything the pipeline produced before a failure, so an infeasible compile still reports.
struct PipelineState {
  std::optional<importer::ImportResult> imported;
  std::optional<arch::ArchConfig> config;
  std::optional<arch::Bounds> bounds;
  std::string strategy_name;
};

absl::Status RunPipeline(const CompileRequest& request, PipelineState& state,
                         CompileOutcome& outcome) {
  const auto start_time = std::chrono::steady_clock::now();
  auto log = [&](int level, const std::string& message) {
    if (request.log) request.log(level, message);
  };

  // Step 1: options and hardware.
  ASSIGN_OR_RETURN(CompileOptions options, ParseCompileOptions(request.options));
  state.strategy_name = schedule::StrategyKindName(options.strategy);
  ASSIGN_OR_RETURN(state.config, arch::LoadArchConfig(request.hardware_path));
  const arch::CostModel cost_model(*state.config);

  // Step 2: import.
  importer::ImportOptions import_options;
  import_options.dims = options.dims;
  import_options.constant_inputs = options.constant_inputs;
  import_options.batch = options.batch;
  if (request.model_bytes) {
    ASSIGN_OR_RETURN(state.imported, importer::ImportModelBytes(*request.model_bytes,
                                                                request.model_path, import_options));
  } else {
    ASSIGN_OR_RETURN(state.imported, importer::ImportModelFile(request.model_path, import_options));
  }
  const graph::LayerGraph& graph = state.imported->graph;
  RETURN_IF_ERROR(graph.Verify());
  state.bounds = cost_model.ComputeBounds(graph);
  log(SOMA_LOG_INFO, "imported " + graph.model_name + ": " + std::to_string(graph.layers.size()) +
                         " layers");

  // Step 3: schedule; the strategy returns only address-allocatable programs.
  schedule::ScheduleOptions schedule_options;
  schedule_options.strategy = options.strategy;
  schedule_options.seed = options.seed;
  schedule_options.time_limit_seconds = options.time_limit_seconds;
  schedule_options.threads = options.threads;
  schedule_options.progress = [&](const std::string& line) { log(SOMA_LOG_INFO, line); };
  schedule::Program program;
  if (options.schedule_in) {
    ASSIGN_OR_RETURN(std::string text, ReadTextFile(*options.schedule_in));
    absl::StatusOr<schedule::ScheduleFile> file = schedule::ReadScheduleJson(text);
    if (!file.ok()) {
      return absl::Status(file.status().code(),
                          absl::StrCat(*options.schedule_in, ": ", file.status().message()));
    }
    auto built = schedule::BuildProgramFromSchedule(graph, cost_model, *file);
    if (!built.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(*options.schedule_in, ": invalid schedule: ", built.status().message()));
    }
    program = *std::move(built);
    state.strategy_name = program.schedule.strategy;
  } else {
    ASSIGN_OR_RETURN(program, schedule::RunStrategy(graph, cost_model, schedule_options));
  }
  RETURN_IF_ERROR(program.Verify());

  // Step 4: buffer addresses.
  ASSIGN_OR_RETURN(alloc::BufferAllocation allocation,
                   alloc::AllocateBuffer(program, state.config->buffer_bytes,
                                         state.config->buffer_alignment_bytes));
  RETURN_IF_ERROR(allocation.Verify(program, state.config->buffer_bytes,
                                    state.config->buffer_alignment_bytes));

  // Step 5: command stream.
  ASSIGN_OR_RETURN(stream::CommandStream command_stream,
                   codegen::EmitCommandStream(graph, program, allocation, *state.config));

  // Step 6: outputs and reports.
  report::CompileFacts facts;
  facts.model_path = request.model_path;
  facts.allocated_buffer_bytes = allocation.used_bytes;
  facts.compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  ASSIGN_OR_RETURN(std::string summary_json,
                   report::SummaryJson(graph, *state.config, *state.bounds, program, facts));
  outcome.files.push_back({"stream.npub", codegen::SerializeStream(command_stream)});
  outcome.files.push_back({"stream.txt", codegen::Disassemble(command_stream)});
  outcome.files.push_back({"summary.json", std::move(summary_json)});
  outcome.files.push_back({"per_layer.csv", report::PerLayerCsv(graph, program)});
  outcome.files.push_back({"per_group.csv", report::PerGroupCsv(graph, program)});
  outcome.files.push_back({"dma.csv", report::DmaCsv(graph, program)});
  outcome.files.push_back({"buffer.csv", report::BufferCsv(program)});
  outcome.files.push_back({"trace.json", report::TraceJson(graph, program, *state.config)});
  std::string schedule_json = schedule::WriteScheduleJson(graph, program);
  if (options.schedule_out) {
    // Relative paths are relative to the working directory, as users expect.
    outcome.files.push_back(
        {std::filesystem::absolute(*options.schedule_out).string(), schedule_json});
  }
  outcome.files.push_back({"schedule.json", std::move(schedule_json)});
  outcome.files.push_back(
      {"placement.csv",
       importer::PlacementTableToCsv(state.imported->placement, LayerNames(graph))});
  outcome.summary_text = report::SummaryText(graph, *state.config, *state.bounds, program, facts);
  return absl::OkStatus();
}

}  // namespace

CompileOutcome Compile(const CompileRequest& request) {
  CompileOutcome outcome;
  PipelineState state;
  outcome.status = RunPipeline(request, state, outcome);
  if (outcome.status.ok()) return outcome;

  outcome.files.clear();
  // An infeasible schedule still writes its report: which constraint failed and what
  // would make it fit.
  if (absl::IsResourceExhausted(outcome.status) && state.imported && state.config &&
      state.bounds) {
    const graph::LayerGraph& graph = state.imported->graph;
    const std::string message(outcome.status.message());
    outcome.files.push_back({"summary.json",
                             report::InfeasibleSummaryJson(graph, *state.config, *state.bounds,
                                                           state.strategy_name, message)});
    outcome.files.push_back(
        {"placement.csv",
         importer::PlacementTableToCsv(state.imported->placement, LayerNames(graph))});
  }
  return outcome;
}

}  // namespace soma::driver
