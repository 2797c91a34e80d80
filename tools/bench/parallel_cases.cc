// parallel_cases.cc: a shared atomic counter hands out task indices to worker threads.
#include "bench/parallel_cases.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace soma::bench {

void RunInParallel(int count, int jobs, const std::function<void(int)>& task) {
  const int thread_count = std::max(1, std::min(jobs, count));
  std::atomic<int> next_index{0};
  auto worker = [&] {
    for (int index = next_index++; index < count; index = next_index++) task(index);
  };
  if (thread_count == 1) {
    worker();
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(thread_count);
  for (int thread_index = 0; thread_index < thread_count; ++thread_index) {
    threads.emplace_back(worker);
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace soma::bench
