// parallel.h: splits a kernel's output channels over worker threads.
//
// Internal to soma_kernels. Each worker computes whole output elements, so the result does
// not depend on how many workers there are.
#ifndef SOMA_KERNELS_PARALLEL_H_
#define SOMA_KERNELS_PARALLEL_H_

#include <cstdint>

#include "absl/functional/function_ref.h"

namespace soma::kernels {

/// Returns `requested` when positive, else std::thread::hardware_concurrency() (at least 1).
int ResolveThreadCount(int requested);

/// Splits [0, count) into at most `thread_count` contiguous ranges of near-equal size and
/// runs `body(begin, end)` once per range: the first on the calling thread, the others on new
/// threads, and returns when all are done. Work below `kMinParallelWork` runs on the calling
/// thread alone, because starting a thread costs tens of microseconds. When a thread cannot
/// be started its range runs on the calling thread.
void ParallelFor(int64_t count, int thread_count, int64_t total_work,
                 absl::FunctionRef<void(int64_t, int64_t)> body);

/// Work units (multiply-accumulates or element operations) below which ParallelFor does
/// not start threads.
inline constexpr int64_t kMinParallelWork = int64_t{1} << 20;

}  // namespace soma::kernels

#endif  // SOMA_KERNELS_PARALLEL_H_
