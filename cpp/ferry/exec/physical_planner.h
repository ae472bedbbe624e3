#pragma once

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

struct PlannerOptions {
  /// Partitions a scan aims for (file scans; in-memory data keeps its own).
  int target_partitions = 2;
  /// Compute a subplan that occurs more than once (plan/shared_subplans.h)
  /// once, for all its readers. A distributed job turns it off: its stages
  /// cannot share operators.
  bool share_subplans = true;
};

/// Turns a logical plan into operators: binds every expression to its
/// input's schema and splits aggregation into partial and final phases.
Result<ExecPtr> CreatePhysicalPlan(const LogicalPlan& plan, const PlannerOptions& options);

}  // namespace ferry
