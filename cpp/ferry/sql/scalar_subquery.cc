// A scalar subquery, decorrelated into a left join with its one row (per
// correlation key). Where the binder cannot prove the subquery yields at
// most one row (an aggregate grouped by its correlation keys alone, LIMIT 1,
// no FROM), its rows are counted per key beside one of their values, and
// scalar_subquery_value() fails the query where an outer row meets a count
// above 1: PostgreSQL's "more than one row returned by a subquery used as an
// expression", without running the subquery per row. The count is checked
// after the join, so keys no outer row has never fail (as in PostgreSQL and
// DuckDB). Correlated by other conditions than `inner = outer`, the count is
// per distinct outer value the conditions read (CountPerOuterRow).

#include <algorithm>

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

// (outer side, inner side) of `outer = inner`, either way round, or nullopt.
std::optional<std::pair<Expr, Expr>> SplitCorrelation(const Expr& condition) {
  const auto* eq = condition.As<BinaryNode>();
  if (eq == nullptr || eq->op != Operator::kEq) return std::nullopt;
  const bool left_outer = HasOuterReference(eq->left), right_outer = HasOuterReference(eq->right);
  if (left_outer == right_outer) return std::nullopt;
  if (left_outer) return std::make_pair(StripOuter(eq->left), eq->right);
  return std::make_pair(StripOuter(eq->right), eq->left);
}

}  // namespace

// Whether `expr` is NULL whenever a column it reads is: columns,
// literals, arithmetic, casts and negation only.
bool NullPropagating(const Expr& expr) {
  if (expr.As<ColumnNode>() || expr.As<LiteralNode>()) return true;
  if (const auto* cast = expr.As<CastNode>()) return NullPropagating(cast->expr);
  if (const auto* negative = expr.As<NegativeNode>()) return NullPropagating(negative->expr);
  const auto* binary = expr.As<BinaryNode>();
  if (binary == nullptr || binary->op == Operator::kAnd || binary->op == Operator::kOr) return false;
  return NullPropagating(binary->left) && NullPropagating(binary->right);
}

// The columns of the enclosing query `expr` reads, in order of appearance.
void OuterColumns(const Expr& expr, std::vector<std::string>* out) {
  if (const auto* column = expr.As<ColumnNode>()) {
    if (column->relation && *column->relation == kOuterRelation &&
        std::find(out->begin(), out->end(), column->name) == out->end()) {
      out->push_back(column->name);
    }
    return;
  }
  for (const auto& child : Children(expr)) OuterColumns(child, out);
}

Result<CorrelationKeys> GroupableCorrelation(const QueryBinder& query, const SelectResult& sub,
                                             const std::string& prefix, const std::string& what) {
  CorrelationKeys out;
  for (const auto& condition : sub.correlation) {
    auto sides = SplitCorrelation(condition);
    if (!sides) {
      return Status::NotImplemented("unsupported: ", what, " correlated by ", query.ShowAsWritten(condition),
                                    "; only `inner = outer` conditions are supported there");
    }
    const std::string key = prefix + "g" + std::to_string(out.keys.size());
    out.inner_columns.push_back(Alias(sides->second, key));
    out.keys.push_back(Col(key));
    out.on.push_back(Binary(sides->first, Operator::kEq, Col(key)));
  }
  return out;
}

