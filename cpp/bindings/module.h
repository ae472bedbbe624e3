#pragma once

#include <nanobind/nanobind.h>

namespace ferry::bindings {

namespace nb = nanobind;

/// One registration function per concept, called from module.cc.
void RegisterExpr(nb::module_& m);
void RegisterUdf(nb::module_& m);
void RegisterUdaf(nb::module_& m);
void RegisterContext(nb::module_& m);
void RegisterDataFrame(nb::module_& m);
void RegisterPlan(nb::module_& m);
void RegisterExecutionPlan(nb::module_& m);
void RegisterBatchStream(nb::module_& m);
void RegisterStages(nb::module_& m);

}  // namespace ferry::bindings
