#pragma once

// Taking and releasing the GIL when the interpreter may be shutting down.
//
// CPython 3.11 kills a thread that takes the GIL after finalization began
// (pthread_exit, unwinding whatever C++ frames it is in), and a thread
// unwound that way through a GIL guard ends in "Fatal Python error:
// PyGILState_Release" or std::terminate. A query still running on a daemon
// thread when the main thread exits hits exactly that. So:
//   - an atexit hook (registered at import) marks the interpreter exiting
//     and waits, briefly, for engine threads already inside Python;
//   - engine threads then refuse to enter Python (EngineGil fails) and the
//     query ends with an error;
//   - a daemon thread coming back from engine work no longer re-takes the
//     GIL (ReleasedGil parks it); the process exit ends it.

#include <nanobind/nanobind.h>

#include "ferry/common/status.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// Whether the interpreter is exiting (the atexit hook ran) or finalizing.
bool PythonExiting();

/// The GIL for an engine thread (or any thread: it nests). `ok()` is false,
/// and nothing is held, once the interpreter is exiting; callers then
/// return `ExitingError(what)` or, in destructors, leak their references.
class EngineGil {
 public:
  EngineGil();
  ~EngineGil();
  EngineGil(const EngineGil&) = delete;
  EngineGil& operator=(const EngineGil&) = delete;
  bool ok() const { return acquired_; }

 private:
  bool acquired_ = false;
  PyGILState_STATE state_{};
};

/// "<what> not called: the Python interpreter is shutting down".
Status ExitingError(const std::string& what);

/// Releases the GIL for engine work, like nb::gil_scoped_release, but on
/// the way back parks a non-main thread forever instead of re-taking the
/// GIL once the interpreter is exiting.
class ReleasedGil {
 public:
  ReleasedGil();
  ~ReleasedGil();
  ReleasedGil(const ReleasedGil&) = delete;
  ReleasedGil& operator=(const ReleasedGil&) = delete;

 private:
  PyThreadState* state_;
};

/// Runs `work` (engine code returning a Status or Result) with the GIL
/// released; the error, if any, is raised by the caller once it is back.
template <typename Work>
auto WithoutGil(Work&& work) {
  ReleasedGil released;
  return work();
}

/// Registers the atexit hook; called once from the module's init.
void RegisterExitHook(nb::module_& m);

}  // namespace ferry::bindings
