#include "python_gil.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <pythread.h>

namespace ferry::bindings {
namespace {

std::atomic<bool> exiting{false};
std::atomic<int> inside_python{0};  // engine threads holding or awaiting the GIL
unsigned long main_thread = 0;

// How long the exit hook waits for engine threads already inside Python
// (a UDF call in progress) before letting finalization go ahead.
constexpr auto kExitGrace = std::chrono::seconds(5);

bool Finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();  // public as Py_IsFinalizing from 3.13
#endif
}

// Runs as a Python atexit callback: after non-daemon threads were joined,
// before finalization starts; the GIL is held.
void OnExit() {
  exiting = true;
  // Let go of the GIL so that engine threads inside Python finish their
  // call, and threads waiting to re-take it get it while that is still
  // safe; then wait for the former, within the grace period.
  Py_BEGIN_ALLOW_THREADS
  const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  while (inside_python.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  Py_END_ALLOW_THREADS
}

}  // namespace

bool PythonExiting() { return exiting.load() || !Py_IsInitialized() || Finalizing(); }

EngineGil::EngineGil() {
  if (PythonExiting()) return;
  // Announce first, then check again: the exit hook sets `exiting` before
  // reading the count, so either it waits for this thread or this thread
  // sees the flag (both atomics are sequentially consistent).
  ++inside_python;
  if (exiting.load()) {
    --inside_python;
    return;
  }
  state_ = PyGILState_Ensure();
  if (exiting.load()) {
    // The hook let go of the GIL to drain callers; do not start a new call.
    PyGILState_Release(state_);
    --inside_python;
    return;
  }
  acquired_ = true;
}

EngineGil::~EngineGil() {
  if (!acquired_) return;
  // Not holding the GIL here means CPython is ending this thread past the
  // grace period (finalization began during the call): releasing would be
  // a fatal error, and the process is about to end anyway.
  if (PyGILState_Check()) PyGILState_Release(state_);
  --inside_python;
}

Status ExitingError(const std::string& what) {
  return Status::Cancelled(what, " not called: the Python interpreter is shutting down");
}

ReleasedGil::ReleasedGil() : state_(PyEval_SaveThread()) {}

ReleasedGil::~ReleasedGil() {
  if ((exiting.load() || Finalizing()) && PyThread_get_thread_ident() != main_thread) {
    // Re-taking the GIL now would let CPython end this thread inside C++
    // frames. The process is exiting: wait for it here.
    while (true) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  PyEval_RestoreThread(state_);
}

void RegisterExitHook(nb::module_& m) {
  main_thread = nb::cast<unsigned long>(
      nb::module_::import_("threading").attr("main_thread")().attr("ident"));
  m.def("_on_exit", &OnExit, "Marks the interpreter exiting (registered with atexit at import).");
  nb::module_::import_("atexit").attr("register")(m.attr("_on_exit"));
}

}  // namespace ferry::bindings
