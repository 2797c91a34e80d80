// onnx_backend_test.cc: ONNX's own backend node tests (Debian package libonnx-testdata)
// through the whole product: npuc compiles each one-node model with --soma, and npu-replay
// replays the stream structurally and functionally against every test data set.
//
// A test counts as supported when every node's operator is in `npuc --soma-supported-ops` and
// its graph inputs and outputs are tensors of numeric or bool elements (sequence, optional and
// string values are outside the product).
// Tests that feed shape operands (axes, pads, scales) as graph inputs compile once per data
// set with those inputs frozen by --soma-constant-input.
// The expected failures are listed with their reason in onnx_backend_known_failures.txt. A
// failure that is not listed, or a listed test that passes, fails this test, so the list
// stays exact. At least 95% of the supported tests must pass. The results go to
// BUILD/onnx_backend_results.csv.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "integration/command_runner.h"
#include "onnx/onnx_pb.h"
#include "util/test_paths.h"

namespace soma::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kNodeTestRoot[] = "/usr/share/libonnx-testdata/data/node";

struct BackendResult {
  std::string name;
  /// "pass", "fail", or "unsupported".
  std::string verdict;
  std::string reason;
};

// The first line of `output` that mentions an error, else its first line.
std::string FirstErrorLine(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  std::string first;
  while (std::getline(lines, line)) {
    if (first.empty() && !line.empty()) first = line;
    if (line.find("error") != std::string::npos || line.find("mismatch") != std::string::npos ||
        line.find("FAIL") != std::string::npos) {
      return line.substr(0, 300);
    }
  }
  return first.substr(0, 300);
}

// "domain.op_type" of every supported operator, from the first column of the listing.
std::set<std::string> SupportedOperators() {
  const CommandResult listing = RunCommand(Binary("npuc") + " --soma-supported-ops");
  std::set<std::string> operators;
  std::istringstream lines(listing.output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (!first.empty()) operators.insert(first);
  }
  return operators;
}

// "domain.op_type" as the listing spells it, the default domain as "ai.onnx".
std::string OperatorKey(const onnx::NodeProto& node) {
  const std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  return domain + "." + node.op_type();
}

// Why a graph input or output is outside the supported value types (tensors of numeric or
// bool elements), or "".
std::string UnsupportedValueType(const onnx::ValueInfoProto& value) {
  if (!value.type().has_tensor_type()) return "value '" + value.name() + "' is not a tensor";
  if (value.type().tensor_type().elem_type() == onnx::TensorProto::STRING) {
    return "value '" + value.name() + "' holds strings";
  }
  return "";
}

// The first operator or value type of `model_path` that is not supported, or "" when all
// are.
std::string FirstUnsupportedConstruct(const std::string& model_path,
                                      const std::set<std::string>& supported) {
  onnx::ModelProto model;
  std::ifstream in(model_path, std::ios::binary);
  if (!model.ParseFromIstream(&in)) return "model.onnx does not parse";
  for (const onnx::NodeProto& node : model.graph().node()) {
    if (supported.count(OperatorKey(node)) == 0) return OperatorKey(node);
  }
  for (const auto* values : {&model.graph().input(), &model.graph().output()}) {
    for (const onnx::ValueInfoProto& value : *values) {
      const std::string reason = UnsupportedValueType(value);
      if (!reason.empty()) return reason;
    }
  }
  return "";
}

// Graph inputs that no node reads as its first operand: shape operands (axes, pads,
// scales, sizes, repeats) that the backend tests feed as inputs.
std::set<std::string> ShapeOperandInputs(const std::string& model_path) {
  onnx::ModelProto model;
  std::ifstream in(model_path, std::ios::binary);
  std::set<std::string> operands;
  if (!model.ParseFromIstream(&in)) return operands;
  std::set<std::string> data_inputs;
  for (const onnx::NodeProto& node : model.graph().node()) {
    // The first operands of Loop (trip count), Range (start) and ConstantOfShape (shape)
    // are shape operands, not data.
    const std::string& op = node.op_type();
    if (node.input_size() > 0 && op != "Loop" && op != "Range" && op != "ConstantOfShape") {
      data_inputs.insert(node.input(0));
    }
  }
  for (const onnx::ValueInfoProto& input : model.graph().input()) {
    if (data_inputs.count(input.name()) == 0) operands.insert(input.name());
  }
  return operands;
}

