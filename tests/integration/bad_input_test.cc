// bad_input_test.cc: every kind of bad input gives its documented exit code, a message that
// names the culprit, and no output file left behind.
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/command_runner.h"
#include "onnx/onnx_pb.h"
#include "util/test_paths.h"

namespace soma::testing {
namespace {

using ::testing::HasSubstr;

std::string HardwarePath(const std::string& preset) {
  return SourceDir() + "/models/hw/" + preset + ".yaml";
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool IsEmptyDir(const std::string& dir) {
  return !std::filesystem::exists(dir) || std::filesystem::is_empty(dir);
}

// A one-node model: input [1, C, H, W] through `op_type` (with a constant weight for Gemm).
onnx::ModelProto OneNodeModel(const std::string& op_type, const std::string& batch_dim_param,
                              int64_t channels, int64_t height, int64_t width) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("one_node");
  onnx::ValueInfoProto* input = graph->add_input();
  input->set_name("x");
  auto* tensor_type = input->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(onnx::TensorProto::FLOAT);
  auto* dim = tensor_type->mutable_shape()->add_dim();
  if (batch_dim_param.empty()) {
    dim->set_dim_value(1);
  } else {
    dim->set_dim_param(batch_dim_param);
  }
  for (int64_t extent : {channels, height, width}) {
    tensor_type->mutable_shape()->add_dim()->set_dim_value(extent);
  }
  onnx::NodeProto* node = graph->add_node();
  node->set_name("the_node");
  node->set_op_type(op_type);
  node->add_input("x");
  node->add_output("y");
  onnx::ValueInfoProto* output = graph->add_output();
  output->set_name("y");
  output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return model;
}

std::string Serialize(const onnx::ModelProto& model) {
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

CommandResult Compile(const std::string& model, const std::string& hardware, const std::string& out) {
  return RunCommand(Binary("npuc") + " compile '" + model + "' --target '" + hardware +
                    "' --soma -o '" + out + "'");
}

TEST(BadInputTest, MissingModelFile) {
  // A model path that does not exist is named in the error, exit 2, nothing written.
  const std::string out = FreshOutputDir("bad_missing_model");
  CommandResult result = Compile(out + "/nope.onnx", HardwarePath("tiny"), out + "/result");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("nope.onnx"));
  EXPECT_TRUE(IsEmptyDir(out + "/result"));
}

TEST(BadInputTest, TruncatedAndGarbageModels) {
  // A truncated ONNX file and random bytes are parse errors naming the file, exit 2.
  const std::string out = FreshOutputDir("bad_truncated_model");
  const std::string full = ReadFile(SourceDir() + "/models/residual_small.onnx");
  ASSERT_GT(full.size(), 100u);
  WriteFile(out + "/truncated.onnx", full.substr(0, full.size() / 2));
  WriteFile(out + "/garbage.onnx", std::string("\xff\xfe this is not protobuf \x01\x02\x03", 30));
  for (const char* name : {"truncated.onnx", "garbage.onnx"}) {
    CommandResult result = Compile(out + "/" + name, HardwarePath("tiny"), out + "/result");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_THAT(result.output, HasSubstr(name));
    EXPECT_TRUE(IsEmptyDir(out + "/result"));
  }
}

TEST(BadInputTest, UnsupportedOperatorNamesNodeAndOp) {
  // An op that neither a lowering nor the reference interpreter implements names the node
  // and the op, exit 2.
  const std::string out = FreshOutputDir("bad_unsupported_op");
  WriteFile(out + "/made_up.onnx", Serialize(OneNodeModel("MadeUpOperator", "", 4, 8, 8)));
  CommandResult result = Compile(out + "/made_up.onnx", HardwarePath("tiny"), out + "/result");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("node 'the_node' (op 'MadeUpOperator'): unsupported operator"));
  EXPECT_TRUE(IsEmptyDir(out + "/result"));
}

TEST(BadInputTest, UnboundSymbolicDimension) {
  // A symbolic batch dimension without --soma-dim names the input and the dimension, exit 2.
  const std::string out = FreshOutputDir("bad_symbolic_dim");
  WriteFile(out + "/symbolic.onnx", Serialize(OneNodeModel("Relu", "batch", 4, 8, 8)));
  CommandResult result = Compile(out + "/symbolic.onnx", HardwarePath("tiny"), out + "/result");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("'x'"));
  EXPECT_THAT(result.output, HasSubstr("batch"));
  EXPECT_TRUE(IsEmptyDir(out + "/result"));

