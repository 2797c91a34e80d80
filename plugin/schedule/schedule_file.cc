// schedule_file.cc: writing, parsing and compiling schedule files.
#include "schedule/schedule_file.h"

#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "schedule/cost_functions.h"
#include "schedule/program_builder.h"
#include "schedule/tiling_model.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

using Json = nlohmann::ordered_json;

constexpr char kFormat[] = "soma-schedule";
constexpr int kVersion = 1;

absl::Status FileError(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat("schedule file: ", message));
}

std::string Quoted(const std::string& text) { return Json(text).dump(); }

// Field readers that name the field's path on a missing value or a wrong type.
std::string FieldName(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

absl::StatusOr<const Json*> Field(const Json& object, const char* key, const std::string& path,
                                  bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) return FileError(absl::StrCat("'", FieldName(path, key), "' is missing"));
    return nullptr;
  }
  return &*it;
}

absl::StatusOr<int64_t> IntField(const Json& object, const char* key, const std::string& path,
                                 std::optional<int64_t> fallback) {
  ASSIGN_OR_RETURN(const Json* value, Field(object, key, path, !fallback.has_value()));
  if (value == nullptr) return *fallback;
  if (!value->is_number_integer()) {
    return FileError(
        absl::StrCat("'", FieldName(path, key), "' must be an integer, found ", value->dump()));
  }
  return value->get<int64_t>();
}

absl::StatusOr<int> SmallIntField(const Json& object, const char* key, const std::string& path,
                                  std::optional<int64_t> fallback, int64_t min) {
  ASSIGN_OR_RETURN(const int64_t value, IntField(object, key, path, fallback));
  if (value < min || value > (int64_t{1} << 30)) {
    return FileError(absl::StrCat("'", FieldName(path, key), "' is ", value, ", expected ", min,
                                  " to ", int64_t{1} << 30));
  }
  return static_cast<int>(value);
}

absl::StatusOr<std::string> StringField(const Json& object, const char* key,
                                        const std::string& path,
                                        std::optional<std::string> fallback) {
  ASSIGN_OR_RETURN(const Json* value, Field(object, key, path, !fallback.has_value()));
  if (value == nullptr) return *fallback;
  if (!value->is_string()) {
    return FileError(
        absl::StrCat("'", FieldName(path, key), "' must be a string, found ", value->dump()));
  }
  return value->get<std::string>();
}

absl::StatusOr<const Json*> ArrayField(const Json& object, const char* key,
                                       const std::string& path) {
  ASSIGN_OR_RETURN(const Json* value, Field(object, key, path, true));
  if (!value->is_array()) {
    return FileError(absl::StrCat("'", FieldName(path, key), "' must be an array"));
  }
  return value;
}

absl::StatusOr<TransferKind> KindOf(const std::string& name, const std::string& path) {
  for (TransferKind kind :
       {TransferKind::kLoadInput, TransferKind::kLoadWeight, TransferKind::kStoreOutput}) {
    if (name == TransferKindName(kind)) return kind;
  }
  return FileError(absl::StrCat("'", path, ".kind' is ", Quoted(name),
                                ", expected \"load_input\", \"load_weight\" or \"store_output\""));
}

absl::StatusOr<ScheduleFileSubgroup> ReadSubgroup(const Json& json, const std::string& path) {
  if (!json.is_object()) return FileError(absl::StrCat("'", path, "' must be an object"));
  ScheduleFileSubgroup subgroup;
  ASSIGN_OR_RETURN(const Json* layers, ArrayField(json, "layers", path));
  if (layers->empty()) return FileError(absl::StrCat("'", path, ".layers' is empty"));
  for (size_t index = 0; index < layers->size(); ++index) {
    if (!(*layers)[index].is_string()) {
      return FileError(absl::StrCat("'", path, ".layers[", index, "]' must be a layer name"));
    }
    subgroup.layers.push_back((*layers)[index].get<std::string>());
  }
  ASSIGN_OR_RETURN(subgroup.tiles, SmallIntField(json, "tiles", path, std::nullopt, 1));
  ASSIGN_OR_RETURN(subgroup.channel_splits, SmallIntField(json, "channel_splits", path, 1, 1));
  ASSIGN_OR_RETURN(subgroup.reduction_splits, SmallIntField(json, "reduction_splits", path, 1, 1));
  return subgroup;
}

