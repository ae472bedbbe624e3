#include "ferry/exec/parallel.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry {

Status ParallelFor(int64_t count, int max_threads, const std::function<Status(int64_t)>& body) {
  if (max_threads <= 0) max_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t threads = std::min<int64_t>(count, max_threads);
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  Status first;
  auto work = [&]() {
    for (int64_t i = next++; i < count && !failed; i = next++) {
      auto status = body(i);
      if (!status.ok()) {
        std::lock_guard lock(mutex);
        if (!failed.exchange(true)) first = std::move(status);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  return first;
}

}  // namespace ferry
