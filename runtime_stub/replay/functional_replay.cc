// functional_replay.cc: the functional level: run the stream on values, compare the outputs.
#include "replay/functional_replay.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "replay/decoded_stream.h"
#include "replay/functional_machine.h"
#include "replay/tensor_layout.h"
#include "soma/status_macros.h"

namespace soma::replay {

namespace {

/// Checks that `data` has values of the right size for every network input and output.
absl::Status CheckReferenceData(const stream::CommandStream& command_stream,
                                const ReferenceData& data) {
  auto check = [&](uint32_t id, const std::map<int, std::vector<float>>& values,
                   const char* kind) -> absl::Status {
    const stream::Tensor& tensor = command_stream.tensors(static_cast<int>(id));
    const auto found = values.find(static_cast<int>(id));
    if (found == values.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no values for network ", kind, " \"", tensor.name(), "\""));
    }
    const int64_t expected = graph::ElementCount(TensorShape(tensor));
    if (static_cast<int64_t>(found->second.size()) != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          "network ", kind, " \"", tensor.name(), "\" has ", found->second.size(),
          " values, expected ", expected));
    }
    return absl::OkStatus();
  };
  for (uint32_t id : command_stream.network_inputs()) {
    RETURN_IF_ERROR(check(id, data.inputs, "input"));
  }
  for (uint32_t id : command_stream.network_outputs()) {
    RETURN_IF_ERROR(check(id, data.expected_outputs, "output"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FunctionalReport> RunFunctional(const DecodedStream& decoded,
                                               const ReferenceData& data, double tolerance) {
  const stream::CommandStream& command_stream = *decoded.command_stream;
  RETURN_IF_ERROR(CheckReferenceData(command_stream, data));
  FunctionalReport report;
  report.reference_source = data.source;
  report.tolerance = tolerance;

  FindingList findings;
  const std::optional<HappensBefore> happens_before = CheckExecutable(decoded, &findings);
  if (happens_before.has_value()) {
    FunctionalMachine machine(*decoded.table, decoded.graph, data.inputs, &findings);
    for (int work_id : happens_before->order()) machine.Execute(work_id);
    for (uint32_t output : command_stream.network_outputs()) {
      const int id = static_cast<int>(output);
      const stream::Tensor& tensor = command_stream.tensors(id);
      const std::vector<float>& actual = machine.DramValues(id);
      const std::vector<float>& expected = data.expected_outputs.at(id);
      OutputComparison comparison = CompareOutput(tensor.name(), actual, expected, tolerance);
      report.actual_outputs[id] = actual;
      if (!comparison.passed) {
        const graph::Shape shape = TensorShape(tensor);
        findings.Add(
            FindingKind::kOutputMismatch, std::nullopt,
            absl::StrFormat("network output \"%s\" differs from the expected values: error %g "
                            "(max |actual - expected| / max |expected|) exceeds the tolerance %g; "
                            "worst element %d %s: actual %.9g, expected %.9g",
                            tensor.name(), comparison.error, tolerance, comparison.worst_index,
                            CoordinateToString(CoordinateOf(shape, comparison.worst_index)),
                            comparison.actual, comparison.expected));
      }
      report.outputs.push_back(std::move(comparison));
    }
  }
  report.dropped_finding_count = findings.dropped_count();
  report.findings = findings.Release();
  return report;
}

}  // namespace

std::string FunctionalReport::Summary() const {
  std::string text = absl::StrCat("functional replay: ", ok() ? "ok" : "FAILED",
                                  "\n  reference: ", reference_source, "\n");
  for (const OutputComparison& output : outputs) {
    absl::StrAppend(&text, absl::StrFormat("  output \"%s\": %d elements, error %g (tolerance "
                                           "%g) %s\n",
                                           output.name, output.element_count, output.error,
                                           tolerance, output.passed ? "ok" : "MISMATCH"));
  }
  if (!ok()) {
    absl::StrAppend(&text, "  findings: ", findings.size() + dropped_finding_count, "\n",
                    FormatFindings(findings, dropped_finding_count));
  }
  return text;
}

absl::StatusOr<FunctionalReport> ReplayFunctional(const stream::CommandStream& command_stream,
                                                  const ReferenceData& data, double tolerance) {
  ASSIGN_OR_RETURN(DecodedStream decoded, DecodeStream(command_stream));
  return RunFunctional(decoded, data, tolerance);
}

absl::StatusOr<FunctionalReport> ReplayFunctional(const stream::CommandStream& command_stream,
                                                  const FunctionalOptions& options) {
  ASSIGN_OR_RETURN(DecodedStream decoded, DecodeStream(command_stream));
  ASSIGN_OR_RETURN(ReferenceData data,
                   PrepareReferenceData(command_stream, decoded.graph, options));
  return RunFunctional(decoded, data, options.tolerance);
}

}  // namespace soma::replay
