#pragma once

// GROUP BY with GROUPING SETS, ROLLUP and CUBE: one aggregate per grouping
// set, unioned, keys a set does not group by NULL (as the SQL standard and
// DuckDB give them).

#include <functional>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/plan/logical_plan.h"
#include "pg_query/pg_query.pb.h"

namespace ferry::sql {

struct GroupingSets {
  std::vector<Expr> keys;               // distinct key expressions
  std::vector<std::vector<int>> sets;   // per set: indices into keys
  bool plain = true;                    // one set of every key (no GROUPING SETS syntax)
};

/// The grouping sets of a GROUP BY clause; `bind_key` binds one key
/// (positions and output names resolved by the caller).
Result<GroupingSets> BindGroupBy(const google::protobuf::RepeatedPtrField<pg_query::Node>& clause,
                                 const std::function<Result<Expr>(const pg_query::Node&)>& bind_key);

/// A GROUPING(a, b, ...) call of the query: the column it reads after the
/// aggregate, and its arguments as indices into the keys.
struct GroupingCall {
  std::string column;
  std::vector<int> keys;
};

/// Names of the columns GROUPING() calls bind to ("__grouping<N>"): they
/// are computed with the aggregate, one constant per grouping set.
inline constexpr const char* kGroupingColumnPrefix = "__grouping";

/// Aggregate(input, keys, aggregates) for a plain GROUP BY; otherwise the
/// union of one aggregate per set, shaped like the plain one. Each of
/// `calls` adds a column after the aggregates: per set, an Int32 whose bit
/// n-1-i is set when the call's i-th of n keys is not grouped (PostgreSQL's
/// and DuckDB's GROUPING()).
Result<PlanPtr> AggregateGroupingSets(const PlanPtr& input, const GroupingSets& sets,
                                      const std::vector<Expr>& aggregates,
                                      const std::vector<GroupingCall>& calls = {});

}  // namespace ferry::sql
