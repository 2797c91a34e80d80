// pass_jobs.h: runs the soma search's passes on a pool of threads, each with its share of
// a time limit.
#ifndef SOMA_SCHEDULE_SEARCH_PASS_JOBS_H_
#define SOMA_SCHEDULE_SEARCH_PASS_JOBS_H_

#include <algorithm>
#include <atomic>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

#include "schedule/search/search_budget.h"

namespace soma::schedule {

// Returns the deadline of a job that starts its timed work now: its share of `deadline`,
// threads / (sharing jobs not yet started + 1), since the jobs left split the threads'
// time.
using ShareOfTime = std::function<Deadline()>;

// Runs `job(index, share_of_time)` for every index of `jobs`, in order, on up to `threads`
// threads, the calling thread included. When the system refuses a thread, fewer run. The
// last `leftover_jobs` jobs do not count in the others' shares: they get the time the
// others leave.
template <typename Job>
void RunJobs(const std::vector<int>& jobs, int leftover_jobs, int threads,
             const Deadline& deadline, const Job& job) {
  const int count = static_cast<int>(jobs.size());
  const int sharing = count - leftover_jobs;
  std::atomic<int> next{0};
  const ShareOfTime share_of_time = [&] {
    const int not_started = std::max(0, sharing - next.load());
    return deadline.Fraction(std::min(1.0, static_cast<double>(threads) / (not_started + 1)));
  };
  const auto worker = [&] {
    while (true) {
      const int index = next.fetch_add(1);
      if (index >= count) return;
      job(jobs[index], share_of_time);
    }
  };
  std::vector<std::thread> pool;
  for (int thread = 1; thread < std::min(threads, count); ++thread) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_SEARCH_PASS_JOBS_H_
