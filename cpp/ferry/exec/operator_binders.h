#pragma once

#include <memory>
#include <vector>

#include <arrow/type.h>

#include "ferry/exec/operators.h"

namespace ferry {

/// Binding an operator's logical parts to its input's schema: what the
/// physical planner calls, and what the physical plan decoder calls again
/// (serde/physical_serde.h), so a decoded operator is bound exactly as a
/// planned one. Errors name the expression at fault, as BindScalar's do.

Result<std::vector<PhysicalExprPtr>> BindAll(const std::vector<Expr>& exprs,
                                             const arrow::Schema& schema);

/// An aggregate call (possibly aliased: the alias names it) bound to the
/// aggregation's input.
Result<AggregateSpec> BindAggregate(const Expr& expr, const arrow::Schema& schema);
/// The same aggregate where only its argument types are known (the final
/// phase, which merges states and never reads the arguments): `args` stays
/// empty.
Result<AggregateSpec> BindAggregateTypes(const Expr& expr, TypeVector arg_types);

/// SortNode expressions as sort keys over `schema`.
Result<std::vector<SortKeySpec>> BindSortKeys(const std::vector<Expr>& sort_exprs,
                                              const arrow::Schema& schema);

/// A window expression (WindowNode) bound to the window operator's input.
Result<WindowExprSpec> BindWindow(const Expr& expr, const arrow::Schema& schema);

/// A join's filter bound to the columns it reads (of JoinFilterSchema over
/// the inputs), so only those are gathered for each candidate pair;
/// nullptr when the join has none.
Result<std::shared_ptr<const JoinFilter>> BindJoinFilter(const JoinNode& join,
                                                         const arrow::Schema& left,
                                                         const arrow::Schema& right);

}  // namespace ferry
