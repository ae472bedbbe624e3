#pragma once

// Queries that Ctrl-C stops. CPython runs signal handlers only on the main
// thread, between bytecodes; a query running in C++ with the GIL released
// would not see SIGINT until it returned. So the query runs on a thread of
// its own while the calling thread waits, taking the GIL every
// kSignalPollInterval to run the handlers (PyErr_CheckSignals, as pyarrow
// does while it waits). When a handler raises (KeyboardInterrupt), the
// query's stop token (exec/cancellation.h) is triggered, the query stops at
// its next batch, and the exception is raised once its thread has ended.
// Only the main thread ever sees a signal handler run, so elsewhere the
// work runs on the calling thread with the GIL released, no thread spent.

#include <chrono>
#include <functional>
#include <optional>

#include <arrow/util/cancel.h>
#include <nanobind/nanobind.h>

#include "ferry/common/status.h"

namespace ferry::bindings {

namespace nb = nanobind;

inline constexpr std::chrono::milliseconds kSignalPollInterval{50};

/// Runs `work` (engine code) as above; call with the GIL held. Raises the
/// signal handler's exception (nb::python_error) when interrupted; returns
/// work's status otherwise. Without a thread to spare, runs `work` on this
/// thread with the GIL released, not interruptible. `stop`, when given, is
/// the source whose token `work` runs under (a stream's, shared by all its
/// reads, so the threads its first read started stop too); a fresh one
/// otherwise.
Status RunInterruptibly(const std::function<Status()>& work, arrow::StopSource* stop = nullptr);

/// RunInterruptibly for work returning a Result.
template <typename Work>
auto RunInterruptiblyFor(Work&& work, arrow::StopSource* stop = nullptr) -> decltype(work()) {
  std::optional<decltype(work())> result;
  Status status = RunInterruptibly([&]() -> Status {
    result.emplace(work());
    return result->status();
  }, stop);
  if (!result) return status;  // stopped before the work began
  return std::move(*result);
}

}  // namespace ferry::bindings
