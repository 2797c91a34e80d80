// test_data.cc: network inputs and expected outputs for the functional level.
#include "replay/test_data.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/tensor_proto_io.h"
#include "kernels/reference_executor.h"
#include "replay/tensor_layout.h"
#include "soma/status_macros.h"

namespace soma::replay {

namespace {

/// Returns the tensor ids listed in `ids` (network inputs or outputs).
std::vector<int> TensorIds(const google::protobuf::RepeatedField<uint32_t>& ids) {
  return std::vector<int>(ids.begin(), ids.end());
}

std::string ListNames(const stream::CommandStream& command_stream, const std::vector<int>& ids) {
  std::vector<std::string> names;
  for (int id : ids) names.push_back(absl::StrCat("\"", command_stream.tensors(id).name(), "\""));
  return names.empty() ? std::string("none") : absl::StrJoin(names, ", ");
}

/// Checks that `tensor` from `path` has the element count of stream tensor `tensor_id`.
absl::Status CheckElementCount(const stream::CommandStream& command_stream, int tensor_id,
                               const importer::NamedTensor& tensor, const std::string& path) {
  const stream::Tensor& target = command_stream.tensors(tensor_id);
  const int64_t expected = graph::ElementCount(TensorShape(target));
  if (static_cast<int64_t>(tensor.values.size()) == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      path, " holds ", tensor.values.size(), " values (dims [", absl::StrJoin(tensor.dims, ", "),
      "]), but tensor \"", target.name(), "\" has ", expected, " elements (ONNX dims [",
      absl::StrJoin(target.onnx_dims(), ", "), "])"));
}

/// Binds `tensor`, read from file K of a backend-test folder, to one of `ids`: by name when
/// the TensorProto's name matches, else by position K.
absl::StatusOr<int> BindByNameOrPosition(const stream::CommandStream& command_stream,
                                         const std::vector<int>& ids, const std::string& kind,
                                         int position, const importer::NamedTensor& tensor,
                                         const std::string& path) {
  if (!tensor.name.empty()) {
    for (int id : ids) {
      if (command_stream.tensors(id).name() == tensor.name) return id;
    }
  }
  if (position < static_cast<int>(ids.size())) return ids[position];
  return absl::InvalidArgumentError(absl::StrCat(
      path, " (name \"", tensor.name, "\") matches no network ", kind, " by name or by position; "
      "the network ", kind, "s are ", ListNames(command_stream, ids)));
}

/// Files named `prefix`K`.pb` in `dir`, sorted by K.
absl::StatusOr<std::vector<std::pair<int, std::string>>> NumberedFiles(const std::string& dir,
                                                                       const std::string& prefix) {
  std::vector<std::pair<int, std::string>> files;
  std::error_code error;
  std::filesystem::directory_iterator iterator(dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot list test-data folder ", dir, ": ", error.message()));
  }
  for (const std::filesystem::directory_entry& entry : iterator) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + 3 || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - 3, 3, ".pb") != 0) {
      continue;
    }
    int index = 0;
    if (!absl::SimpleAtoi(name.substr(prefix.size(), name.size() - prefix.size() - 3), &index) ||
        index < 0) {
      continue;
    }
    files.emplace_back(index, entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Reads the `prefix`K.pb files of `dir` and binds each to one of `ids`.
absl::StatusOr<std::map<int, std::vector<float>>> ReadBoundFiles(
    const stream::CommandStream& command_stream, const std::string& dir, const std::string& prefix,
    const std::vector<int>& ids, const std::string& kind) {
  ASSIGN_OR_RETURN(const auto files, NumberedFiles(dir, prefix));
  std::map<int, std::vector<float>> bound;
  std::map<int, std::string> bound_from;
  for (const auto& [position, path] : files) {
    ASSIGN_OR_RETURN(importer::NamedTensor tensor, importer::ReadTensorProtoFile(path));
    if (tensor.values.empty() && !tensor.name.empty() &&
        std::none_of(ids.begin(), ids.end(), [&](int id) {
          return command_stream.tensors(id).name() == tensor.name;
        })) {
      continue;  // an input without elements, which the compiler made a constant
    }
    ASSIGN_OR_RETURN(const int id,
                     BindByNameOrPosition(command_stream, ids, kind, position, tensor, path));
    if (bound_from.count(id) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " binds network ", kind, " \"", command_stream.tensors(id).name(), "\", which ",
          bound_from[id], " already binds"));
    }
    RETURN_IF_ERROR(CheckElementCount(command_stream, id, tensor, path));
    bound_from[id] = path;
    bound[id] = std::move(tensor.values);
  }
  return bound;
}

}  // namespace

absl::StatusOr<ReferenceData> ReadTestDataDir(const stream::CommandStream& command_stream,
                                              const std::string& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat("test-data folder ", dir, " does not exist "
                                            "(flag --test-data)"));
  }
  const std::vector<int> inputs = TensorIds(command_stream.network_inputs());
  const std::vector<int> outputs = TensorIds(command_stream.network_outputs());
  ReferenceData data;
  data.source = absl::StrCat("test data ", dir);
  ASSIGN_OR_RETURN(data.inputs, ReadBoundFiles(command_stream, dir, "input_", inputs, "input"));
  for (int id : inputs) {
    if (data.inputs.count(id) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "test-data folder ", dir, " has no values for network input \"",
          command_stream.tensors(id).name(), "\"; expected an input_K.pb file with its name or "
          "at its position"));
    }
  }
  ASSIGN_OR_RETURN(data.expected_outputs,
                   ReadBoundFiles(command_stream, dir, "output_", outputs, "output"));
  if (data.expected_outputs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("test-data folder ", dir, " has no output_K.pb files"));
  }
  return data;
}

