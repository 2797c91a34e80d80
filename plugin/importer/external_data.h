// external_data.h: reads a TensorProto's external data file, confined to the model's folder.
#ifndef SOMA_IMPORTER_EXTERNAL_DATA_H_
#define SOMA_IMPORTER_EXTERNAL_DATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "importer/constant_tensor.h"
#include "onnx/onnx_pb.h"

namespace soma::importer {

/// Returns the bytes that `proto`'s external_data entries (location, offset, length) point
/// at. The location must be a relative path that stays inside `policy.model_folder` after
/// symbolic links are resolved. InvalidArgument names the tensor and the location.
absl::StatusOr<std::string> ReadExternalData(const onnx::TensorProto& proto,
                                             const ExternalDataPolicy& policy);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_EXTERNAL_DATA_H_