  // Binding a dimension the model does not have is an error naming it.
  CommandResult typo = RunCommand(Binary("npuc") + " compile '" + out + "/symbolic.onnx' --target " +
                                  HardwarePath("tiny") + " --soma --soma-dim=batch=2 --soma-dim=btach=2 -o " +
                                  out + "/typo");
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_THAT(typo.output, HasSubstr("no symbolic dimension 'btach'"));

  // Binding it compiles.
  CommandResult bound = RunCommand(Binary("npuc") + " compile '" + out + "/symbolic.onnx' --target " +
                                   HardwarePath("tiny") + " --soma --soma-dim=batch=2 -o " + out + "/bound");
  EXPECT_EQ(bound.exit_code, 0) << bound.output;
}

TEST(BadInputTest, InvalidHardwareFiles) {
  // Missing, unknown, negative and zero keys each name the key, exit 2, nothing written.
  const std::string out = FreshOutputDir("bad_hardware");
  const std::string preset = ReadFile(HardwarePath("tiny"));
  ASSERT_THAT(preset, HasSubstr("alignment_bytes:"));
  struct YamlCase {
    std::string name;
    std::string text;
    std::string expected;
  };
  auto replace_line = [&](const std::string& key, const std::string& replacement) {
    const size_t start = preset.find(key);
    const size_t end = preset.find('\n', start);
    return preset.substr(0, start) + replacement + preset.substr(end);
  };
  const std::vector<YamlCase> cases = {
      {"alignment_above_buffer", replace_line("alignment_bytes:", "alignment_bytes: 16777216"),
       "alignment_bytes"},
      {"missing", replace_line("alignment_bytes:", ""), "alignment_bytes"},
      {"unknown", preset + "frobnicate: 3\n", "frobnicate"},
      {"negative", replace_line("alignment_bytes:", "alignment_bytes: -64"), "alignment_bytes"},
      {"zero", replace_line("alignment_bytes:", "alignment_bytes: 0"), "alignment_bytes"},
  };
  for (const YamlCase& yaml : cases) {
    const std::string path = out + "/" + yaml.name + ".yaml";
    WriteFile(path, yaml.text);
    CommandResult result =
        Compile(SourceDir() + "/models/residual_small.onnx", path, out + "/result_" + yaml.name);
    EXPECT_EQ(result.exit_code, 2) << yaml.name << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr(yaml.expected)) << yaml.name;
    EXPECT_THAT(result.output, HasSubstr(yaml.name + ".yaml")) << yaml.name;
    EXPECT_TRUE(IsEmptyDir(out + "/result_" + yaml.name)) << yaml.name;
  }
}

TEST(BadInputTest, ReplayRejectsForeignStreams) {
  // npu-replay rejects a file with a wrong magic and one with another schema version, exit 2.
  const std::string out = FreshOutputDir("bad_stream");
  CommandResult compile =
      Compile(SourceDir() + "/models/residual_small.onnx", HardwarePath("tiny"), out + "/ok");
  ASSERT_EQ(compile.exit_code, 0) << compile.output;
  std::string stream = ReadFile(out + "/ok/stream.npub");
  ASSERT_GT(stream.size(), 12u);

  std::string wrong_magic = stream;
  wrong_magic[0] = 'X';
  WriteFile(out + "/wrong_magic.npub", wrong_magic);
  CommandResult magic = RunCommand(Binary("npu-replay") + " " + out + "/wrong_magic.npub --level structural");
  EXPECT_EQ(magic.exit_code, 2) << magic.output;
  EXPECT_THAT(magic.output, HasSubstr("wrong_magic.npub"));
  EXPECT_THAT(magic.output, HasSubstr("magic"));

  std::string wrong_version = stream;
  wrong_version[8] = 99;
  WriteFile(out + "/wrong_version.npub", wrong_version);
  CommandResult version = RunCommand(Binary("npu-replay") + " " + out + "/wrong_version.npub --level timing");
  EXPECT_EQ(version.exit_code, 2) << version.output;
  EXPECT_THAT(version.output, HasSubstr("schema version 99"));
}

