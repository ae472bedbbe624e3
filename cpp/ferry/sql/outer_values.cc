// An aggregating subquery correlated by conditions other than `inner =
// outer` (`SELECT sum(u.v) FROM u WHERE u.x < t.a`) cannot group by its
// correlation: no inner column equals the outer value. As DuckDB's delim
// join does, the distinct outer values those conditions read are joined
// into the subquery's input on the conditions themselves, and then group
// the aggregate like equality keys: one result per outer value, joined back
// to the outer rows by equality. An outer value no inner row meets has no
// group; the scalar subquery's left join gives it the empty result (COUNT
// 0, others NULL; see SelectResult::empty_values).

#include <algorithm>

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

// Whether `condition` is never true while an outer column it reads is NULL,
// so that outer NULLs, lost by joining back on equality, lose nothing:
// comparisons (and BETWEEN) of NULL-propagating operands, and
// conjunctions of those.
bool FalseOnOuterNull(const Expr& condition) {
  if (const auto* between = condition.As<BetweenNode>()) {
    return NullPropagating(between->expr) && NullPropagating(between->low) && NullPropagating(between->high);
  }
  const auto* binary = condition.As<BinaryNode>();
  if (binary == nullptr) return false;
  if (binary->op == Operator::kAnd) return FalseOnOuterNull(binary->left) && FalseOnOuterNull(binary->right);
  return binary->op >= Operator::kEq && binary->op <= Operator::kGtEq && NullPropagating(binary->left) &&
         NullPropagating(binary->right);
}

}  // namespace

bool OnlyInnerOuterEqualities(const std::vector<Expr>& correlated) {
  return std::all_of(correlated.begin(), correlated.end(), [](const Expr& condition) {
    const auto* eq = condition.As<BinaryNode>();
    return eq != nullptr && eq->op == Operator::kEq && HasOuterReference(eq->left) != HasOuterReference(eq->right);
  });
}

Status CorrelateByOuterValues(const Relation& outer, PlanPtr* input, std::vector<Expr>* correlated,
                              const std::string& prefix) {
  std::vector<std::string> outer_columns;
  for (const auto& condition : *correlated) {
    if (!FalseOnOuterNull(condition)) {
      return Status::NotImplemented("correlated subquery with aggregates: the condition ",
                                    StripOuter(condition).ToString(),
                                    " is not supported (only comparisons and BETWEEN, joined by AND, of columns, ",
                                    "constants, arithmetic and casts correlate an aggregate)");
    }
    OuterColumns(condition, &outer_columns);
  }
  auto value_name = [&](size_t i) { return prefix + "d" + std::to_string(i); };
  std::vector<Expr> distinct_columns;
  for (size_t i = 0; i < outer_columns.size(); ++i) {
    distinct_columns.push_back(Alias(Col(outer_columns[i]), value_name(i)));
  }
  FERRY_ASSIGN_OR_RAISE(auto values, plan::Project(outer.plan, distinct_columns));
  FERRY_ASSIGN_OR_RAISE(values, plan::Distinct(values));
  std::vector<Expr> on;
  for (const auto& condition : *correlated) {
    on.push_back(Transform(condition, [&](const Expr& e) -> std::optional<Expr> {
      const auto* column = e.As<ColumnNode>();
      if (column == nullptr || !column->relation || *column->relation != kOuterRelation) return std::nullopt;
      const auto at = std::find(outer_columns.begin(), outer_columns.end(), column->name) - outer_columns.begin();
      return Col(value_name(static_cast<size_t>(at)));
    }));
  }
  // The input keeps its columns first, so the query's scope still indexes them.
  FERRY_ASSIGN_OR_RAISE(*input, plan::JoinOn(*input, values, JoinType::kInner, on));
  correlated->clear();
  for (size_t i = 0; i < outer_columns.size(); ++i) {
    correlated->push_back(Binary(Col(value_name(i)), Operator::kEq, Col(outer_columns[i], kOuterRelation)));
  }
  return Status::OK();
}

Result<std::optional<OuterValueMatch>> MatchOuterValues(const PlanPtr& outer_plan, const SelectResult& sub,
                                                        const std::string& prefix, const Expr& value) {
  // Joining back by equality loses outer NULLs, so only conditions that can
  // never hold for a NULL outer value qualify.
  std::vector<std::string> outer;
  for (const auto& condition : sub.correlation) {
    const auto* comparison = condition.As<BinaryNode>();
    if (comparison == nullptr || comparison->op < Operator::kEq || comparison->op > Operator::kGtEq ||
        !NullPropagating(comparison->left) || !NullPropagating(comparison->right)) {
      return std::nullopt;
    }
    OuterColumns(condition, &outer);
  }
  OuterValueMatch out;
  std::vector<Expr> distinct_columns, inner_on;
  for (size_t i = 0; i < outer.size(); ++i) {
    const std::string key = prefix + "o" + std::to_string(i);
    distinct_columns.push_back(Alias(Col(outer[i]), key));
    out.back_on.push_back(Binary(Col(outer[i]), Operator::kEq, Col(key)));
    out.group.push_back(Col(key));
  }
  for (const auto& condition : sub.correlation) {
    inner_on.push_back(Transform(condition, [&](const Expr& e) -> std::optional<Expr> {
      const auto* column = e.As<ColumnNode>();
      if (column == nullptr || !column->relation || *column->relation != kOuterRelation) return std::nullopt;
      return Col(prefix + "o" + std::to_string(std::find(outer.begin(), outer.end(), column->name) - outer.begin()));
    }));
  }
  FERRY_ASSIGN_OR_RAISE(auto keys, plan::Project(outer_plan, distinct_columns));
  FERRY_ASSIGN_OR_RAISE(keys, plan::Distinct(keys));
  const auto& schema = *sub.relation.plan->schema;
  std::vector<Expr> columns{Alias(value, prefix + "x")};
  for (int i = sub.visible; i < schema.num_fields(); ++i) columns.push_back(Col(schema.field(i)->name()));
  FERRY_ASSIGN_OR_RAISE(auto rows, plan::Project(sub.relation.plan, columns));
  FERRY_ASSIGN_OR_RAISE(out.matched, plan::JoinOn(keys, rows, JoinType::kInner, inner_on));
  return std::optional<OuterValueMatch>(std::move(out));
}

}  // namespace ferry::sql
