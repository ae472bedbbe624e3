#include "interruptible.h"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "ferry/exec/cancellation.h"
#include "python_gil.h"

namespace ferry::bindings {

Status RunInterruptibly(const std::function<Status()>& work) {
  arrow::StopSource stop;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  Status status;
  std::thread runner;
  try {
    runner = std::thread([&] {
      Status outcome;
      {
        ScopedStopToken scoped(stop.token());
        outcome = work();
      }
      std::lock_guard lock(mutex);
      status = std::move(outcome);
      done = true;
      finished.notify_all();
    });
  } catch (const std::system_error&) {
    return WithoutGil(work);
  }
  std::optional<nb::python_error> interrupted;
  {
    ReleasedGil released;
    std::unique_lock lock(mutex);
    while (!finished.wait_for(lock, kSignalPollInterval, [&] { return done; })) {
      if (interrupted) continue;  // stop requested; waiting for the query to notice
      lock.unlock();
      {
        EngineGil gil;
        if (gil.ok() && PyErr_CheckSignals() != 0) {
          interrupted.emplace();  // fetches the handler's exception
          stop.RequestStop(Status::Cancelled("the query was interrupted"));
        }
      }
      lock.lock();
    }
  }
  runner.join();
  if (interrupted) {
    interrupted->restore();
    throw nb::python_error();
  }
  return status;
}

}  // namespace ferry::bindings
