// exit_codes.h: the one mapping from absl status codes to the project's exit codes.
#ifndef SOMA_DRIVER_EXIT_CODES_H_
#define SOMA_DRIVER_EXIT_CODES_H_

#include "absl/status/status.h"

namespace soma::driver {

/// 0 success; 2 invalid input or unsupported model (InvalidArgument, Unimplemented,
/// NotFound, FailedPrecondition, OutOfRange); 3 no feasible schedule (ResourceExhausted);
/// 4 replay mismatch (DataLoss); 5 internal error (everything else).
int ExitCodeFor(const absl::Status& status);

}  // namespace soma::driver

#endif  // SOMA_DRIVER_EXIT_CODES_H_
