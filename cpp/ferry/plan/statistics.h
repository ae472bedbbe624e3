#pragma once

#include <optional>

#include "ferry/expr/expr.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Estimated number of rows `plan` yields, or nullopt when a source's size
/// is unknown. Scans ask their TableProvider; every other node applies a
/// fixed rule of thumb (filters keep 10-50% by predicate shape, GROUP BY
/// keeps 10%, an equi-join yields as many rows as its larger side, ...).
/// Good enough to order joins and pick a build side; never exact.
std::optional<double> EstimateRows(const LogicalPlan& plan);

/// The fraction of rows `predicate` is guessed to keep, in [0, 1].
double EstimateSelectivity(const Expr& predicate);

}  // namespace ferry
