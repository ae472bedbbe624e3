#include "ferry/exec/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/parallel_internal.h"

namespace ferry {
namespace internal {

Status ParallelForWith(int64_t count, int max_threads, const std::function<Status(int64_t)>& body,
                       const StartThread& start) {
  if (max_threads <= 0) max_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t threads = std::min<int64_t>(count, max_threads);
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  Status first;
  auto fail = [&](Status status) {
    std::lock_guard lock(mutex);
    if (!failed.exchange(true)) first = std::move(status);
  };
  // Indices are claimed one at a time, so however many threads actually
  // run, together they cover every index.
  auto work = [&]() {
    for (int64_t i = next++; i < count && !failed; i = next++) {
      Status status = CheckStopRequested();
      try {
        if (status.ok()) status = body(i);
      } catch (const std::exception& e) {
        // An exception escaping a thread would terminate the process.
        status = Status::UnknownError("parallel task ", i, " threw: ", e.what());
      }
      if (!status.ok()) fail(std::move(status));
    }
  };
  std::vector<std::thread> pool;
  try {
    pool.reserve(static_cast<size_t>(std::max<int64_t>(threads - 1, 0)));
    // Helpers work for the caller's query: they stop when it is stopped.
    for (int64_t t = 1; t < threads; ++t) pool.push_back(start(InheritStopToken(work)));
  } catch (const std::system_error&) {
    // Out of threads (EAGAIN) or memory: the threads that did start and
    // this one finish the work; slower, but the query still completes.
  } catch (const std::bad_alloc&) {
  }
  work();
  for (auto& thread : pool) thread.join();
  return first;
}

}  // namespace internal

Status ParallelFor(int64_t count, int max_threads, const std::function<Status(int64_t)>& body) {
  return internal::ParallelForWith(count, max_threads, body,
                                   [](std::function<void()> work) { return std::thread(std::move(work)); });
}

}  // namespace ferry