// The TensorProto name stored in `path`, or "".
std::string TensorNameOf(const fs::path& path) {
  onnx::TensorProto tensor;
  std::ifstream in(path, std::ios::binary);
  return tensor.ParseFromIstream(&in) ? tensor.name() : "";
}

// Compiles `model` into `out`, freezing `frozen` (input name -> TensorProto file).
CommandResult Compile(const std::string& model, const std::string& out,
                      const std::map<std::string, std::string>& frozen) {
  std::string command = Binary("npuc") + " compile '" + model + "' --target " + SourceDir() +
                        "/models/hw/soma-edge.yaml --soma --soma-strategy=lbl -o '" + out + "'";
  for (const auto& [name, file] : frozen) {
    command += " '--soma-constant-input=" + name + "=" + file + "'";
  }
  return RunCommand(command);
}

// Replays `stream` structurally and against `data`; returns "" or the failure.
std::string Replay(const std::string& stream, const fs::path& data, const std::string& label) {
  const CommandResult structural =
      RunCommand(Binary("npu-replay") + " '" + stream + "' --level structural");
  if (structural.exit_code != 0) return "structural replay: " + FirstErrorLine(structural.output);
  const CommandResult functional =
      RunCommand(Binary("npu-replay") + " '" + stream + "' --level functional --tolerance 1e-3 " +
                 "--test-data '" + data.string() + "'");
  if (functional.exit_code != 0) return label + ": " + FirstErrorLine(functional.output);
  return "";
}

// Whether a compile failure comes from shape operands that are graph inputs: the importer
// reports it, or its evaluation of the node on stand-in values gave impossible sizes.
bool NeedsConstantShapeOperands(const std::string& output) {
  for (const char* sign : {"computed at run time", "depends on run-time values", "split sizes",
                           "declares shape", "output_shape", "empty dimension"}) {
    if (output.find(sign) != std::string::npos) return true;
  }
  return false;
}

// Recompiles for one data set with its shape-operand inputs frozen, and replays the other
// inputs. Returns "" or the failure.
std::string RunWithFrozenOperands(const std::string& model, const fs::path& data,
                                  const std::set<std::string>& operands, const std::string& out) {
  fs::create_directories(out + "/data");
  std::map<std::string, std::string> frozen;
  int next_input = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(data)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("output_", 0) == 0) {
      fs::copy_file(entry.path(), out + "/data/" + file);
      continue;
    }
    if (file.rfind("input_", 0) != 0) continue;
    const std::string name = TensorNameOf(entry.path());
    if (operands.count(name) > 0) {
      frozen[name] = entry.path().string();
    } else {
      fs::copy_file(entry.path(), out + "/data/input_" + std::to_string(next_input++) + ".pb");
    }
  }
  const CommandResult compile = Compile(model, out + "/stream", frozen);
  if (compile.exit_code != 0) {
    return "compile with constant shape operands, exit " + std::to_string(compile.exit_code) +
           ": " + FirstErrorLine(compile.output);
  }
  return Replay(out + "/stream/stream.npub", out + "/data", data.filename().string());
}

