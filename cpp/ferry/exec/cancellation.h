#pragma once

#include <functional>

#include <arrow/util/cancel.h>

#include "ferry/common/status.h"

namespace ferry {

/// Stopping a running query from outside (Ctrl-C in Python, a caller that
/// gave up): whoever starts the query holds an arrow::StopSource and runs
/// the query under its token; the engine polls the token between batches
/// (scans, projections and filters, ParallelFor tasks, the collecting loop)
/// and fails with the status given to RequestStop (Cancelled by default).
///
/// The token is per thread: ScopedStopToken installs it on the thread that
/// runs the query, and every thread the engine starts for that query
/// (ParallelFor, exchange producers) inherits it via InheritStopToken.
/// Without a token (the default), nothing can stop a query and polling
/// costs one thread-local read.
class ScopedStopToken {
 public:
  explicit ScopedStopToken(arrow::StopToken token);
  ~ScopedStopToken();
  ScopedStopToken(const ScopedStopToken&) = delete;
  ScopedStopToken& operator=(const ScopedStopToken&) = delete;

 private:
  arrow::StopToken previous_;
};

/// The token of the query the current thread works for.
const arrow::StopToken& CurrentStopToken();

/// OK, or the stop status once the current query was asked to stop.
inline Status CheckStopRequested() { return CurrentStopToken().Poll(); }

/// `work`, to run on a thread the engine starts, under the token of the
/// thread calling this (the starter's query).
std::function<void()> InheritStopToken(std::function<void()> work);

}  // namespace ferry
