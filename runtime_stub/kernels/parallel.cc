// parallel.cc: contiguous range splitting over std::thread workers.
#include "kernels/parallel.h"

#include <algorithm>
#include <system_error>
#include <thread>
#include <vector>

namespace soma::kernels {

int ResolveThreadCount(int requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}

void ParallelFor(int64_t count, int thread_count, int64_t total_work,
                 absl::FunctionRef<void(int64_t, int64_t)> body) {
  if (count <= 0) return;
  int64_t workers = std::min<int64_t>(std::max(thread_count, 1), count);
  if (total_work < kMinParallelWork) workers = 1;
  if (workers == 1) {
    body(0, count);
    return;
  }

  // Range w is [w * count / workers, (w + 1) * count / workers).
  auto range_begin = [&](int64_t worker) { return worker * count / workers; };
  std::vector<std::thread> threads;
  std::vector<int64_t> inline_workers;
  for (int64_t worker = 1; worker < workers; ++worker) {
    const int64_t begin = range_begin(worker);
    const int64_t end = range_begin(worker + 1);
    try {
      threads.emplace_back([&body, begin, end] { body(begin, end); });
    } catch (const std::system_error&) {
      // The system refused a thread (resource limits): the calling thread takes the range.
      inline_workers.push_back(worker);
    }
  }
  body(range_begin(0), range_begin(1));
  for (int64_t worker : inline_workers) body(range_begin(worker), range_begin(worker + 1));
  for (std::thread& thread : threads) thread.join();
}

}  // namespace soma::kernels
