// backend_node_test.cc: runs ONNX's own backend node tests (the libonnx-testdata package)
// through RunGraph and compares every output with the expected one.
//
// One test case per folder of kNodeTestDir. A case whose model uses an operator that the
// interpreter lacks, or whose run returns Unimplemented (an attribute value or type the
// interpreter declares unsupported), is skipped with the reason. Every other case must pass
// unless tests/onnx_ops/backend_node_known_failures.txt lists it, and a listed case must
// fail, so the list stays exact.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "onnx_ops/onnx_ops.h"
#include "util/test_paths.h"

namespace soma::onnx_ops {
namespace {

namespace fs = std::filesystem;

constexpr char kNodeTestDir[] = "/usr/share/libonnx-testdata/data/node";
constexpr char kPackageMissing[] = "libonnx_testdata_not_installed";
constexpr double kRelativeTolerance = 1e-3;
constexpr double kAbsoluteTolerance = 1e-5;

enum class Outcome { kPassed, kFailed, kUnsupported };

struct CaseResult {
  Outcome outcome = Outcome::kFailed;
  /// Why the case failed or was skipped.
  std::string message;
};

std::vector<std::string> NodeTestNames() {
  std::vector<std::string> names;
  std::error_code error;
  if (!fs::is_directory(kNodeTestDir, error)) return {kPackageMissing};
  for (const fs::directory_entry& entry : fs::directory_iterator(kNodeTestDir, error)) {
    if (fs::exists(entry.path() / "model.onnx")) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// test name -> reason, from backend_node_known_failures.txt ("name: reason" lines; blank
// lines and lines starting with '#' are ignored).
const std::map<std::string, std::string>& KnownFailures() {
  static const auto* const failures = [] {
    auto* parsed = new std::map<std::string, std::string>();
    std::ifstream file(fs::path(soma::testing::SourceDir()) / "tests" / "onnx_ops" /
                       "backend_node_known_failures.txt");
    std::string line;
    while (std::getline(file, line)) {
      if (line.empty() || line[0] == '#') continue;
      const size_t colon = line.find(':');
      const std::string name = line.substr(0, colon);
      (*parsed)[name] = colon == std::string::npos ? "" : line.substr(colon + 1);
    }
    return parsed;
  }();
  return *failures;
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// The first node (of the graph or of a nested subgraph) whose operator is not supported.
std::optional<std::string> FindUnsupportedOp(const onnx::GraphProto& graph) {
  for (const onnx::NodeProto& node : graph.node()) {
    if (!IsSupported(node.domain(), node.op_type())) {
      return node.domain().empty() ? node.op_type()
                                   : absl::StrCat(node.domain(), ".", node.op_type());
    }
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      std::vector<const onnx::GraphProto*> subgraphs;
      if (attribute.has_g()) subgraphs.push_back(&attribute.g());
      for (const onnx::GraphProto& subgraph : attribute.graphs()) subgraphs.push_back(&subgraph);
      for (const onnx::GraphProto* subgraph : subgraphs) {
        if (auto op = FindUnsupportedOp(*subgraph)) return op;
      }
    }
  }
  return std::nullopt;
}

bool IsFloatClass(int32_t elem_type) {
  return elem_type == onnx::TensorProto::FLOAT || elem_type == onnx::TensorProto::DOUBLE ||
         elem_type == onnx::TensorProto::FLOAT16 || elem_type == onnx::TensorProto::BFLOAT16;
}

int TypeClass(int32_t elem_type) {
  if (IsFloatClass(elem_type)) return 0;
  if (elem_type == onnx::TensorProto::BOOL) return 2;
  return 1;
}

bool ValuesMatch(double actual, double expected, bool is_float) {
  if (!is_float) return actual == expected;
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::fabs(actual - expected) <=
         kAbsoluteTolerance + kRelativeTolerance * std::fabs(expected);
}

// Compares one output; returns a description of the first difference, or nullopt.
std::optional<std::string> CompareOutput(const std::string& name, const HostTensor& actual,
                                         const HostTensor& expected) {
  if (actual.dims != expected.dims) {
    std::ostringstream message;
    message << "output '" << name << "' has shape [";
    for (const int64_t dim : actual.dims) message << dim << ",";
    message << "], expected [";
    for (const int64_t dim : expected.dims) message << dim << ",";
    message << "]";
    return message.str();
  }
  if (TypeClass(actual.elem_type) != TypeClass(expected.elem_type)) {
    return absl::StrCat("output '", name, "' has element type ", actual.elem_type, ", expected ",
                        expected.elem_type);
  }
  if (actual.values.size() != expected.values.size()) {
    return absl::StrCat("output '", name, "' has ", actual.values.size(), " values, expected ",
                        expected.values.size());
  }
  const bool is_float = IsFloatClass(expected.elem_type);
  for (size_t i = 0; i < expected.values.size(); ++i) {
    if (!ValuesMatch(actual.values[i], expected.values[i], is_float)) {
      return absl::StrCat("output '", name, "' element ", i, " is ", actual.values[i],
                          ", expected ", expected.values[i]);
    }
  }
  return std::nullopt;
}

// Loads a test tensor. The test data stores BFLOAT16 values as UINT16 bit patterns (numpy
// has no bfloat16), so those are reinterpreted when the model declares `declared_type`
// BFLOAT16.
absl::StatusOr<HostTensor> LoadTensor(const fs::path& path, int32_t declared_type) {
  const std::optional<std::string> bytes = ReadFile(path);
  onnx::TensorProto proto;
  if (!bytes || !proto.ParseFromString(*bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse ", path.string()));
  }
  absl::StatusOr<HostTensor> tensor = TensorFromProto(proto);
  if (tensor.ok() && declared_type == onnx::TensorProto::BFLOAT16 &&
      tensor->elem_type == onnx::TensorProto::UINT16) {
    tensor->elem_type = onnx::TensorProto::BFLOAT16;
    for (double& value : tensor->values) {
      const uint32_t bits = static_cast<uint32_t>(value) << 16;
      float as_float = 0.0f;
      std::memcpy(&as_float, &bits, sizeof(as_float));
      value = as_float;
    }
  }
  return tensor;
}

int32_t DeclaredType(const onnx::ValueInfoProto& value) {
  return value.type().tensor_type().elem_type();
}

int64_t DefaultDomainOpset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") return opset.version();
  }
  return 1;
}

CaseResult Unsupported(std::string message) { return {Outcome::kUnsupported, std::move(message)}; }
CaseResult Failed(std::string message) { return {Outcome::kFailed, std::move(message)}; }

// Runs one test data set of `model`.
CaseResult RunDataSet(const onnx::ModelProto& model, const fs::path& data_dir) {
  const onnx::GraphProto& graph = model.graph();
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const onnx::ValueInfoProto& input : graph.input()) {
    const bool is_initializer =
        std::any_of(graph.initializer().begin(), graph.initializer().end(),
                    [&](const onnx::TensorProto& init) { return init.name() == input.name(); });
    if (!is_initializer) inputs.push_back(&input);
  }
  ValueScope feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const fs::path path = data_dir / absl::StrCat("input_", i, ".pb");
    if (!fs::exists(path)) continue;  // An omitted optional input.
    absl::StatusOr<HostTensor> tensor = LoadTensor(path, DeclaredType(*inputs[i]));
    if (!tensor.ok())
      return Unsupported(absl::StrCat("input ", i, ": ", tensor.status().message()));
    feeds[inputs[i]->name()] = *std::move(tensor);
  }
  absl::StatusOr<std::vector<HostTensor>> outputs =
      RunGraph(graph, DefaultDomainOpset(model), feeds);
  if (absl::IsUnimplemented(outputs.status())) {
    return Unsupported(std::string(outputs.status().message()));
  }
  if (!outputs.ok()) return Failed(outputs.status().ToString());
  if (outputs->size() != static_cast<size_t>(graph.output_size())) {
    return Failed(absl::StrCat("RunGraph returned ", outputs->size(), " outputs, expected ",
                               graph.output_size()));
  }
  for (int i = 0; i < graph.output_size(); ++i) {
    absl::StatusOr<HostTensor> expected =
        LoadTensor(data_dir / absl::StrCat("output_", i, ".pb"), DeclaredType(graph.output(i)));
    if (!expected.ok())
      return Unsupported(absl::StrCat("output ", i, ": ", expected.status().message()));
    if (auto difference = CompareOutput(graph.output(i).name(), (*outputs)[i], *expected)) {
      return Failed(*difference);
    }
  }
  return {Outcome::kPassed, ""};
}

CaseResult EvaluateCase(const std::string& test_name) {
  const fs::path folder = fs::path(kNodeTestDir) / test_name;
  const std::optional<std::string> bytes = ReadFile(folder / "model.onnx");
  onnx::ModelProto model;
  if (!bytes || !model.ParseFromString(*bytes)) return Failed("cannot parse model.onnx");
  if (auto op = FindUnsupportedOp(model.graph())) return Unsupported("operator " + *op);
  for (const onnx::ValueInfoProto& value : model.graph().input()) {
    if (!value.type().has_tensor_type()) return Unsupported("a graph input is not a tensor");
  }
  for (const onnx::ValueInfoProto& value : model.graph().output()) {
    if (!value.type().has_tensor_type()) return Unsupported("a graph output is not a tensor");
  }
  std::vector<fs::path> data_sets;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    if (entry.is_directory()) data_sets.push_back(entry.path());
  }
  std::sort(data_sets.begin(), data_sets.end());
  for (const fs::path& data_set : data_sets) {
    CaseResult result = RunDataSet(model, data_set);
    if (result.outcome != Outcome::kPassed) return result;
  }
  return {Outcome::kPassed, ""};
}

class BackendNodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BackendNodeTest, MatchesReference) {
  // The node's outputs match ONNX's expected outputs, or the case is listed as a known failure.
  const std::string& test_name = GetParam();
  if (test_name == kPackageMissing) {
    GTEST_SKIP() << kNodeTestDir << " not found; install the libonnx-testdata package";
  }
  const CaseResult result = EvaluateCase(test_name);
  const auto known = KnownFailures().find(test_name);
  if (result.outcome == Outcome::kUnsupported) {
    EXPECT_EQ(known, KnownFailures().end())
        << test_name << " is listed in backend_node_known_failures.txt but is skipped as "
        << "unsupported (" << result.message << "); remove it from the list";
    GTEST_SKIP() << "unsupported: " << result.message;
  }
  if (known != KnownFailures().end()) {
    EXPECT_EQ(result.outcome, Outcome::kFailed)
        << test_name << " passes now; remove it from backend_node_known_failures.txt";
    return;
  }
  EXPECT_EQ(result.outcome, Outcome::kPassed)
      << result.message << " (add '" << test_name
      << ": reason' to backend_node_known_failures.txt only for a deliberate gap)";
}

INSTANTIATE_TEST_SUITE_P(Node, BackendNodeTest, ::testing::ValuesIn(NodeTestNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(BackendNodeSummary, KnownFailuresNameExistingTests) {
  // Every entry of the known-failure list names a folder of the test data.
  if (!fs::is_directory(kNodeTestDir)) GTEST_SKIP() << kNodeTestDir << " not found";
  for (const auto& [name, reason] : KnownFailures()) {
    EXPECT_TRUE(fs::is_directory(fs::path(kNodeTestDir) / name))
        << name << " in backend_node_known_failures.txt is not a backend node test";
  }
}

TEST(BackendNodeSummary, PrintsCounts) {
  // Prints how many backend node tests are supported, pass, fail and are unsupported.
  if (!fs::is_directory(kNodeTestDir)) GTEST_SKIP() << kNodeTestDir << " not found";
  int passed = 0;
  int failed = 0;
  int unsupported = 0;
  const bool verbose = std::getenv("SOMA_BACKEND_VERBOSE") != nullptr;
  for (const std::string& name : NodeTestNames()) {
    const CaseResult result = EvaluateCase(name);
    switch (result.outcome) {
      case Outcome::kPassed:
        ++passed;
        break;
      case Outcome::kFailed:
        ++failed;
        break;
      case Outcome::kUnsupported:
        ++unsupported;
        break;
    }
    if (verbose && result.outcome != Outcome::kPassed) {
      std::cout << (result.outcome == Outcome::kFailed ? "FAIL " : "UNSUPPORTED ") << name << ": "
                << result.message << "\n";
    }
  }
  std::cout << "backend node tests: " << passed + failed << " supported, " << passed << " passed, "
            << failed << " failed, " << unsupported << " unsupported\n";
  EXPECT_GT(passed, 0);
}

}  // namespace
}  // namespace soma::onnx_ops
