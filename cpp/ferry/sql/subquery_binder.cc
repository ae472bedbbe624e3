// Subqueries, decorrelated into joins as DataFusion and DuckDB do, never run
// per row: EXISTS / IN in a WHERE conjunct become semi joins (NOT: anti
// joins, NOT IN with SQL's NULL rules), scalar subqueries a left join with
// the subquery's one row (per correlation key, grouped by it), EXISTS / IN
// elsewhere a left join with the distinct matches, marked.
//
// A correlated subquery's conditions on the enclosing query's columns are
// pulled out of its WHERE clause by the select binder and come back here as
// join conditions over its exposed "__sq<N>_..." columns.

#include <atomic>

#include "ferry/function/bind.h"
#include "ferry/plan/rewrite.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

Expr Boolean(bool value) { return Lit(std::make_shared<arrow::BooleanScalar>(value)); }

std::vector<Expr> Stripped(const std::vector<Expr>& exprs) {
  std::vector<Expr> out;
  for (const auto& e : exprs) out.push_back(StripOuter(e));
  return out;
}

// The exposed correlation columns of a bound subquery (after its visible ones).
std::vector<Expr> ExposedColumns(const SelectResult& sub) {
  std::vector<Expr> out;
  const auto& schema = *sub.relation.plan->schema;
  for (int i = sub.visible; i < schema.num_fields(); ++i) out.push_back(Col(schema.field(i)->name()));
  return out;
}

Status RefuseGlobalAggregate(const SelectResult& sub) {
  if (!sub.correlated_global_aggregate) return Status::OK();
  return Status::NotImplemented("EXISTS / IN over a correlated aggregate without GROUP BY is not ",
                                "supported (it has a row for every outer row)");
}

bool AllEqualities(const std::vector<Expr>& correlation) {
  for (const auto& c : correlation) {
    const auto* eq = c.As<BinaryNode>();
    if (eq == nullptr || eq->op != Operator::kEq) return false;
  }
  return true;
}

}  // namespace

Result<PlanPtr> JoinWithoutKeys(PlanPtr left, PlanPtr right, JoinType type) {
  // Both sides get the same constant as a key: a hash join whose inputs
  // projection pushdown can still prune (it keeps those of key-less joins
  // whole), with the one-row side as its build side.
  static std::atomic<int64_t> next{0};
  const std::string name = "__sqk" + std::to_string(next++);
  auto with_key = [&](const PlanPtr& plan, const std::string& key) -> Result<PlanPtr> {
    std::vector<Expr> columns;
    for (const auto& field : plan->schema->fields()) columns.push_back(Col(field->name()));
    columns.push_back(Alias(Lit(std::make_shared<arrow::Int64Scalar>(0)), key));
    return plan::Project(plan, columns);
  };
  FERRY_ASSIGN_OR_RAISE(left, with_key(left, name + "l"));
  FERRY_ASSIGN_OR_RAISE(right, with_key(right, name + "r"));
  return plan::JoinOn(left, right, type, {Binary(Col(name + "l"), Operator::kEq, Col(name + "r"))});
}

Result<PlanPtr> AttachPending(PlanPtr plan, std::vector<PendingJoin>* pending) {
  for (auto& join : *pending) {
    if (join.on.empty()) {
      FERRY_ASSIGN_OR_RAISE(plan, JoinWithoutKeys(plan, join.right, join.type));
      continue;
    }
    FERRY_ASSIGN_OR_RAISE(plan, plan::JoinOn(plan, join.right, join.type, join.on));
    if (join.then_filter) {
      FERRY_ASSIGN_OR_RAISE(plan, plan::Filter(plan, *join.then_filter));
    }
  }
  pending->clear();
  return plan;
}

Result<SelectResult> ExprBinder::BindSubquery(const pg_query::Node& subselect, std::string* prefix) {
  if (!subselect.has_select_stmt()) return Status::NotImplemented("subquery is not a SELECT");
  *prefix = query_.NextPrefix();
  OuterScope outer{ctx_.input};
  if (ctx_.outer != nullptr) {
    // Two levels up is beyond this decorrelation: bind against the nearest.
  }
  return query_.BindSelect(subselect.select_stmt(), &outer, *prefix);
}

