#include "ferry/session/dataframe.h"

#include <set>

#include "ferry/exec/physical_planner.h"
#include "ferry/function/registry.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/session/session_context.h"

namespace ferry {

Result<DataFrame> DataFrame::With(Result<PlanPtr> plan) const {
  FERRY_ASSIGN_OR_RAISE(auto p, std::move(plan));
  return DataFrame(session_, std::move(p));
}

Result<DataFrame> DataFrame::Select(std::vector<Expr> exprs) const {
  return With(plan::Project(plan_, std::move(exprs)));
}
Result<DataFrame> DataFrame::Filter(Expr predicate) const {
  return With(plan::Filter(plan_, std::move(predicate)));
}
Result<DataFrame> DataFrame::Aggregate(std::vector<Expr> group_by,
                                       std::vector<Expr> aggregates) const {
  return With(plan::Aggregate(plan_, std::move(group_by), std::move(aggregates)));
}
Result<DataFrame> DataFrame::Sort(std::vector<Expr> sort_exprs) const {
  return With(plan::Sort(plan_, std::move(sort_exprs)));
}
Result<DataFrame> DataFrame::Limit(int64_t count, int64_t offset) const {
  return With(plan::Limit(plan_, offset, count));
}
Result<DataFrame> DataFrame::Distinct() const { return With(plan::Distinct(plan_)); }
Result<DataFrame> DataFrame::JoinOn(const DataFrame& right, JoinType type,
                                    const std::vector<Expr>& on) const {
  return With(plan::JoinOn(plan_, right.plan_, type, on));
}

Result<DataFrame> DataFrame::Join(const DataFrame& right, JoinType type,
                                  const std::vector<std::string>& left_keys,
                                  const std::vector<std::string>& right_keys) const {
  return With(plan::Join(plan_, right.plan_, type, left_keys, right_keys));
}
Result<DataFrame> DataFrame::Union(const DataFrame& other) const {
  return With(plan::Union({plan_, other.plan_}));
}

Result<DataFrame> DataFrame::WithColumn(const std::string& name, Expr expr) const {
  std::vector<Expr> exprs;
  bool replaced = false;
  for (const auto& field : schema()->fields()) {
    if (field->name() == name) {
      exprs.push_back(Alias(expr, name));
      replaced = true;
    } else {
      exprs.push_back(Col(field->name()));
    }
  }
  if (!replaced) exprs.push_back(Alias(std::move(expr), name));
  return Select(std::move(exprs));
}

Result<DataFrame> DataFrame::Drop(const std::vector<std::string>& names) const {
  std::set<std::string> to_drop(names.begin(), names.end());
  for (const auto& name : names) {
    if (schema()->GetFieldIndex(name) < 0) {
      return Status::KeyError("cannot drop column '", name, "': no such column");
    }
  }
  std::vector<Expr> exprs;
  for (const auto& field : schema()->fields()) {
    if (!to_drop.count(field->name())) exprs.push_back(Col(field->name()));
  }
  return Select(std::move(exprs));
}

Result<DataFrame> DataFrame::WithColumnRenamed(const std::string& old_name,
                                               const std::string& new_name) const {
  if (schema()->GetFieldIndex(old_name) < 0) {
    return Status::KeyError("cannot rename column '", old_name, "': no such column");
  }
  std::vector<Expr> exprs;
  for (const auto& field : schema()->fields()) {
    auto column = Col(field->name());
    exprs.push_back(field->name() == old_name ? Alias(column, new_name) : column);
  }
  return Select(std::move(exprs));
}

Result<ExecPtr> DataFrame::CreatePhysicalPlan() const {
  FERRY_ASSIGN_OR_RAISE(auto optimized, Optimize(plan_));
  PlannerOptions options;
  options.target_partitions = session_->target_partitions();
  return ferry::CreatePhysicalPlan(*optimized, options);
}

Result<BatchVector> DataFrame::Collect() const {
  FERRY_ASSIGN_OR_RAISE(auto physical, CreatePhysicalPlan());
  return ferry::Collect(*physical, session_->target_partitions());
}

Result<std::vector<BatchVector>> DataFrame::CollectPartitioned() const {
  FERRY_ASSIGN_OR_RAISE(auto physical, CreatePhysicalPlan());
  return CollectPartitions(*physical, session_->target_partitions());
}

Result<int64_t> DataFrame::Count() const {
  // count(*) lets pushdown read a single column instead of every one.
  FERRY_ASSIGN_OR_RAISE(auto count, BuiltinFunctions().GetAggregate("count"));
  FERRY_ASSIGN_OR_RAISE(auto counted, Aggregate({}, {AggregateCall(count, "count", {})}));
  FERRY_ASSIGN_OR_RAISE(auto batches, counted.Collect());
  if (batches.size() != 1 || batches[0]->num_rows() != 1) {
    return Status::UnknownError("count(*) did not produce exactly one row");
  }
  return static_cast<const arrow::Int64Array&>(*batches[0]->column(0)).Value(0);
}

Result<std::string> DataFrame::Explain() const {
  FERRY_ASSIGN_OR_RAISE(auto optimized, Optimize(plan_));
  PlannerOptions options;
  options.target_partitions = session_->target_partitions();
  FERRY_ASSIGN_OR_RAISE(auto physical, ferry::CreatePhysicalPlan(*optimized, options));
  return "logical_plan\n" + plan_->ToString() + "optimized_logical_plan\n" +
         optimized->ToString() + "physical_plan\n" + ExplainPhysical(*physical);
}

}  // namespace ferry
