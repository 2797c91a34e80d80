// graph_tables.h: the LayerGraph as the stream's tensor table, constant blob, layer table and
// network input and output lists. DecodeLayerGraph (stream_io.h) reads them back.
#ifndef SOMA_CODEGEN_GRAPH_TABLES_H_
#define SOMA_CODEGEN_GRAPH_TABLES_H_

#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// Appends the tensor table (without DRAM placement), the constant blob, the layer table and
/// the network inputs and outputs of `graph` to `command_stream`.
void EncodeGraphTables(const graph::LayerGraph& graph, const arch::ArchConfig& config,
                       stream::CommandStream* command_stream);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_GRAPH_TABLES_H_
