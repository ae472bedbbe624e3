#pragma once

#include <nanobind/nanobind.h>

#include "ferry/exec/execution_plan.h"

namespace ferry::bindings {

/// ferry._core.ExecutionPlan: a physical plan held for Python (the
/// operators are immutable and shared; nothing runs until executed).
struct PlanHandle {
  ExecPtr plan;
};

/// Partition `partition` of `plan` run to completion without the GIL, as
/// pyarrow RecordBatches; IndexError for a partition the plan lacks.
nanobind::list ExecutePartition(const ExecutionPlan& plan, int partition);

}  // namespace ferry::bindings