Result<Expr> ExprBinder::BindSubLink(const pg_query::SubLink& link) {
  if (ctx_.pending == nullptr) return Status::NotImplemented("subqueries are not supported in ", ctx_.clause);
  std::string prefix;
  switch (link.sub_link_type()) {
    case pg_query::EXPR_SUBLINK:
      return BindScalarSubquery(link);
    case pg_query::ALL_SUBLINK:
      return BindQuantified(link);
    case pg_query::EXISTS_SUBLINK:
    case pg_query::ANY_SUBLINK: {
      const bool exists = link.sub_link_type() == pg_query::EXISTS_SUBLINK;
      if (!exists && link.oper_name_size() > 0 && StringValue(link.oper_name(0)) != "=") {
        return BindQuantified(link);
      }
      std::optional<Expr> value;
      if (!exists) {
        FERRY_ASSIGN_OR_RAISE(auto bound, Bind(link.testexpr()));
        value = bound;
      }
      FERRY_ASSIGN_OR_RAISE(auto sub, BindSubquery(link.subselect(), &prefix));
      FERRY_RETURN_NOT_OK(RefuseGlobalAggregate(sub));
      if (!exists && sub.visible != 1) {
        return Status::Invalid("an IN subquery must return one column, this one returns ", sub.visible);
      }
      if (!AllEqualities(sub.correlation)) {
        return Status::NotImplemented("a correlated EXISTS/IN with non-equality conditions is supported ",
                                      "only as a WHERE conjunct");
      }
      // Left join with the distinct matching keys, and a mark that says
      // whether one matched.
      std::vector<Expr> columns;
      std::vector<Expr> on = Stripped(sub.correlation);
      if (value) {
        columns.push_back(Alias(Col(sub.relation.plan->schema->field(0)->name()), prefix + "v"));
        on.push_back(Binary(*value, Operator::kEq, Col(prefix + "v")));
      }
      for (auto& e : ExposedColumns(sub)) columns.push_back(e);
      columns.push_back(Alias(Boolean(true), prefix + "mark"));
      FERRY_ASSIGN_OR_RAISE(auto right, plan::Project(sub.relation.plan, columns));
      FERRY_ASSIGN_OR_RAISE(right, plan::Distinct(right));
      ctx_.pending->push_back({right, JoinType::kLeft, on, std::nullopt});
      Expr matched = IsNull(Col(prefix + "mark"), true);
      if (exists) return matched;
      // x IN (...) is NULL, not false, when x is NULL or the subquery has
      // NULLs, and nothing matched; false when the subquery is empty. Its
      // rows and non-NULL values are counted once (per correlation key).
      FERRY_ASSIGN_OR_RAISE(auto count, query_.catalog().functions().GetAggregate("count"));
      std::vector<Expr> stats_columns{Alias(Col(sub.relation.plan->schema->field(0)->name()), prefix + "v")};
      std::vector<Expr> stats_keys, renamed;
      for (auto& e : ExposedColumns(sub)) {
        const std::string name = e.As<ColumnNode>()->name;
        stats_columns.push_back(e);
        stats_keys.push_back(e);
        renamed.push_back(Alias(e, name + "_s"));
      }
      FERRY_ASSIGN_OR_RAISE(auto values, plan::Project(sub.relation.plan, stats_columns));
      FERRY_ASSIGN_OR_RAISE(auto stats, plan::Aggregate(values, stats_keys,
          {Alias(AggregateCall(count, "count", {}), prefix + "n"),
           Alias(AggregateCall(count, "count", {Col(prefix + "v")}), prefix + "nn")}));
      std::vector<Expr> stats_on;
      if (!renamed.empty()) {
        renamed.push_back(Col(prefix + "n"));
        renamed.push_back(Col(prefix + "nn"));
        FERRY_ASSIGN_OR_RAISE(stats, plan::Project(stats, renamed));
        for (const auto& condition : Stripped(sub.correlation)) {
          stats_on.push_back(Transform(condition, [&](const Expr& e) -> std::optional<Expr> {
            const auto* column = e.As<ColumnNode>();
            if (column && column->name.rfind(prefix, 0) == 0) return Col(column->name + "_s");
            return std::nullopt;
          }));
        }
      }
      ctx_.pending->push_back({stats, sub.correlation.empty() ? JoinType::kInner : JoinType::kLeft,
                               stats_on, std::nullopt});
      auto null_bool = Cast(Lit(std::make_shared<arrow::NullScalar>()), arrow::boolean());
      const Expr n = Col(prefix + "n"), nn = Col(prefix + "nn");
      return Case(std::nullopt,
                  {{matched, Boolean(true)},
                   {Binary(IsNull(n), Operator::kOr,
                           Binary(n, Operator::kEq, Lit(std::make_shared<arrow::Int64Scalar>(0)))),
                    Boolean(false)},
                   {Binary(IsNull(*value), Operator::kOr, Binary(nn, Operator::kLt, n)), null_bool}},
                  Boolean(false));
    }
    default:
      return Status::NotImplemented("unsupported subquery kind (ARRAY, row comparisons)");
  }
}

