// exit_codes.cc: status code to exit code.
#include "driver/exit_codes.h"

#include "soma/plugin_api.h"

namespace soma::driver {

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return SOMA_OK;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return SOMA_INVALID_INPUT;
    case absl::StatusCode::kResourceExhausted:
      return SOMA_INFEASIBLE;
    case absl::StatusCode::kDataLoss:
      return SOMA_REPLAY_MISMATCH;
    default:
      return SOMA_INTERNAL_ERROR;
  }
}

}  // namespace soma::driver