absl::StatusOr<ScheduleFileTransfer> ReadTransfer(const Json& json, const std::string& path) {
  if (!json.is_object()) return FileError(absl::StrCat("'", path, "' must be an object"));
  ScheduleFileTransfer transfer;
  ASSIGN_OR_RETURN(const std::string kind, StringField(json, "kind", path, std::nullopt));
  ASSIGN_OR_RETURN(transfer.kind, KindOf(kind, path));
  ASSIGN_OR_RETURN(transfer.layer, StringField(json, "layer", path, std::nullopt));
  ASSIGN_OR_RETURN(transfer.tile, SmallIntField(json, "tile", path, 0, 0));
  ASSIGN_OR_RETURN(transfer.input, SmallIntField(json, "input", path, 0, 0));
  ASSIGN_OR_RETURN(transfer.chunk, SmallIntField(json, "chunk", path, 0, 0));
  ASSIGN_OR_RETURN(transfer.queue, SmallIntField(json, "queue", path, 0, 0));
  ASSIGN_OR_RETURN(const Json* lifetime, ArrayField(json, "lifetime", path));
  if (lifetime->size() != 2 || !(*lifetime)[0].is_number_integer() ||
      !(*lifetime)[1].is_number_integer()) {
    return FileError(
        absl::StrCat("'", path, ".lifetime' must be [start, end], found ", lifetime->dump()));
  }
  const int64_t start = (*lifetime)[0].get<int64_t>();
  const int64_t end = (*lifetime)[1].get<int64_t>();
  if (start < -1 || end > (int64_t{1} << 30) || start > end) {
    return FileError(absl::StrCat("'", path, ".lifetime' is ", lifetime->dump(),
                                  ", expected -1 <= start <= end"));
  }
  transfer.lifetime = {static_cast<int>(start), static_cast<int>(end)};
  return transfer;
}

std::string DescribeEntry(const ScheduleFileTransfer& transfer, int index) {
  std::string text = absl::StrCat("dma_order[", index, "] (", TransferKindName(transfer.kind),
                                  " of layer ", Quoted(transfer.layer), " tile ", transfer.tile);
  if (transfer.kind == TransferKind::kLoadInput) absl::StrAppend(&text, " input ", transfer.input);
  if (transfer.chunk > 0) absl::StrAppend(&text, " chunk ", transfer.chunk);
  return text + ")";
}

// The FusionPlan of the file's groups, with layer names resolved.
absl::StatusOr<FusionPlan> ResolvePlan(const graph::LayerGraph& graph, const ScheduleFile& file,
                                       const absl::flat_hash_map<std::string, int>& layer_ids) {
  FusionPlan plan;
  std::vector<int> listed_at(graph.layers.size(), -1);
  if (file.groups.empty()) return FileError("'groups' is empty; every layer must be in a group");
  for (size_t group = 0; group < file.groups.size(); ++group) {
    if (file.groups[group].empty()) {
      return FileError(absl::StrCat("'groups[", group, "]' has no sub-groups"));
    }
    for (size_t subgroup = 0; subgroup < file.groups[group].size(); ++subgroup) {
      const ScheduleFileSubgroup& spec = file.groups[group][subgroup];
      const std::string where = absl::StrCat("groups[", group, "][", subgroup, "]");
      for (size_t index = 0; index < spec.layers.size(); ++index) {
        const std::string& name = spec.layers[index];
        const auto it = layer_ids.find(name);
        if (it == layer_ids.end()) {
          return FileError(absl::StrCat(where, " names layer ", Quoted(name),
                                        ", which the model does not have"));
        }
        if (it->second < 0) {
          return FileError(absl::StrCat(where, " names layer ", Quoted(name),
                                        ", a name that several layers of the model share"));
        }
        if (listed_at[it->second] >= 0) {
          return FileError(absl::StrCat(where, " lists layer ", Quoted(name),
                                        " again; every layer must be in one sub-group"));
        }
        listed_at[it->second] = static_cast<int>(plan.order.size());
        plan.group_starts.push_back(subgroup == 0 && index == 0);
        plan.subgroup_starts.push_back(subgroup > 0 && index == 0);
        plan.order.push_back(it->second);
      }
      plan.tile_counts.push_back(spec.tiles);
      plan.channel_splits.push_back(spec.channel_splits);
      plan.reduction_splits.push_back(spec.reduction_splits);
    }
  }
  for (size_t layer = 0; layer < graph.layers.size(); ++layer) {
    if (listed_at[layer] < 0) {
      return FileError(absl::StrCat("'groups' omit layer ", Quoted(graph.layers[layer].name),
                                    "; every layer must be in one sub-group"));
    }
  }
  return plan;
}

}  // namespace

