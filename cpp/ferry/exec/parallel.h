#pragma once

#include <cstdint>
#include <functional>

#include "ferry/common/status.h"

namespace ferry {

/// Runs body(0), ..., body(count - 1) on up to `max_threads` threads (0: one
/// per core; the caller's thread is one of them). After the first error no
/// new index starts, and that error is returned. When the system refuses to
/// start a thread, the threads already running (the caller's included) do
/// the rest; an exception escaping `body` becomes an UnknownError.
Status ParallelFor(int64_t count, int max_threads, const std::function<Status(int64_t)>& body);

}  // namespace ferry
