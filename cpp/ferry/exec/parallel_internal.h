#pragma once

// ParallelFor with the thread start injectable, so tests can make it fail.

#include <functional>
#include <thread>

#include "ferry/exec/parallel.h"

namespace ferry::internal {

/// Starts a thread running `work`; throws std::system_error (as
/// std::thread's constructor does) when the system refuses.
using StartThread = std::function<std::thread(std::function<void()> work)>;

/// ParallelFor, starting its helper threads with `start`.
Status ParallelForWith(int64_t count, int max_threads, const std::function<Status(int64_t)>& body,
                       const StartThread& start);

}  // namespace ferry::internal