BackendResult RunOne(const fs::path& test_dir, const std::set<std::string>& supported) {
  BackendResult result{test_dir.filename().string(), "pass", ""};
  const std::string model = (test_dir / "model.onnx").string();
  const std::string unsupported = FirstUnsupportedConstruct(model, supported);
  if (!unsupported.empty()) {
    result.verdict = "unsupported";
    result.reason = unsupported;
    return result;
  }
  std::vector<fs::path> data_sets;
  for (const fs::directory_entry& entry : fs::directory_iterator(test_dir)) {
    if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0) {
      data_sets.push_back(entry.path());
    }
  }
  std::sort(data_sets.begin(), data_sets.end());
  const std::string out = FreshOutputDir("onnx_backend/" + result.name);
  const CommandResult compile = Compile(model, out, {});
  std::string failure;
  if (compile.exit_code == 0) {
    for (const fs::path& data : data_sets) {
      failure = Replay(out + "/stream.npub", data, data.filename().string());
      if (!failure.empty()) break;
    }
  } else if (NeedsConstantShapeOperands(compile.output)) {
    // Shape operands fed as graph inputs: freeze them per data set, as a user does with
    // --soma-constant-input.
    const std::set<std::string> operands = ShapeOperandInputs(model);
    for (const fs::path& data : data_sets) {
      failure = RunWithFrozenOperands(model, data, operands,
                                      out + "/" + data.filename().string());
      if (!failure.empty()) break;
    }
    result.reason = failure.empty() ? "shape operands frozen with --soma-constant-input" : "";
  } else {
    failure = "compile exit " + std::to_string(compile.exit_code) + ": " +
              FirstErrorLine(compile.output);
  }
  if (!failure.empty()) {
    result.verdict = "fail";
    result.reason = failure;
  }
  return result;
}

// test name -> reason, from the known-failures list (`name: reason` lines, # comments).
std::map<std::string, std::string> KnownFailures() {
  std::map<std::string, std::string> known;
  std::ifstream in(SourceDir() + "/tests/integration/onnx_backend_known_failures.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(':');
    known[line.substr(0, colon)] = colon == std::string::npos ? "" : line.substr(colon + 1);
  }
  return known;
}

TEST(OnnxBackendNodeTest, SupportedTestsCompileAndReplayAgainstExpectedOutputs) {
  // Every supported backend node test compiles and matches its expected outputs, except the
  // listed known failures, and at least 95% of the supported tests pass.
  if (!fs::is_directory(kNodeTestRoot)) {
    GTEST_SKIP() << kNodeTestRoot << " is missing; install the Debian package libonnx-testdata";
  }
  const std::set<std::string> supported = SupportedOperators();
  ASSERT_FALSE(supported.empty()) << "npuc --soma-supported-ops listed nothing";

  std::vector<fs::path> tests;
  for (const fs::directory_entry& entry : fs::directory_iterator(kNodeTestRoot)) {
    if (fs::exists(entry.path() / "model.onnx")) tests.push_back(entry.path());
  }
  std::sort(tests.begin(), tests.end());

  std::vector<BackendResult> results(tests.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t index = next++; index < tests.size(); index = next++) {
      results[index] = RunOne(tests[index], supported);
    }
  };
  std::vector<std::thread> workers;
  for (int thread = 0; thread < 2; ++thread) workers.emplace_back(worker);
  for (std::thread& thread : workers) thread.join();

  std::ofstream csv(BinaryDir() + "/onnx_backend_results.csv");
  csv << "test,verdict,reason\n";
  const std::map<std::string, std::string> known = KnownFailures();
  int supported_count = 0;
  int passed = 0;
  for (const BackendResult& result : results) {
    csv << result.name << "," << result.verdict << ",\"" << result.reason << "\"\n";
    if (result.verdict == "unsupported") continue;
    ++supported_count;
    const bool listed = known.count(result.name) > 0;
    if (result.verdict == "pass") {
      ++passed;
      EXPECT_FALSE(listed) << result.name
                           << " passes now; remove it from onnx_backend_known_failures.txt";
    } else {
      EXPECT_TRUE(listed) << result.name << " fails: " << result.reason;
    }
  }
  const int unsupported = static_cast<int>(results.size()) - supported_count;
  std::printf("onnx backend node tests: %zu total, %d supported, %d passed, %d failed, %d "
              "unsupported\n",
              results.size(), supported_count, passed, supported_count - passed, unsupported);
  ASSERT_GT(supported_count, 0);
  EXPECT_GE(passed * 100, supported_count * 95)
      << passed << " of " << supported_count << " supported tests pass; at least 95% must";
}

}  // namespace
}  // namespace soma::testing