Result<Expr> ExprBinder::BindScalarSubquery(const pg_query::SubLink& link) {
  std::string prefix;
  FERRY_ASSIGN_OR_RAISE(auto sub, BindSubquery(link.subselect(), &prefix));
  if (sub.visible != 1) {
    return Status::Invalid("a scalar subquery must return one column, this one returns ", sub.visible);
  }
  const auto& schema = *sub.relation.plan->schema;
  const Expr value = Col(schema.field(0)->name());
  if (sub.at_most_one_row) {
    std::vector<Expr> on;
    for (const auto& condition : sub.correlation) on.push_back(StripOuter(condition));
    std::vector<Expr> columns{Alias(value, prefix + "v")};
    for (int i = sub.visible; i < schema.num_fields(); ++i) columns.push_back(Col(schema.field(i)->name()));
    FERRY_ASSIGN_OR_RAISE(auto right, plan::Project(sub.relation.plan, columns));
    ctx_.pending->push_back({right, JoinType::kLeft, on, std::nullopt});
    if (!sub.empty_values.empty() && sub.empty_values[0]) {
      return Case(std::nullopt, {{IsNull(Col(prefix + "m")), *sub.empty_values[0]}}, Col(prefix + "v"));
    }
    return Col(prefix + "v");
  }

  // Its rows counted per correlation key (inner side of each `outer =
  // inner`), one value kept beside the count.
  const std::string what = "a scalar subquery that may return several rows" + query_.At(link.location()) + ",";
  auto correlation = GroupableCorrelation(query_, sub, prefix, what);
  if (!correlation.ok()) {
    FERRY_ASSIGN_OR_RAISE(auto counted, CountPerOuterRow(sub, prefix, value));
    if (!counted) return correlation.status();
    return ScalarSubqueryValue(prefix, link);
  }
  std::vector<Expr> columns{Alias(value, prefix + "x")};
  for (auto& e : correlation->inner_columns) columns.push_back(e);
  const std::vector<Expr>& keys = correlation->keys;
  PlanPtr rows = sub.relation.plan;
  if (keys.empty()) {
    FERRY_ASSIGN_OR_RAISE(rows, plan::Limit(rows, 0, 2));  // a second row decides
  }
  FERRY_ASSIGN_OR_RAISE(rows, plan::Project(rows, columns));
  const auto& functions = query_.catalog().functions();
  FERRY_ASSIGN_OR_RAISE(auto first, functions.GetAggregate("first_value"));
  FERRY_ASSIGN_OR_RAISE(auto count, functions.GetAggregate("count"));
  FERRY_ASSIGN_OR_RAISE(auto counted,
                        plan::Aggregate(rows, keys,
                                        {Alias(AggregateCall(first, "first_value", {Col(prefix + "x")}), prefix + "v"),
                                         Alias(AggregateCall(count, "count", {}), prefix + "n")}));
  ctx_.pending->push_back({counted, JoinType::kLeft, correlation->on, std::nullopt});
  return ScalarSubqueryValue(prefix, link);
}

Result<Expr> ExprBinder::ScalarSubqueryValue(const std::string& prefix, const pg_query::SubLink& link) {
  FERRY_ASSIGN_OR_RAISE(auto check, query_.catalog().functions().GetScalar("scalar_subquery_value"));
  std::string where = query_.At(link.location());
  where = where.empty() ? "a scalar subquery" : "the scalar subquery" + where;
  return ScalarCall(check, "scalar_subquery_value",
                    {Col(prefix + "v"), Col(prefix + "n"), Lit(std::make_shared<arrow::StringScalar>(where))});
}

Result<bool> ExprBinder::CountPerOuterRow(const SelectResult& sub, const std::string& prefix, const Expr& value) {
  FERRY_ASSIGN_OR_RAISE(auto match, MatchOuterValues(ctx_.input->plan, sub, prefix, value));
  if (!match) return false;
  const auto& functions = query_.catalog().functions();
  FERRY_ASSIGN_OR_RAISE(auto first, functions.GetAggregate("first_value"));
  FERRY_ASSIGN_OR_RAISE(auto count, functions.GetAggregate("count"));
  FERRY_ASSIGN_OR_RAISE(auto counted,
                        plan::Aggregate(match->matched, match->group,
                                        {Alias(AggregateCall(first, "first_value", {Col(prefix + "x")}), prefix + "v"),
                                         Alias(AggregateCall(count, "count", {}), prefix + "n")}));
  ctx_.pending->push_back({counted, JoinType::kLeft, match->back_on, std::nullopt});
  return true;
}

}  // namespace ferry::sql
