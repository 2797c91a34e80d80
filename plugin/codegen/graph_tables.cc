// graph_tables.cc: the LayerGraph as the stream's tables, and DecodeLayerGraph.
#include "codegen/graph_tables.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/layer_table.h"
#include "codegen/stream_io.h"
#include "codegen/tensor_table.h"
#include "soma/status_macros.h"

namespace soma::codegen {
namespace {

// Adds `layer_id` to the sorted, duplicate-free consumer list of `tensor`. Layers are visited
// in ascending id order, so appending keeps the list sorted.
void AddConsumer(graph::LayerId layer_id, graph::Tensor* tensor) {
  if (tensor->consumers.empty() || tensor->consumers.back() != layer_id) {
    tensor->consumers.push_back(layer_id);
  }
}

absl::Status LinkLayers(graph::LayerGraph* graph) {
  for (graph::LayerId id = 0; id < static_cast<graph::LayerId>(graph->layers.size()); ++id) {
    const graph::Layer& layer = graph->layers[id];
    graph::Tensor& output = graph->tensors[layer.output];
    if (output.producer) {
      return absl::InvalidArgumentError(
          absl::StrCat("command stream layer table: tensor ", layer.output, " '", output.name,
                       "' is the output of both layer ", *output.producer, " '",
                       graph->layers[*output.producer].name, "' and layer ", id, " '", layer.name,
                       "'; the stream is corrupt"));
    }
    output.producer = id;
    for (graph::TensorId input : layer.inputs) AddConsumer(id, &graph->tensors[input]);
    if (layer.weight) AddConsumer(id, &graph->tensors[*layer.weight]);
  }
  return absl::OkStatus();
}

// Reads one of the network input or output lists into `ids` and marks the tensors, checking
// each against its role in the tensor table.
absl::Status DecodeNetworkList(const google::protobuf::RepeatedField<uint32_t>& list,
                               const stream::CommandStream& command_stream, bool inputs,
                               graph::LayerGraph* graph) {
  const char* list_name = inputs ? "network_inputs" : "network_outputs";
  const stream::Tensor::Role expected_role =
      inputs ? stream::Tensor::ROLE_NETWORK_INPUT : stream::Tensor::ROLE_NETWORK_OUTPUT;
  for (uint32_t id : list) {
    if (id >= graph->tensors.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "command stream: ", list_name, " names tensor id ", id, ", not below the tensor count ",
          graph->tensors.size(), "; the stream is corrupt"));
    }
    const stream::Tensor& entry = command_stream.tensors(static_cast<int>(id));
    if (entry.role() != expected_role) {
      return absl::InvalidArgumentError(
          absl::StrCat("command stream: ", list_name, " names tensor ", id, " '", entry.name(),
                       "' whose role is ", stream::Tensor::Role_Name(entry.role()), ", expected ",
                       stream::Tensor::Role_Name(expected_role), "; the stream is corrupt"));
    }
    graph::Tensor& tensor = graph->tensors[id];
    (inputs ? tensor.is_graph_input : tensor.is_graph_output) = true;
    (inputs ? graph->inputs : graph->outputs).push_back(static_cast<graph::TensorId>(id));
  }
  // Every tensor with the role must be listed, or the graph would silently lose it.
  for (const stream::Tensor& entry : command_stream.tensors()) {
    if (entry.role() != expected_role) continue;
    const bool listed = std::find(list.begin(), list.end(), entry.id()) != list.end();
    if (!listed) {
      return absl::InvalidArgumentError(
          absl::StrCat("command stream: tensor ", entry.id(), " '", entry.name(), "' has role ",
                       stream::Tensor::Role_Name(expected_role), " but is missing from ", list_name,
                       "; the stream is corrupt"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void EncodeGraphTables(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                       stream::CommandStream* command_stream) {
  EncodeTensorTable(graph, config, command_stream);
  for (const graph::Layer& layer : graph.layers) *command_stream->add_layers() = EncodeLayer(layer);
  for (graph::TensorId id : graph.inputs)
    command_stream->add_network_inputs(static_cast<uint32_t>(id));
  for (graph::TensorId id : graph.outputs) {
    command_stream->add_network_outputs(static_cast<uint32_t>(id));
  }
}

absl::StatusOr<graph::LayerGraph> DecodeLayerGraph(const stream::CommandStream& command_stream) {
  graph::LayerGraph graph;
  graph.model_name = command_stream.header().model_name();
  ASSIGN_OR_RETURN(graph.tensors, DecodeTensorTable(command_stream));

  const int tensor_count = static_cast<int>(graph.tensors.size());
  graph.layers.reserve(command_stream.layers_size());
  for (int index = 0; index < command_stream.layers_size(); ++index) {
    ASSIGN_OR_RETURN(graph::Layer layer,
                     DecodeLayer(command_stream.layers(index), index, tensor_count));
    graph.layers.push_back(std::move(layer));
  }
  RETURN_IF_ERROR(LinkLayers(&graph));
  RETURN_IF_ERROR(DecodeNetworkList(command_stream.network_inputs(), command_stream,
                                    /*inputs=*/true, &graph));
  RETURN_IF_ERROR(DecodeNetworkList(command_stream.network_outputs(), command_stream,
                                    /*inputs=*/false, &graph));

  if (absl::Status status = graph.Verify(); !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("command stream: the decoded LayerGraph is invalid: ", status.message()));
  }
  return graph;
}

}  // namespace soma::codegen