absl::StatusOr<ReferenceData> ReadTensorFiles(const stream::CommandStream& command_stream,
                                              const std::vector<InputFile>& input_files,
                                              const std::vector<std::string>& expect_files) {
  const std::vector<int> inputs = TensorIds(command_stream.network_inputs());
  const std::vector<int> outputs = TensorIds(command_stream.network_outputs());
  ReferenceData data;
  data.source = "tensor files";
  for (const InputFile& file : input_files) {
    const auto match = std::find_if(inputs.begin(), inputs.end(), [&](int id) {
      return command_stream.tensors(id).name() == file.input_name;
    });
    if (match == inputs.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flag --input names \"", file.input_name, "\", which is not a network input; the "
          "network inputs are ", ListNames(command_stream, inputs)));
    }
    if (data.inputs.count(*match) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flag --input gives network input \"", file.input_name, "\" twice"));
    }
    ASSIGN_OR_RETURN(importer::NamedTensor tensor, importer::ReadTensorProtoFile(file.path));
    RETURN_IF_ERROR(CheckElementCount(command_stream, *match, tensor, file.path));
    data.inputs[*match] = std::move(tensor.values);
  }
  if (expect_files.size() > outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "flag --expect is given ", expect_files.size(), " times, but the stream has ",
        outputs.size(), " network outputs: ", ListNames(command_stream, outputs)));
  }
  for (size_t k = 0; k < expect_files.size(); ++k) {
    ASSIGN_OR_RETURN(importer::NamedTensor tensor, importer::ReadTensorProtoFile(expect_files[k]));
    RETURN_IF_ERROR(CheckElementCount(command_stream, outputs[k], tensor, expect_files[k]));
    data.expected_outputs[outputs[k]] = std::move(tensor.values);
  }
  return data;
}

std::vector<float> RandomValues(uint64_t seed, int64_t count) {
  std::mt19937_64 engine(seed);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& value : values) {
    // The top 24 bits give a float in [0, 1) exactly.
    const double unit = static_cast<double>(engine() >> 40) / 16777216.0;
    value = static_cast<float>(2.0 * unit - 1.0);
  }
  return values;
}

absl::StatusOr<ReferenceData> PrepareReferenceData(const stream::CommandStream& command_stream,
                                                   const graph::LayerGraph& graph,
                                                   const FunctionalOptions& options) {
  ReferenceData data;
  if (options.test_data_dir.has_value()) {
    ASSIGN_OR_RETURN(data, ReadTestDataDir(command_stream, *options.test_data_dir));
  } else {
    ASSIGN_OR_RETURN(data, ReadTensorFiles(command_stream, options.input_files, options.expect_files));
    if (!options.expect_files.empty() &&
        data.inputs.size() != static_cast<size_t>(command_stream.network_inputs_size())) {
      return absl::InvalidArgumentError(
          "flag --expect needs a --input file for every network input; the network inputs are " +
          ListNames(command_stream, TensorIds(command_stream.network_inputs())));
    }
  }

  const size_t given_inputs = data.inputs.size();
  for (int position = 0; position < command_stream.network_inputs_size(); ++position) {
    const int id = static_cast<int>(command_stream.network_inputs(position));
    if (data.inputs.count(id) > 0) continue;
    data.inputs[id] = RandomValues(options.seed + static_cast<uint64_t>(position),
                                   graph::ElementCount(TensorShape(command_stream.tensors(id))));
  }
  if (data.inputs.size() != given_inputs) {
    const std::string random = absl::StrCat("random inputs (seed ", options.seed, ")");
    data.source = given_inputs == 0 ? random : absl::StrCat(data.source, " and ", random);
  }

  bool any_reference = false;
  for (uint32_t output : command_stream.network_outputs()) {
    if (data.expected_outputs.count(static_cast<int>(output)) == 0) any_reference = true;
  }
  if (any_reference) {
    std::map<graph::TensorId, kernels::TensorValues> inputs(data.inputs.begin(), data.inputs.end());
    ASSIGN_OR_RETURN(auto reference, kernels::ExecuteReference(graph, inputs));
    for (uint32_t output : command_stream.network_outputs()) {
      const int id = static_cast<int>(output);
      if (data.expected_outputs.count(id) > 0) continue;
      auto values = reference.find(id);
      if (values == reference.end()) {
        return absl::InternalError(absl::StrCat("the reference executor returned no values for "
                                                "network output \"",
                                                command_stream.tensors(id).name(), "\""));
      }
      data.expected_outputs[id] = std::move(values->second);
    }
    absl::StrAppend(&data.source, ", expected outputs from the reference executor");
  }
  return data;
}

}  // namespace soma::replay