TEST(BadInputTest, InfeasibleModelReportsLayerAndBytes) {
  // A fully connected layer on one 600x600 channel cannot fit a 256 KiB buffer even with the
  // smallest tile: exit 3, the layer and the bytes are named, the report is written and no
  // stream is.
  const std::string out = FreshOutputDir("bad_infeasible");
  onnx::ModelProto model = OneNodeModel("Gemm", "", 1, 600, 600);
  onnx::GraphProto* graph = model.mutable_graph();
  onnx::NodeProto* flatten = graph->mutable_node(0);
  flatten->set_op_type("Flatten");
  flatten->set_name("flatten");
  flatten->set_output(0, "flat");
  onnx::NodeProto* gemm = graph->add_node();
  gemm->set_name("big_fc");
  gemm->set_op_type("Gemm");
  gemm->add_input("flat");
  gemm->add_input("w");
  gemm->add_output("y");
  onnx::AttributeProto* trans_b = gemm->add_attribute();
  trans_b->set_name("transB");
  trans_b->set_type(onnx::AttributeProto::INT);
  trans_b->set_i(1);
  onnx::TensorProto* weight = graph->add_initializer();
  weight->set_name("w");
  weight->set_data_type(onnx::TensorProto::FLOAT);
  weight->add_dims(2);
  weight->add_dims(600 * 600);
  for (int64_t index = 0; index < 2 * 600 * 600; ++index) weight->add_float_data(0.001f);
  WriteFile(out + "/infeasible.onnx", Serialize(model));

  // An earlier successful run into the same folder must not leave its stream behind.
  CommandResult earlier =
      Compile(SourceDir() + "/models/residual_small.onnx", HardwarePath("tiny"), out + "/result");
  ASSERT_EQ(earlier.exit_code, 0) << earlier.output;
  ASSERT_TRUE(std::filesystem::exists(out + "/result/stream.npub"));

  CommandResult result = Compile(out + "/infeasible.onnx", HardwarePath("tiny"), out + "/result");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_THAT(result.output, HasSubstr("big_fc"));
  EXPECT_THAT(result.output, HasSubstr("bytes"));
  EXPECT_TRUE(std::filesystem::exists(out + "/result/summary.json"));
  EXPECT_FALSE(std::filesystem::exists(out + "/result/stream.npub"));
  EXPECT_THAT(ReadFile(out + "/result/summary.json"), HasSubstr("infeasible"));
}

