#pragma once

#include "ferry/common/status.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Which optional rules Optimize runs.
struct OptimizerOptions {
  /// On by default since join sizes count distinct values (Parquet min/max
  /// bounds) and every start is tried: TPC-H SF1 CPU time Q7 -45%, Q2 -40%,
  /// Q5 -22%, Q21 -16%, Q9 unchanged, Q8 +20% (median of 3, 2 threads).
  /// Without the distinct bounds it joined customer to supplier on
  /// nationkey (many to many) in Q5.
  bool reorder_joins = true;
};

/// The logical optimizer: rewrites `plan` into one computing the same rows
/// (same columns, names and types) faster. Runs the rules below once each,
/// in this order, each seeing the previous one's result:
///
///   1. SimplifyExpressions  folds constants first, so the rules after it
///                           see `x > 3`, not `x > 1 + 2`, and no `AND true`
///   2. PushDownFilters      filters move below projections, joins, ...
///   3. PushFiltersIntoScans after (2), which brought filters to the scans
///   4. ReorderJoins         (unless options.reorder_joins is off) after (2) and (3):
///                           filtered inputs estimate smaller
///   5. ReduceAggregateInputs after (2)-(4) settled which inputs are small
///   6. PushDownSemiJoins    after (4), which treats a semi join as the end
///                           of an inner-join chain, and (5), whose semi
///                           joins it moves down too (TPC-H Q2)
///   7. ReuseSemiJoins       after (5) and (6) placed the semi joins it reuses
///   8. EliminateCommonSubexpressions  after filters settled: a repeated
///                           expression becomes one column of a projection below
///   9. PushDownProjections  last: it prunes the columns the rest left
Result<PlanPtr> Optimize(const PlanPtr& plan, const OptimizerOptions& options = {});

/// Folds expressions of literals by evaluating them (casts included) and
/// applies boolean identities valid under SQL's three-valued logic
/// (`x AND true` -> x, `x AND false` -> false, `x OR true` -> true,
/// `x OR false` -> x, `NOT NOT x` -> x) in filter predicates and projected
/// expressions (which keep their column names). A filter of literal true
/// goes; one of false or NULL stays (no empty-relation node exists).
/// Volatile calls are never folded; a literal expression that fails to
/// evaluate (1 / 0) is left for execution to report, if it gets there.
Result<PlanPtr> SimplifyExpressions(const PlanPtr& plan);
/// The expression-level half of SimplifyExpressions.
Expr SimplifyExpr(const Expr& expr);

/// Splits filters into conjuncts and moves each as far down as semantics
/// allow: through projections (column references rewritten through the
/// expressions behind them), sorts and distincts; into both inputs of inner
/// joins, the left of left/semi/anti and the right of right joins (and,
/// through equi-join keys, into the other side too); below aggregates when
/// it reads only group keys, below window nodes when it reads only columns
/// every window partitions by, into every input of a union. Never below a
/// limit, never through a full join; conjuncts calling volatile functions
/// stay where they are. Adjacent filters merge. A left or right join under
/// a conjunct that rejects the NULLs it pads rows with becomes inner.
Result<PlanPtr> PushDownFilters(const PlanPtr& plan);

/// Hands the conjuncts of a filter right above a scan to the scan's table
/// where it can use them (TableProvider::SupportsFilter; Parquet skips row
/// groups by statistics), recording them on the ScanNode for explain().
/// The filter stays: tables apply filters inexactly.
Result<PlanPtr> PushFiltersIntoScans(const PlanPtr& plan);

/// Rebuilds each chain of inner equi-joins (joins whose inputs are inner
/// joins) left-deep, starting from the input EstimateRows (statistics.h)
/// thinks smallest and adding the smallest input connected by a join
/// condition each time, so no cross product appears. A projection on top
/// restores the original columns. Chains of two inputs, chains with an
/// input of unknown size, and chains already in that order are unchanged.
Result<PlanPtr> ReorderJoins(const PlanPtr& plan);

/// Moves a semi or anti join (without a join filter) whose keys all come
/// from one input of an inner join below it (through projections of plain
/// columns) onto that input, as deep as each input, once filtered, is
/// estimated smaller than the join it feeds: the joins above then see only
/// the rows it keeps. A semi join is estimated to keep the share of left
/// rows its right side's distinct keys cover (statistics.h).
Result<PlanPtr> PushDownSemiJoins(const PlanPtr& plan);

/// Under an inner join of X with an aggregate grouped by the join key (or
/// a projection of plain columns over one), semi-joins the aggregate's
/// input with the smallest input of X the key's values come from (traced
/// through projections and join keys), when that input is estimated at
/// least 10x smaller than the aggregate's input: groups X cannot match are
/// never computed.
Result<PlanPtr> ReduceAggregateInputs(const PlanPtr& plan);

/// Where the plan semi-joins a subplan B with S, an inner join of the same
/// B with an input whose key values all come from S (value_sources.h)
/// reads that semi join instead: the two then share B ⋉ S.
Result<PlanPtr> ReuseSemiJoins(const PlanPtr& plan);

/// Computes an expression that one aggregation or projection needs more
/// than once (its scalar parts; volatile ones excepted) a single time, in
/// a projection inserted below as a `__common_expr_N` column; outputs keep
/// their names.
Result<PlanPtr> EliminateCommonSubexpressions(const PlanPtr& plan);

/// Rewrites `plan` so every node carries only the columns something above
/// it uses: scans read (Parquet and CSV decode) only those, joins keep only
/// those plus their keys, aggregates drop unread aggregate outputs, union
/// inputs drop unread positions.
Result<PlanPtr> PushDownProjections(const PlanPtr& plan);

}  // namespace ferry
