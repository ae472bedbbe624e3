#include "interruptible.h"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "ferry/exec/cancellation.h"
#include "python_gil.h"

namespace ferry::bindings {
namespace {

// Whether the calling thread (holding the GIL) is the one CPython runs
// signal handlers on.
bool OnMainThread() {
  static const unsigned long main_thread =
      nb::cast<unsigned long>(nb::module_::import_("threading").attr("main_thread")().attr("ident"));
  return PyThread_get_thread_ident() == main_thread;
}

}  // namespace

Status RunInterruptibly(const std::function<Status()>& work, arrow::StopSource* given_stop) {
  arrow::StopSource own_stop;
  arrow::StopSource& stop = given_stop != nullptr ? *given_stop : own_stop;
  auto here = [&] {
    ScopedStopToken scoped(stop.token());
    return work();
  };
  if (!OnMainThread()) return WithoutGil(here);
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  Status status;
  std::thread runner;
  try {
    runner = std::thread([&] {
      Status outcome = here();
      std::lock_guard lock(mutex);
      status = std::move(outcome);
      done = true;
      finished.notify_all();
    });
  } catch (const std::system_error&) {
    return WithoutGil(here);
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
