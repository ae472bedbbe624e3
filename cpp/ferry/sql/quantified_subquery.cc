// x <op> ANY (subquery) and x <op> ALL (subquery): answered from one row
// of the subquery's count(*), count(v), min(v) and max(v) (correlated: one
// row per correlation key, grouped by the inner sides of its `inner =
// outer` conditions and left-joined on them; no row is an empty subquery),
// with SQL's three-valued rules (an empty subquery makes ALL true and ANY
// false; a NULL x, or NULLs in the subquery where no value decides, give
// NULL). `= ANY` is IN and `<> ALL` is NOT IN (subquery_binder.cc).
// Correlated by other comparisons, the subquery's rows are matched to the
// distinct outer values they read first (outer_values.cc).

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

Expr Boolean(bool value) { return Lit(std::make_shared<arrow::BooleanScalar>(value)); }

}  // namespace

Result<Expr> ExprBinder::BindQuantified(const pg_query::SubLink& link) {
  const bool all = link.sub_link_type() == pg_query::ALL_SUBLINK;
  const std::string op = link.oper_name_size() > 0 ? StringValue(link.oper_name(0)) : "=";
  FERRY_ASSIGN_OR_RAISE(auto x, Bind(link.testexpr()));
  std::string prefix;
  FERRY_ASSIGN_OR_RAISE(auto sub, BindSubquery(link.subselect(), &prefix));
  if (sub.visible != 1) {
    return Status::Invalid("an ", all ? "ALL" : "ANY", " subquery must return one column, this one returns ",
                           sub.visible);
  }
  const auto& registry = query_.catalog().functions();
  FERRY_ASSIGN_OR_RAISE(auto count, registry.GetAggregate("count"));
  FERRY_ASSIGN_OR_RAISE(auto min, registry.GetAggregate("min"));
  FERRY_ASSIGN_OR_RAISE(auto max, registry.GetAggregate("max"));
  const Expr v = Col(prefix + "v");
  if (sub.correlated_global_aggregate) {
    // It has a row (of NULLs) even for keys with no inner rows; grouping
    // by the keys has none, which would read as an empty subquery.
    return Status::NotImplemented("unsupported: a correlated ", all ? "ALL" : "ANY",
                                  " subquery over an aggregate without GROUP BY", query_.At(link.location()));
  }
  const std::vector<Expr> stats_columns{
      Alias(AggregateCall(count, "count", {}), prefix + "n"), Alias(AggregateCall(count, "count", {v}), prefix + "nn"),
      Alias(AggregateCall(min, "min", {v}), prefix + "min"), Alias(AggregateCall(max, "max", {v}), prefix + "max")};
  const std::string what = std::string("a correlated ") + (all ? "ALL" : "ANY") + " subquery" + query_.At(link.location());
  auto correlation = GroupableCorrelation(query_, sub, prefix, what);
  if (correlation.ok()) {
    std::vector<Expr> columns{Alias(Col(sub.relation.plan->schema->field(0)->name()), prefix + "v")};
    for (auto& e : correlation->inner_columns) columns.push_back(e);
    FERRY_ASSIGN_OR_RAISE(auto values, plan::Project(sub.relation.plan, columns));
    FERRY_ASSIGN_OR_RAISE(auto stats, plan::Aggregate(values, correlation->keys, stats_columns));
    const bool correlated = !correlation->on.empty();
    ctx_.pending->push_back({stats, correlated ? JoinType::kLeft : JoinType::kInner, correlation->on, std::nullopt});
  } else {
    // Correlated by other comparisons (u.v < t.v): the stats per distinct
    // outer value those read; an outer value no inner row meets (NULL
    // among them) has none, an empty subquery.
    FERRY_ASSIGN_OR_RAISE(auto match, MatchOuterValues(ctx_.input->plan, sub, prefix,
                                                       Col(sub.relation.plan->schema->field(0)->name())));
    if (!match) {
      return Status::NotImplemented("unsupported: ", what, " correlated by ",
                                    query_.ShowAsWritten(*Conjunction(sub.correlation)),
                                    "; only comparisons (=, <, <=, ...) of columns, constants, arithmetic and ",
                                    "casts, joined by AND, are supported there");
    }
    FERRY_ASSIGN_OR_RAISE(auto values, plan::Project(match->matched, [&] {
      std::vector<Expr> columns{Alias(Col(prefix + "x"), prefix + "v")};
      for (const auto& key : match->group) columns.push_back(key);
      return columns;
    }()));
    FERRY_ASSIGN_OR_RAISE(auto stats, plan::Aggregate(values, match->group, stats_columns));
    ctx_.pending->push_back({stats, JoinType::kLeft, match->back_on, std::nullopt});
  }
  const Expr n = Col(prefix + "n"), nn = Col(prefix + "nn");
  const Expr lo = Col(prefix + "min"), hi = Col(prefix + "max");
  // `decided`: some non-NULL value settles the answer (a violation for
  // ALL, a match for ANY).
  std::optional<Expr> decided;
  const bool greater = op == ">" || op == ">=";
  const bool less = op == "<" || op == "<=";
  if (greater || less) {
    const Operator cmp = op == ">" ? Operator::kGt : op == ">=" ? Operator::kGtEq
                       : op == "<" ? Operator::kLt : Operator::kLtEq;
    // ALL x > s for every s: compare with the largest; ANY: the smallest.
    const Expr& bound = (greater == all) ? hi : lo;
    Expr holds = Binary(x, cmp, bound);
    decided = all ? Not(holds) : holds;
  } else if (op == "=" && all) {
    decided = Binary(Binary(x, Operator::kNotEq, lo), Operator::kOr, Binary(x, Operator::kNotEq, hi));
  } else if ((op == "<>" || op == "!=") && !all) {
    decided = Binary(Binary(x, Operator::kNotEq, lo), Operator::kOr, Binary(x, Operator::kNotEq, hi));
  } else {
    return Status::NotImplemented("'", op, all ? " ALL" : " ANY",
                                  "' with a subquery is supported only as a WHERE condition");
  }
  auto null_bool = Cast(Lit(std::make_shared<arrow::NullScalar>()), arrow::boolean());
  auto zero = Lit(std::make_shared<arrow::Int64Scalar>(0));
  return Case(std::nullopt,
              {{Binary(IsNull(n), Operator::kOr, Binary(n, Operator::kEq, zero)), Boolean(all)},
               {IsNull(x), null_bool},
               {Binary(Binary(nn, Operator::kGt, zero), Operator::kAnd, *decided), Boolean(!all)},
               {Binary(nn, Operator::kLt, n), null_bool}},
              Boolean(all));
}

}  // namespace ferry::sql