Result<std::optional<Expr>> ExprBinder::BindConjunct(const pg_query::Node& node) {
  const pg_query::Node* target = &node;
  bool negated = false;
  if (node.has_bool_expr() && node.bool_expr().boolop() == pg_query::NOT_EXPR &&
      node.bool_expr().args_size() == 1 && node.bool_expr().args(0).has_sub_link()) {
    target = &node.bool_expr().args(0);
    negated = true;
  }
  if (target->has_sub_link()) {
    const auto& link = target->sub_link();
    const bool in = link.sub_link_type() == pg_query::ANY_SUBLINK &&
                    (link.oper_name_size() == 0 || StringValue(link.oper_name(0)) == "=");
    if (link.sub_link_type() == pg_query::EXISTS_SUBLINK || in) {
      FERRY_RETURN_NOT_OK(AddSemiJoin(link, negated));
      return std::optional<Expr>();
    }
    // x <> ALL (subquery) is x NOT IN (subquery).
    const std::string op = link.oper_name_size() > 0 ? StringValue(link.oper_name(0)) : "";
    if (link.sub_link_type() == pg_query::ALL_SUBLINK && (op == "<>" || op == "!=")) {
      FERRY_RETURN_NOT_OK(AddSemiJoin(link, !negated));
      return std::optional<Expr>();
    }
  }
  const size_t pending_before = ctx_.pending->size();
  FERRY_ASSIGN_OR_RAISE(auto expr, Bind(node));
  FERRY_ASSIGN_OR_RAISE(bool joined, JoinOnComparison(expr, pending_before));
  if (joined) return std::optional<Expr>();
  return std::optional<Expr>(expr);
}

Result<bool> ExprBinder::JoinOnComparison(const Expr& conjunct, size_t pending_before) {
  // `x = (scalar subquery)` whose subquery has one row per key (its value
  // a bare column of the one join it added): rows it rejects are the ones
  // the left join pads, so an inner join on the correlation and the
  // equality says the same, and gives the optimizer a hash key (as TPC-H
  // Q2's DataFrame form writes it) instead of a filter above every join.
  // Other comparisons stay filters over the join: as join filters they
  // measured slower (TPC-H Q17, Q20), a filter above is what the optimizer
  // and the DataFrame forms handle best.
  if (ctx_.pending->size() != pending_before + 1) return false;
  PendingJoin& join = ctx_.pending->back();
  const auto* comparison = conjunct.As<BinaryNode>();
  if (join.type != JoinType::kLeft || join.then_filter || comparison == nullptr) return false;
  if (comparison->op != Operator::kEq) return false;
  auto is_value = [&](const Expr& e) {
    const auto* column = e.As<ColumnNode>();
    return column != nullptr && !column->relation && join.right->schema->num_fields() > 0 &&
           column->name == join.right->schema->field(0)->name();
  };
  const bool value_right = is_value(comparison->right);
  if (!value_right && !is_value(comparison->left)) return false;
  const Expr& other = value_right ? comparison->left : comparison->right;
  auto reads = ReferencedColumns(other, *ctx_.input->plan->schema);
  if (!reads) return false;  // it reads the subquery's side too
  // Uncorrelated, only `column = value` hashes; the rest stays a filter
  // over the one-row join.
  if (join.on.empty() && other.As<ColumnNode>() == nullptr) return false;
  std::vector<Expr> on = join.on;
  on.push_back(conjunct);
  Relation& input = *ctx_.input;
  FERRY_ASSIGN_OR_RAISE(input.plan, plan::JoinOn(input.plan, join.right, JoinType::kInner, on));
  ctx_.pending->pop_back();
  return true;
}

