#pragma once

// After GROUP BY: which aggregates a query computes, and its expressions
// rewritten to read the aggregate's output columns.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/plan/logical_plan.h"

namespace ferry::sql {

/// Whether `expr` calls an aggregate outside a window's own function.
bool ContainsAggregate(const Expr& expr);
/// Appends the aggregate calls in `expr` not yet in `out` (by Equals).
void CollectAggregates(const Expr& expr, std::vector<Expr>* out);
/// How an error shows an input column the user referred to in a clause
/// (as written, and where).
using DescribeColumn = std::function<std::string(const std::string& column, const std::string& clause)>;
/// `expr` over the output of Aggregate(input, keys, aggregates) (`plan`):
/// each key and aggregate replaced by its output column. Invalid naming a
/// column that is neither grouped nor inside an aggregate, as `describe`
/// shows it.
Result<Expr> RewriteOverAggregate(const Expr& expr, const std::vector<Expr>& keys,
                                  const std::vector<Expr>& aggregates, const LogicalPlan& plan,
                                  const char* clause, const DescribeColumn& describe);
/// What `rewritten` (an expression over `aggregate`'s output, as
/// RewriteOverAggregate gives) is over no input rows at all: count() 0,
/// every other aggregate NULL. nullopt when that is plainly NULL (one
/// aggregate other than count) or `rewritten` reads other columns.
std::optional<Expr> EmptyAggregateValue(const Expr& rewritten, const LogicalPlan& aggregate, size_t num_keys,
                                        const std::vector<Expr>& aggregates);

}  // namespace ferry::sql
