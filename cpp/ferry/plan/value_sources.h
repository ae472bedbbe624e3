#pragma once

#include <vector>

#include "ferry/plan/logical_plan.h"

namespace ferry {

/// A column of a plan.
struct PlanColumn {
  PlanPtr plan;
  int column;
};

/// Every plan column found below `plan` (itself first, then depth first)
/// holding every value column `column` of `plan` holds, maybe more:
/// through projections of the plain column (looked through, not listed),
/// into the input of a join it
/// comes from, and across a join's keys to the other input where that
/// keeps the same values (inner joins both ways, a semi join's right
/// side). Stops at anything else.
std::vector<PlanColumn> ValueSources(const PlanPtr& plan, int column);

/// The index of `expr` in `schema` when it is a plain (maybe aliased)
/// column reference, else -1.
int PlainColumn(const Expr& expr, const arrow::Schema& schema);

}  // namespace ferry
