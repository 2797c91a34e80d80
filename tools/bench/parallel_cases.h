// parallel_cases.h: runs independent tasks on a fixed number of threads.
#ifndef SOMA_TOOLS_BENCH_PARALLEL_CASES_H_
#define SOMA_TOOLS_BENCH_PARALLEL_CASES_H_

#include <functional>

namespace soma::bench {

/// Calls `task(index)` once for every index in [0, count) on min(jobs, count) threads
/// (the calling thread when that is 1). Threads take indices in ascending order; `task`
/// stores its result by index, so the order of completion never shows.
/// Requires: `task` is safe to call from several threads at once.
void RunInParallel(int count, int jobs, const std::function<void(int)>& task);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_PARALLEL_CASES_H_