std::string WriteScheduleJson(const graph::LayerGraph& graph, const Program& program) {
  const Schedule& schedule = program.schedule;
  const FusionPlan& plan = schedule.fusion;
  std::string text = "{\n";
  absl::StrAppend(&text, "  \"format\": ", Quoted(kFormat), ",\n  \"version\": ", kVersion,
                  ",\n  \"model\": ", Quoted(graph.model_name),
                  ",\n  \"strategy\": ", Quoted(schedule.strategy),
                  ",\n  \"dma_chunk_bytes\": ", schedule.dma_chunk_bytes, ",\n  \"groups\": [");

  // Step 1: LGs, one line each.
  int subgroup = -1;
  Json group = Json::array();
  Json current;
  const auto flush_subgroup = [&] {
    if (subgroup >= 0) group.push_back(current);
  };
  bool first_group = true;
  const auto flush_group = [&] {
    if (group.empty()) return;
    absl::StrAppend(&text, first_group ? "\n    " : ",\n    ", group.dump());
    first_group = false;
    group = Json::array();
  };
  for (size_t index = 0; index < plan.order.size(); ++index) {
    if (plan.group_starts[index] || plan.subgroup_starts[index]) {
      flush_subgroup();
      if (plan.group_starts[index]) flush_group();
      ++subgroup;
      current = Json::object();
      current["layers"] = Json::array();
      current["tiles"] = plan.tile_counts[subgroup];
      current["channel_splits"] = plan.channel_splits.empty() ? 1 : plan.channel_splits[subgroup];
      current["reduction_splits"] =
          plan.reduction_splits.empty() ? 1 : plan.reduction_splits[subgroup];
    }
    current["layers"].push_back(graph.layer(plan.order[index]).name);
  }
  flush_subgroup();
  flush_group();
  absl::StrAppend(&text, "\n  ],\n  \"dma_order\": [");

  // Step 2: transfers in DMA order, one line each.
  for (size_t index = 0; index < schedule.dram.order.size(); ++index) {
    const int transfer = schedule.dram.order[index];
    const TransferKey& key = program.transfers[transfer].key;
    Json entry = Json::object();
    entry["kind"] = TransferKindName(key.kind);
    entry["layer"] = graph.layer(key.layer).name;
    entry["tile"] = key.tile;
    if (key.kind == TransferKind::kLoadInput) entry["input"] = key.input_index;
    if (key.kind == TransferKind::kLoadWeight) entry["chunk"] = key.chunk;
    entry["queue"] = schedule.dram.queue_of[transfer];
    const Lifetime& lifetime = schedule.dram.lifetimes[transfer];
    entry["lifetime"] = Json::array({lifetime.start, lifetime.end});
    absl::StrAppend(&text, index == 0 ? "\n    " : ",\n    ", entry.dump());
  }
  absl::StrAppend(&text, "\n  ]\n}\n");
  return text;
}

absl::StatusOr<ScheduleFile> ReadScheduleJson(std::string_view text) {
  // nlohmann_json reports syntax errors by exception; they stop here.
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& error) {
    return FileError(absl::StrCat("not valid JSON: ", error.what()));
  }
  if (!root.is_object()) return FileError("the top level must be an object");

  // Step 1: format and version, then the scalar fields.
  ASSIGN_OR_RETURN(const std::string format, StringField(root, "format", "", std::nullopt));
  ASSIGN_OR_RETURN(const int64_t version, IntField(root, "version", "", std::nullopt));
  if (format != kFormat || version != kVersion) {
    return FileError(absl::StrCat("format ", Quoted(format), " version ", version,
                                  " is not supported; expected ", Quoted(kFormat), " version ",
                                  kVersion));
  }

  ScheduleFile file;
  ASSIGN_OR_RETURN(file.model, StringField(root, "model", "", std::string()));
  ASSIGN_OR_RETURN(file.strategy, StringField(root, "strategy", "", std::string("file")));
  ASSIGN_OR_RETURN(file.dma_chunk_bytes, IntField(root, "dma_chunk_bytes", "", 0));
  if (file.dma_chunk_bytes < 0) return FileError("'dma_chunk_bytes' must not be negative");

  // Step 2: the LGs and their SLGs.
  ASSIGN_OR_RETURN(const Json* groups, ArrayField(root, "groups", ""));
  for (size_t group = 0; group < groups->size(); ++group) {
    const Json& subgroups = (*groups)[group];
    const std::string path = absl::StrCat("groups[", group, "]");
    if (!subgroups.is_array()) return FileError(absl::StrCat("'", path, "' must be an array"));
    file.groups.emplace_back();
    for (size_t subgroup = 0; subgroup < subgroups.size(); ++subgroup) {
      ASSIGN_OR_RETURN(ScheduleFileSubgroup spec,
                       ReadSubgroup(subgroups[subgroup], absl::StrCat(path, "[", subgroup, "]")));
      file.groups.back().push_back(std::move(spec));
    }
  }

  // Step 3: the transfers in DMA order.
  ASSIGN_OR_RETURN(const Json* order, ArrayField(root, "dma_order", ""));
  for (size_t index = 0; index < order->size(); ++index) {
    ASSIGN_OR_RETURN(ScheduleFileTransfer transfer,
                     ReadTransfer((*order)[index], absl::StrCat("dma_order[", index, "]")));
    file.dma_order.push_back(std::move(transfer));
  }
  return file;
}

