#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

class SessionContext;

/// A lazy query: a logical plan and the session that runs it. Immutable:
/// every transformation returns a new DataFrame and validates eagerly.
class DataFrame {
 public:
  DataFrame(std::shared_ptr<SessionContext> session, PlanPtr plan)
      : session_(std::move(session)), plan_(std::move(plan)) {}

  const std::shared_ptr<arrow::Schema>& schema() const { return plan_->schema; }
  const PlanPtr& plan() const { return plan_; }
  const std::shared_ptr<SessionContext>& session() const { return session_; }

  Result<DataFrame> Select(std::vector<Expr> exprs) const;
  Result<DataFrame> Filter(Expr predicate) const;
  Result<DataFrame> Aggregate(std::vector<Expr> group_by, std::vector<Expr> aggregates) const;
  Result<DataFrame> Sort(std::vector<Expr> sort_exprs) const;
  Result<DataFrame> Limit(int64_t count, int64_t offset = 0) const;
  Result<DataFrame> Distinct() const;
  /// A join on arbitrary conditions (plan::JoinOn); none: a cross join.
  Result<DataFrame> JoinOn(const DataFrame& right, JoinType type, const std::vector<Expr>& on) const;
  Result<DataFrame> Join(const DataFrame& right, JoinType type,
                         const std::vector<std::string>& left_keys,
                         const std::vector<std::string>& right_keys) const;
  Result<DataFrame> Union(const DataFrame& other) const;
  /// Adds a column, or replaces the one with that name in place.
  Result<DataFrame> WithColumn(const std::string& name, Expr expr) const;
  /// KeyError naming any column that does not exist.
  Result<DataFrame> Drop(const std::vector<std::string>& names) const;
  Result<DataFrame> WithColumnRenamed(const std::string& old_name, const std::string& new_name) const;

  /// The optimized logical plan and its operators.
  Result<ExecPtr> CreatePhysicalPlan() const;
  Result<BatchVector> Collect() const;
  Result<std::vector<BatchVector>> CollectPartitioned() const;
  Result<int64_t> Count() const;
  /// Logical, optimized and physical plans, as text.
  Result<std::string> Explain() const;

 private:
  Result<DataFrame> With(Result<PlanPtr> plan) const;

  std::shared_ptr<SessionContext> session_;
  PlanPtr plan_;
};

}  // namespace ferry
