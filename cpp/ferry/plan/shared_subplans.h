#pragma once

#include <unordered_map>

#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Subplans a plan computes more than once: equal trees (PlanEquals, over
/// the same table objects) that join or aggregate, free of volatile
/// expressions. TPC-H Q15 aggregates its revenue view twice (once to join
/// it, once for its maximum), Q11 joins partsupp, supplier and nation
/// twice; computing such a subplan once and reading it twice halves that
/// work.
struct SharedSubplans {
  /// Every occurrence of a repeated subplan, mapped to its group's number
  /// (0..num_groups-1). Only the outermost repeats count: a subplan inside
  /// one is computed once with it and appears here only when it also
  /// occurs elsewhere.
  std::unordered_map<const LogicalPlan*, int> group_of;
  int num_groups = 0;
};

/// Whether `a` and `b` surely compute the same rows: equal trees over the
/// same tables, free of volatile expressions.
bool SameRows(const LogicalPlan& a, const LogicalPlan& b);

/// Finds the subplans of `plan` worth computing once for several readers
/// (the physical planner shares them, see MakeSharedSubplanExec).
SharedSubplans FindSharedSubplans(const LogicalPlan& plan);

}  // namespace ferry
