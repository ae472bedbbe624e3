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

/// Aggregate(input, keys, aggregates) for a plain GROUP BY; otherwise the
/// union of one aggregate per set, shaped like the plain one.
Result<PlanPtr> AggregateGroupingSets(const PlanPtr& input, const GroupingSets& sets,
                                      const std::vector<Expr>& aggregates);

}  // namespace ferry::sql
