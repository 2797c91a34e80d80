// layer_table.h: LayerGraph layers as the stream's Layer messages, and back.
#ifndef SOMA_CODEGEN_LAYER_TABLE_H_
#define SOMA_CODEGEN_LAYER_TABLE_H_

#include "absl/status/statusor.h"
#include "graph/layer.h"
#include "soma/command_stream.pb.h"

namespace soma::codegen {

/// The Layer message of `layer`: name, parameters (the oneof selects the kind), tensor ids,
/// epilogue vectors, activations and ONNX origins.
stream::Layer EncodeLayer(const graph::Layer& layer);

/// Decodes entry `layer_index` of the layer table. InvalidArgument, naming the layer, when
/// no parameters are set or a tensor id is not below `tensor_count`.
absl::StatusOr<graph::Layer> DecodeLayer(const stream::Layer& entry, int layer_index,
                                         int tensor_count);

}  // namespace soma::codegen

#endif  // SOMA_CODEGEN_LAYER_TABLE_H_