Status ExprBinder::AddSemiJoin(const pg_query::SubLink& link, bool negated) {
  Relation& input = *ctx_.input;
  std::string prefix;
  const bool exists = link.sub_link_type() == pg_query::EXISTS_SUBLINK;
  std::optional<Expr> value;
  if (!exists) {
    FERRY_ASSIGN_OR_RAISE(auto bound, Bind(link.testexpr()));
    value = bound;
  }
  FERRY_ASSIGN_OR_RAISE(auto sub, BindSubquery(link.subselect(), &prefix));
  FERRY_RETURN_NOT_OK(RefuseGlobalAggregate(sub));
  const JoinType type = negated ? JoinType::kLeftAnti : JoinType::kLeftSemi;
  std::vector<Expr> on = Stripped(sub.correlation);
  if (exists) {
    PlanPtr right = sub.relation.plan;
    if (sub.correlation.empty()) {
      FERRY_ASSIGN_OR_RAISE(right, plan::Limit(right, 0, 1));  // one row decides
      FERRY_ASSIGN_OR_RAISE(input.plan, JoinWithoutKeys(input.plan, right, type));
      return Status::OK();
    } else {
      FERRY_ASSIGN_OR_RAISE(right, plan::Project(right, ExposedColumns(sub)));
    }
    FERRY_ASSIGN_OR_RAISE(input.plan, plan::JoinOn(input.plan, right, type, on));
    return Status::OK();
  }
  if (sub.visible != 1) {
    return Status::Invalid("an IN subquery must return one column, this one returns ", sub.visible);
  }
  // The tested value as a column of the input (a hash key needs a column),
  // and the subquery's column cast to its type.
  FERRY_ASSIGN_OR_RAISE(auto value_type, BindScalar(*value, *input.plan->schema));
  Expr tested = *value;
  if (!value->As<ColumnNode>()) {
    std::vector<Expr> columns;
    for (const auto& field : input.plan->schema->fields()) columns.push_back(Col(field->name()));
    columns.push_back(Alias(*value, prefix + "x"));
    FERRY_ASSIGN_OR_RAISE(input.plan, plan::Project(input.plan, columns));
    tested = Col(prefix + "x");
  }
  const auto& sub_schema = *sub.relation.plan->schema;
  Expr sub_value = Col(sub_schema.field(0)->name());
  if (!sub_schema.field(0)->type()->Equals(*value_type->type())) sub_value = Cast(sub_value, value_type->type());
  std::vector<Expr> columns{Alias(sub_value, prefix + "v")};
  for (auto& e : ExposedColumns(sub)) columns.push_back(e);
  FERRY_ASSIGN_OR_RAISE(auto right, plan::Project(sub.relation.plan, columns));
  const Expr v = Col(prefix + "v");
  // Neither side can be NULL: NOT IN is a plain anti join on equality.
  const bool never_null = NeverNull(*input.plan, tested) && NeverNull(*sub.relation.plan, 0);
  if (!negated || never_null) {
    on.push_back(Binary(tested, Operator::kEq, v));
    FERRY_ASSIGN_OR_RAISE(input.plan, plan::JoinOn(input.plan, right, type, on));
    return Status::OK();
  }
  if (!sub.correlation.empty()) {
    // x NOT IN: no row of the subquery equals x, or is NULL, or faces a NULL x.
    on.push_back(Binary(Binary(Binary(tested, Operator::kEq, v), Operator::kOr, IsNull(tested)),
                        Operator::kOr, IsNull(v)));
    FERRY_ASSIGN_OR_RAISE(input.plan, plan::JoinOn(input.plan, right, type, on));
    return Status::OK();
  }
  // Uncorrelated NOT IN, still hashed: anti join on equality, then keep a
  // row only if the subquery is empty, or x is not NULL and it has no NULLs.
  on.push_back(Binary(tested, Operator::kEq, v));
  FERRY_ASSIGN_OR_RAISE(input.plan, plan::JoinOn(input.plan, right, type, on));
  FERRY_ASSIGN_OR_RAISE(auto count, query_.catalog().functions().GetAggregate("count"));
  FERRY_ASSIGN_OR_RAISE(auto stats, plan::Aggregate(right, {},
      {Alias(AggregateCall(count, "count", {}), prefix + "n"),
       Alias(AggregateCall(count, "count", {v}), prefix + "nn")}));
  FERRY_ASSIGN_OR_RAISE(input.plan, JoinWithoutKeys(input.plan, stats, JoinType::kInner));
  const Expr n = Col(prefix + "n"), nn = Col(prefix + "nn");
  FERRY_ASSIGN_OR_RAISE(
      input.plan,
      plan::Filter(input.plan,
                   Binary(Binary(n, Operator::kEq, Lit(std::make_shared<arrow::Int64Scalar>(0))),
                          Operator::kOr,
                          Binary(IsNull(tested, true), Operator::kAnd, Binary(nn, Operator::kEq, n)))));
  return Status::OK();
}

}  // namespace ferry::sql
