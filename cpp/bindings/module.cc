#include "module.h"
#include "python_gil.h"
#include "udwf.h"

NB_MODULE(_core, m) {
  m.doc() = "ferry's native core (private: use the ferry package)";
  // Objects still referenced by other modules at interpreter exit are freed
  // after nanobind's check runs; its report would only be noise.
  nanobind::set_leak_warnings(false);
  ferry::bindings::RegisterExpr(m);
  ferry::bindings::RegisterUdf(m);
  ferry::bindings::RegisterUdaf(m);
  ferry::bindings::RegisterUdwf(m);
  ferry::bindings::RegisterExecutionPlan(m);
  ferry::bindings::RegisterBatchStream(m);
  ferry::bindings::RegisterContext(m);
  ferry::bindings::RegisterDataFrame(m);
  ferry::bindings::RegisterStages(m);
  ferry::bindings::RegisterPlan(m);
  ferry::bindings::RegisterExitHook(m);
}