TEST(BadInputTest, ScheduleFileRoundTripAndInvalidSchedule) {
  // A written schedule compiles back to the same stream; a schedule whose order is not
  // topological is rejected with exit 2 naming the rule and the layer.
  const std::string out = FreshOutputDir("bad_schedule_file");
  const std::string model = SourceDir() + "/models/residual_small.onnx";
  CommandResult written = RunCommand(Binary("npuc") + " compile " + model + " --target " +
                                     HardwarePath("tiny") + " --soma --soma-schedule-out=" + out +
                                     "/schedule.json -o " + out + "/first");
  ASSERT_EQ(written.exit_code, 0) << written.output;
  CommandResult reread = RunCommand(Binary("npuc") + " compile " + model + " --target " +
                                    HardwarePath("tiny") + " --soma --soma-schedule-in=" + out +
                                    "/schedule.json -o " + out + "/second");
  ASSERT_EQ(reread.exit_code, 0) << reread.output;
  EXPECT_EQ(ReadFile(out + "/first/stream.npub"), ReadFile(out + "/second/stream.npub"));

  // Swap the first two layer names: "stem_conv" then comes after its consumer.
  std::string schedule = ReadFile(out + "/schedule.json");
  const size_t stem = schedule.find("\"stem_conv\"");
  const size_t conv1 = schedule.find("\"block1_conv1\"");
  ASSERT_NE(stem, std::string::npos);
  ASSERT_NE(conv1, std::string::npos);
  schedule.replace(conv1, std::string("\"block1_conv1\"").size(), "\"stem_conv\"");
  schedule.replace(stem, std::string("\"stem_conv\"").size(), "\"block1_conv1\"");
  WriteFile(out + "/swapped.json", schedule);
  CommandResult invalid = RunCommand(Binary("npuc") + " compile " + model + " --target " +
                                     HardwarePath("tiny") + " --soma --soma-schedule-in=" + out +
                                     "/swapped.json -o " + out + "/third");
  EXPECT_EQ(invalid.exit_code, 2) << invalid.output;
  EXPECT_THAT(invalid.output, HasSubstr("swapped.json: invalid schedule"));
  EXPECT_THAT(invalid.output, HasSubstr("block1_conv1"));
  EXPECT_TRUE(IsEmptyDir(out + "/third"));

  // A file without the "groups" key is rejected naming the file and the key.
  WriteFile(out + "/no_groups.json", "{\"format\": \"soma-schedule\", \"version\": 1}");
  CommandResult no_groups = RunCommand(Binary("npuc") + " compile " + model + " --target " +
                                       HardwarePath("tiny") + " --soma --soma-schedule-in=" +
                                       out + "/no_groups.json -o " + out + "/fourth");
  EXPECT_EQ(no_groups.exit_code, 2) << no_groups.output;
  EXPECT_THAT(no_groups.output, HasSubstr("no_groups.json: schedule file:"));
  EXPECT_THAT(no_groups.output, HasSubstr("is missing"));

  // A schedule file that does not exist is named with the reason. The folder of the earlier
  // compile keeps its stream, and the message reports that the files there are old.
  const auto compile_with = [&](const std::string& option, const std::string& folder) {
    return RunCommand(Binary("npuc") + " compile " + model + " --target " +
                      HardwarePath("tiny") + " --soma " + option + " -o " + out + "/" + folder);
  };
  const std::string earlier_stream = ReadFile(out + "/second/stream.npub");
  CommandResult absent = compile_with("--soma-schedule-in=" + out + "/absent.json", "second");
  EXPECT_EQ(absent.exit_code, 2) << absent.output;
  EXPECT_THAT(absent.output, HasSubstr("absent.json: cannot read the schedule file"));
  EXPECT_THAT(absent.output, HasSubstr("No such file"));
  EXPECT_THAT(absent.output, HasSubstr("are from an earlier run"));
  EXPECT_EQ(ReadFile(out + "/second/stream.npub"), earlier_stream);

  // A schedule output under a regular file fails before the search, naming the option.
  CommandResult unwritable =
      compile_with("--soma-schedule-out=" + out + "/swapped.json/s.json", "fifth");
  EXPECT_EQ(unwritable.exit_code, 2) << unwritable.output;
  EXPECT_THAT(unwritable.output, HasSubstr("option --soma-schedule-out"));
  EXPECT_THAT(unwritable.output, HasSubstr("is not a folder"));
  EXPECT_TRUE(IsEmptyDir(out + "/fifth"));
}

TEST(BadInputTest, MissingPluginAndAbiMismatch) {
  // A missing plugin and a plugin of another ABI version are clear errors, exit 2.
  const std::string out = FreshOutputDir("bad_plugin");
  const std::string model = SourceDir() + "/models/residual_small.onnx";
  CommandResult missing = RunCommand(Binary("npuc") + " compile " + model + " --target " +
                                     HardwarePath("tiny") + " --soma --plugin " + out +
                                     "/absent.so -o " + out + "/result");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("absent.so"));

  CommandResult mismatch = RunCommand(Binary("npuc") + " compile " + model + " --target " +
                                      HardwarePath("tiny") + " --soma --plugin " + BinaryDir() +
                                      "/lib/libsoma_fake_plugin_v999.so -o " + out + "/result");
  EXPECT_EQ(mismatch.exit_code, 2) << mismatch.output;
  EXPECT_THAT(mismatch.output, HasSubstr("ABI version 999"));
  EXPECT_TRUE(IsEmptyDir(out + "/result"));
}

}  // namespace
}  // namespace soma::testing
