#include "ferry/plan/optimizer.h"

namespace ferry {

// The order is fixed and documented in optimizer.h; each rule lives in its
// own file beside this one.
Result<PlanPtr> Optimize(const PlanPtr& plan, const OptimizerOptions& options) {
  FERRY_ASSIGN_OR_RAISE(auto optimized, SimplifyExpressions(plan));
  FERRY_ASSIGN_OR_RAISE(optimized, PushDownFilters(optimized));
  FERRY_ASSIGN_OR_RAISE(optimized, PushFiltersIntoScans(optimized));
  if (options.reorder_joins) {
    FERRY_ASSIGN_OR_RAISE(optimized, ReorderJoins(optimized));
  }
  // Input reduction adds semi joins, which pushdown then moves down too.
  FERRY_ASSIGN_OR_RAISE(optimized, ReduceAggregateInputs(optimized));
  FERRY_ASSIGN_OR_RAISE(optimized, PushDownSemiJoins(optimized));
  FERRY_ASSIGN_OR_RAISE(optimized, ReuseSemiJoins(optimized));
  FERRY_ASSIGN_OR_RAISE(optimized, EliminateCommonSubexpressions(optimized));
  return PushDownProjections(optimized);
}

}  // namespace ferry
