// shape_common.cc: message helpers for the shape, neural and control operator files.
#include "onnx_ops/shape_common.h"

#include "absl/strings/str_cat.h"

namespace soma::onnx_ops {

absl::Status InvalidNodeArgument(const OpCall& call, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(call.label, ": ", message));
}

}  // namespace soma::onnx_ops
