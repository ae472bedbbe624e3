#pragma once

#include <optional>

#include "ferry/expr/expr.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Estimated number of rows `plan` yields, or nullopt when a source's size
/// is unknown. Scans ask their TableProvider; every other node applies a
/// fixed rule of thumb (filters keep 10-50% by predicate shape, except that
/// comparisons of a column with a literal keep the share of the column's
/// range of values (TableProvider::EstimatedRange) their bounds leave, and
/// equality on an integer or date column 1 / (max - min + 1); GROUP BY
/// keeps 10%, a semi join the share of left keys the right side's distinct
/// keys cover, an equi-join yields |L| |R| / max(distinct keys) when the
/// keys' distinct values are bounded (EstimateDistinct), else as many rows
/// as its larger side, ...).
/// Good enough to order joins and pick a build side; never exact.
std::optional<double> EstimateRows(const LogicalPlan& plan);

/// Estimated number of distinct values in output column `column` of
/// `plan`, or nullopt when unknown: a table's bound (TableProvider::
/// EstimatedDistinct) carried through filters, projections of the column,
/// joins and sorts, never above the node's estimated rows. With it a join
/// on a column of few values (a nation key) is seen to multiply rows.
std::optional<double> EstimateDistinct(const LogicalPlan& plan, int column);
/// The same bound as it stands in the table the column comes from, before
/// any filter: the column's domain. A join key's values lie in the other
/// key's domain (a foreign key in its primary key's), which bounds them.
std::optional<double> EstimateDomain(const LogicalPlan& plan, int column);
/// The fraction of rows `predicate` is guessed to keep, in [0, 1].
double EstimateSelectivity(const Expr& predicate);

}  // namespace ferry