absl::StatusOr<Program> BuildProgramFromSchedule(const graph::LayerGraph& graph,
                                                 const arch::CostModel& cost_model,
                                                 const ScheduleFile& file) {
  // Step 1: layer names to ids (-1 marks a name several layers share).
  absl::flat_hash_map<std::string, int> layer_ids;
  for (size_t layer = 0; layer < graph.layers.size(); ++layer) {
    const auto [it, inserted] = layer_ids.try_emplace(graph.layers[layer].name, layer);
    if (!inserted) it->second = -1;
  }
  ASSIGN_OR_RETURN(const FusionPlan plan, ResolvePlan(graph, file, layer_ids));

  // Step 2: the tiling model; its errors name the broken structural rule.
  const CostFunctions costs = CostFunctionsFromModel(graph, cost_model);
  TilingOptions options;
  options.dma_chunk_bytes = file.dma_chunk_bytes;
  absl::StatusOr<TilingModel> model = TilingModel::Build(graph, plan, costs, nullptr, options);
  if (!model.ok()) return FileError(std::string(model.status().message()));

  // Step 3: the DMA order, which must list every transfer of the model exactly once.
  using KeyTuple = std::tuple<int, int, int, int, int>;
  absl::flat_hash_map<KeyTuple, int> transfer_ids;
  for (int transfer = 0; transfer < model->transfer_count(); ++transfer) {
    const TransferKey& key = model->transfers()[transfer].key;
    transfer_ids[{static_cast<int>(key.kind), key.layer, key.tile, key.input_index, key.chunk}] =
        transfer;
  }
  DramPlan dram;
  dram.queue_of.assign(model->transfer_count(), 0);
  dram.lifetimes.assign(model->transfer_count(), Lifetime{});
  std::vector<bool> listed(model->transfer_count(), false);
  for (int index = 0; index < static_cast<int>(file.dma_order.size()); ++index) {
    const ScheduleFileTransfer& entry = file.dma_order[index];
    const auto layer = layer_ids.find(entry.layer);
    const int input = entry.kind == TransferKind::kLoadInput ? entry.input : 0;
    const auto it = layer == layer_ids.end()
                        ? transfer_ids.end()
                        : transfer_ids.find({static_cast<int>(entry.kind), layer->second,
                                             entry.tile, input, entry.chunk});
    if (it == transfer_ids.end()) {
      return FileError(
          absl::StrCat(DescribeEntry(entry, index), " is not a DRAM transfer of this fusion plan"));
    }
    if (listed[it->second]) {
      return FileError(absl::StrCat(DescribeEntry(entry, index),
                                    " is listed again; every transfer appears once"));
    }
    listed[it->second] = true;
    dram.order.push_back(it->second);
    dram.queue_of[it->second] = entry.queue;
    dram.lifetimes[it->second] = entry.lifetime;
  }
  for (int transfer = 0; transfer < model->transfer_count(); ++transfer) {
    if (!listed[transfer]) {
      return FileError(absl::StrCat("'dma_order' leaves out the ",
                                    model->DescribeTransfer(transfer),
                                    "; every transfer of the fusion plan appears once"));
    }
  }

  // Step 4: evaluate; a broken rule comes back named.
  absl::StatusOr<Program> program =
      BuildProgram(*model, dram, cost_model.config().buffer_bytes,
                   file.strategy.empty() ? std::string("file") : file.strategy);
  if (!program.ok()) return FileError(std::string(program.status().message()));
  return program;
}

}  // namespace soma::schedule
