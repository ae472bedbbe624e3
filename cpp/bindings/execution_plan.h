#pragma once

#include <nanobind/nanobind.h>

#include "ferry/exec/execution_plan.h"

namespace ferry::bindings {

/// ferry._core.ExecutionPlan: a physical plan held for Python (the
/// operators are immutable and shared; nothing runs until executed).
struct PlanHandle {
  ExecPtr plan;
};

/// IndexError for a partition `plan` lacks.
void CheckPartition(const ExecutionPlan& plan, int partition);

/// Partition `partition` of `plan` run to completion without the GIL (Ctrl-C
/// stops it), as pyarrow RecordBatches; IndexError for a partition the plan
/// lacks.
nanobind::list ExecutePartition(const ExecutionPlan& plan, int partition);

}  // namespace ferry::bindings
