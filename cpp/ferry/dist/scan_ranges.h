#pragma once

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"

namespace ferry {

/// A stage's task plan with its file scans cut into finer ranges, so the
/// stage runs one task per range rather than one per planned partition.
///
/// A task is (stage, task index, attempt, input handles): its file range
/// is its scan's split `task index`, read from the stage's fragment that
/// every worker already holds (the fragment carries every split once; no
/// task carries the plan again). This rewrites each Parquet scan that a
/// task plan reads partition by partition (through projections, filters,
/// partial aggregates, per-partition sorts and unions) into one split per
/// row group, in the order the planned partitions read them, so the tasks'
/// outputs in task order hold the planned partitions' rows in their order.
/// Scans below any other operator (a join, a stage input) stay as planned;
/// a scan with no more row groups than partitions stays as planned.
Result<ExecPtr> SplitScansIntoRanges(const ExecPtr& task_plan);

}  // namespace ferry
