// FROM items: tables (and views, CTEs), subqueries with aliases and column
// aliases, and explicit JOIN trees (ON, USING, NATURAL; inner, outer, cross).

#include <algorithm>

#include "ferry/exec/tables.h"
#include "ferry/plan/rewrite.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

Scope ScopeOf(const arrow::Schema& schema, const std::string& qualifier) {
  Scope scope;
  for (int i = 0; i < schema.num_fields(); ++i) {
    scope.columns.push_back({qualifier, schema.field(i)->name(), i});
  }
  return scope;
}

// `AS alias (a, b, ...)`: the qualifier and, when given, new column names.
Result<Relation> ApplyAlias(Relation relation, const pg_query::Alias& alias, const std::string& fallback) {
  const std::string qualifier = alias.aliasname().empty() ? fallback : alias.aliasname();
  if (alias.colnames_size() > 0) {
    const int count = relation.plan->schema->num_fields();
    if (alias.colnames_size() > count) {
      return Status::Invalid("alias ", qualifier, " names ", alias.colnames_size(),
                             " columns but the relation has ", count);
    }
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) {
      names.push_back(i < alias.colnames_size() ? StringValue(alias.colnames(i))
                                                : relation.plan->schema->field(i)->name());
    }
    FERRY_ASSIGN_OR_RAISE(relation.plan, RenameColumns(relation.plan, names));
  }
  relation.scope = ScopeOf(*relation.plan->schema, qualifier);
  return relation;
}

}  // namespace

Result<PlanPtr> RenameColumns(const PlanPtr& plan, const std::vector<std::string>& names) {
  bool same = true;
  std::vector<Expr> exprs;
  for (int i = 0; i < plan->schema->num_fields(); ++i) {
    const auto& old_name = plan->schema->field(i)->name();
    same = same && old_name == names[i];
    exprs.push_back(old_name == names[i] ? Col(old_name) : Alias(Col(old_name), names[i]));
  }
  if (same) return plan;
  return plan::Project(plan, std::move(exprs));
}

Result<Relation> QueryBinder::OneRow() {
  auto schema = arrow::schema({arrow::field("__one_row", arrow::int8(), false)});
  ARROW_ASSIGN_OR_RAISE(auto column, arrow::MakeArrayFromScalar(arrow::Int8Scalar(0), 1));
  auto batch = arrow::RecordBatch::Make(schema, 1, {column});
  FERRY_ASSIGN_OR_RAISE(auto table, MakeMemoryTable(schema, {{batch}}));
  FERRY_ASSIGN_OR_RAISE(auto plan, plan::Scan("one_row", table));
  return Relation{plan, Scope{}};
}

Result<Relation> QueryBinder::BindTableRef(const pg_query::Node& node, const OuterScope* outer) {
  switch (node.node_case()) {
    case pg_query::Node::kRangeVar:
      return BindRangeVar(node.range_var());
    case pg_query::Node::kJoinExpr:
      return BindJoin(node.join_expr(), outer);
    case pg_query::Node::kRangeSubselect: {
      const auto& sub = node.range_subselect();
      FERRY_ASSIGN_OR_RAISE(auto relation, BindQuery(sub.subquery(), nullptr));
      return ApplyAlias(std::move(relation), sub.alias(), "");
    }
    case pg_query::Node::kRangeFunction:
      return Status::NotImplemented("table functions in FROM are not supported");
    default:
      return Status::NotImplemented("unsupported FROM item: ", NodeKind(node));
  }
}

bool IsLateral(const pg_query::Node& node) {
  return node.has_range_subselect() && node.range_subselect().lateral();
}

Result<PlanPtr> PadLateral(const PlanPtr& joined, const LateralPadding& padding,
                           const std::vector<std::string>& names) {
  if (padding.marker.empty() && padding.computed.empty()) return joined;
  std::vector<Expr> columns;
  for (const auto& field : joined->schema->fields()) {
    const size_t at = std::find(names.begin(), names.end(), field->name()) - names.begin();
    if (at < padding.computed.size() && padding.computed[at]) {
      columns.push_back(Alias(*padding.computed[at], field->name()));
    } else if (at < padding.fills.size() && padding.fills[at] && !padding.marker.empty()) {
      columns.push_back(Alias(Case(std::nullopt, {{IsNull(Col(padding.marker)), *padding.fills[at]}},
                                   Col(field->name())),
                              field->name()));
    } else {
      columns.push_back(Col(field->name()));
    }
  }
  return plan::Project(joined, std::move(columns));
}

Result<Relation> QueryBinder::BindLateral(const pg_query::Node& node, const Relation& prior,
                                          std::vector<Expr>* conditions, std::optional<LateralPadding>* padding) {
  // Correlated like a subquery in WHERE, with `prior` (the FROM items
  // before it) as the enclosing query: its conditions on them come back as
  // join conditions over its exposed columns, so it is a join, never run
  // per row (what DuckDB and DataFusion do).
  const auto& sub = node.range_subselect();
  if (!sub.subquery().has_select_stmt()) return Status::NotImplemented("LATERAL over ", NodeKind(sub.subquery()));
  OuterScope scope{&prior};
  const std::string prefix = NextPrefix();
  const auto* enclosing_lateral = lateral_stmt_;
  lateral_stmt_ = &sub.subquery().select_stmt();
  auto bound = BindSelect(sub.subquery().select_stmt(), &scope, prefix);
  lateral_stmt_ = enclosing_lateral;
  FERRY_ASSIGN_OR_RAISE(auto result, std::move(bound));
  if (std::any_of(result.deferred.begin(), result.deferred.end(), [](const auto& d) { return d.has_value(); })) {
    LateralPadding pad;
    pad.computed = result.deferred;
    *padding = std::move(pad);
  }
  if (result.correlated_global_aggregate) {
    // A row for every outer row: left-joined and padded. HAVING or LIMIT
    // could drop that row, which padding would bring back.
    const auto& select = sub.subquery().select_stmt();
    if (select.has_having_clause() || select.has_limit_count() || select.has_limit_offset()) {
      return Status::NotImplemented("unsupported: a LATERAL subquery aggregating without GROUP BY, with ",
                                    select.has_having_clause() ? "HAVING" : "LIMIT/OFFSET",
                                    At(select.target_list_size() > 0 ? select.target_list(0).res_target().location() : -1));
    }
    LateralPadding pad;
    pad.every_outer_row = true;
    pad.fills = result.empty_values;
    pad.fills.resize(result.visible);
    if (std::any_of(pad.fills.begin(), pad.fills.end(), [](const auto& f) { return f.has_value(); })) {
      pad.marker = prefix + "m";  // SelectResult::empty_values
    }
    *padding = std::move(pad);
  }
  if (sub.alias().colnames_size() > result.visible) {
    return Status::Invalid("alias ", sub.alias().aliasname(), " names ", sub.alias().colnames_size(),
                           " columns but the subquery returns ", result.visible);
  }
  for (const auto& condition : result.correlation) conditions->push_back(StripOuter(condition));
  FERRY_ASSIGN_OR_RAISE(auto relation, ApplyAlias(std::move(result.relation), sub.alias(), ""));
  // Its exposed correlation columns stay out of reach by name (and of *).
  std::erase_if(relation.scope.columns, [&](const auto& column) { return column.index >= result.visible; });
  return relation;
}

Result<Relation> QueryBinder::BindRangeVar(const pg_query::RangeVar& range) {
  const std::string& name = range.relname();
  for (auto frame = ctes_.rbegin(); frame != ctes_.rend(); ++frame) {
    auto it = frame->find(name);
    if (it != frame->end()) return ApplyAlias(it->second, range.alias(), name);
  }
  auto plan = catalog_.TablePlan(name);
  if (!plan.ok()) {
    if (!plan.status().IsKeyError()) return plan.status();
    auto candidates = catalog_.TableNames();
    for (const auto& frame : ctes_) {
      for (const auto& [cte, _] : frame) candidates.push_back(cte);
    }
    std::string known;
    for (const auto& candidate : candidates) known += (known.empty() ? "" : ", ") + candidate;
    std::string hint = SuggestNames(name, candidates);
    return Status::KeyError("table '", name, "' not found", At(range.location()),
                            hint.empty() ? "; tables: " + (known.empty() ? "(none)" : known) : hint);
  }
  return ApplyAlias(Relation{*plan, Scope{}}, range.alias(), name);
}

namespace {

// An outer join's ON conjuncts that read only the side it pads with NULLs
// (B.x > 0 in A LEFT JOIN B ON ... AND B.x > 0) filter that side before the
// join: the same rows match, and the filter reaches the scan instead of
// running on every matching pair (TPC-H Q13). `on` is over `both`, the two
// sides' columns as the join's condition sees them; the rest is returned.
Result<std::vector<Expr>> PushIntoPaddedSide(JoinType type, const arrow::Schema& both, int num_left,
                                             std::vector<Expr> on, PlanPtr* left, PlanPtr* right) {
  if (type != JoinType::kLeft && type != JoinType::kRight) return on;
  const bool into_right = type == JoinType::kLeft;
  PlanPtr* side = into_right ? right : left;
  const int offset = into_right ? num_left : 0;
  std::vector<Expr> rest, pushed;
  for (const auto& e : on) {
    for (auto& conjunct : SplitConjunction(e)) {
      auto columns = ReferencedColumns(conjunct, both);
      bool only_side = columns && !columns->empty() && !IsVolatile(conjunct);
      for (int index : columns ? *columns : std::set<int>{}) {
        only_side = only_side && (index >= num_left) == into_right;
      }
      // Back to the side's own names (a right name the left has is suffixed).
      std::optional<Expr> own;
      if (only_side) {
        own = ReplaceColumns(conjunct, both, [&](int index) -> std::optional<Expr> {
          return Col((*side)->schema->field(index - offset)->name());
        });
      }
      (own ? pushed : rest).push_back(own ? *own : conjunct);
    }
  }
  if (auto predicate = Conjoin(pushed)) {
    FERRY_ASSIGN_OR_RAISE(*side, plan::Filter(*side, *predicate));
  }
  return rest;
}

}  // namespace

Result<Relation> QueryBinder::BindJoin(const pg_query::JoinExpr& join, const OuterScope* outer) {
  if (join.has_alias() && !join.alias().aliasname().empty()) {
    return Status::NotImplemented("an alias on a JOIN is not supported; use a subquery");
  }
  JoinType type;
  switch (join.jointype()) {
    case pg_query::JOIN_INNER: type = JoinType::kInner; break;
    case pg_query::JOIN_LEFT: type = JoinType::kLeft; break;
    case pg_query::JOIN_RIGHT: type = JoinType::kRight; break;
    case pg_query::JOIN_FULL: type = JoinType::kFull; break;
    default: return Status::NotImplemented("unsupported join type");
  }
  FERRY_ASSIGN_OR_RAISE(auto left, BindTableRef(join.larg(), outer));
  std::vector<Expr> on;  // over `both`, the two sides' columns
  Relation right;
  std::optional<LateralPadding> padding;
  std::vector<Expr> padded_filter;  // an INNER JOIN's ON over a padded LATERAL
  if (IsLateral(join.rarg())) {
    if (type != JoinType::kInner && type != JoinType::kLeft) {
      return Status::Invalid("a LATERAL subquery can only be joined by an INNER or LEFT JOIN");
    }
    FERRY_ASSIGN_OR_RAISE(right, BindLateral(join.rarg(), left, &on, &padding));
    if (padding) {
      // Padded (one row per outer row, left-joined) or computed after the
      // join: an INNER JOIN's condition then filters (it reads those
      // values), a LEFT JOIN's would have to pad again.
      const bool on_true = !join.has_quals() || (join.quals().has_a_const() && join.quals().a_const().has_boolval() &&
                                                 join.quals().a_const().boolval().boolval());
      if (type == JoinType::kLeft && !on_true) {
        return Status::NotImplemented("unsupported: a LATERAL subquery ",
                                      padding->every_outer_row ? "aggregating without GROUP BY"
                                                               : "whose select list reads the items before it",
                                      " in a LEFT JOIN ON a condition (use ON true, or an INNER JOIN)");
      }
      if (padding->every_outer_row) type = JoinType::kLeft;
    }
  } else {
    FERRY_ASSIGN_OR_RAISE(right, BindTableRef(join.rarg(), outer));
  }
  FERRY_ASSIGN_OR_RAISE(Relation both, CrossJoin({left, right}));
  const int num_left = left.plan->schema->num_fields();
  // USING / NATURAL: the shared names, matched by equality, appear once.
  std::vector<std::pair<int, int>> shared;  // (left index, right index) in `both`
  std::vector<std::string> shared_names;
  if (join.is_natural()) {
    for (const auto& column : left.scope.columns) {
      if (column.qualified_only) continue;
      FERRY_ASSIGN_OR_RAISE(auto match, right.scope.Find(std::nullopt, column.name));
      if (match) shared_names.push_back(column.name);
    }
  }
  for (const auto& name : join.using_clause()) shared_names.push_back(StringValue(name));
  for (const auto& name : shared_names) {
    FERRY_ASSIGN_OR_RAISE(auto l, left.scope.Find(std::nullopt, name));
    FERRY_ASSIGN_OR_RAISE(auto r, right.scope.Find(std::nullopt, name));
    if (!l || !r) {
      return Status::KeyError("USING column '", name, "' is not in both sides of the join");
    }
    shared.emplace_back(*l, *r + num_left);
    on.push_back(Binary(Col(both.plan->schema->field(*l)->name()), Operator::kEq,
                        Col(both.plan->schema->field(*r + num_left)->name())));
  }
  if (join.has_quals()) {
    std::vector<PendingJoin> pending;
    ExprBinder binder(*this, ExprContext{&both, outer, &pending, false, false, "JOIN ... ON"});
    FERRY_ASSIGN_OR_RAISE(auto condition, binder.Bind(join.quals()));
    if (!pending.empty() || HasOuterReference(condition)) {
      return Status::NotImplemented("subqueries and outer references in JOIN ... ON are not supported");
    }
    (padding ? padded_filter : on).push_back(condition);
  }
  PlanPtr left_plan = left.plan, right_plan = right.plan;
  FERRY_ASSIGN_OR_RAISE(on, PushIntoPaddedSide(type, *both.plan->schema, num_left, std::move(on),
                                               &left_plan, &right_plan));
  FERRY_ASSIGN_OR_RAISE(on, AlignKeyTypes(&left_plan, &right_plan, std::move(on)));
  FERRY_ASSIGN_OR_RAISE(auto plan, plan::JoinOn(left_plan, right_plan, type, on));
  Relation out{plan, both.scope};
  if (left_plan != left.plan) {
    // Cast key columns appended to the left shift the right's columns.
    const int added = left_plan->schema->num_fields() - num_left;
    for (auto& column : out.scope.columns) {
      if (column.index >= num_left) column.index += added;
    }
    for (auto& [l, r] : shared) r += added;
  }
  if (padding) {
    std::vector<std::string> names;
    for (int j = 0; j < right.plan->schema->num_fields(); ++j) {
      names.push_back(plan->schema->field(left_plan->schema->num_fields() + j)->name());
    }
    FERRY_ASSIGN_OR_RAISE(out.plan, PadLateral(plan, *padding, names));
    if (auto condition = Conjunction(padded_filter)) {
      FERRY_ASSIGN_OR_RAISE(out.plan, plan::Filter(out.plan, *condition));
    }
    plan = out.plan;
  }
  if (shared.empty()) return out;
  // Which copy the plain name means: the left's, the right's for a right
  // join, for a full join the first non-NULL of the two.
  std::vector<Expr> extra;
  for (size_t i = 0; i < shared.size(); ++i) {
    auto [l, r] = shared[i];
    for (auto& column : out.scope.columns) {
      if (column.index == l || column.index == r) column.qualified_only = true;
    }
    int visible = type == JoinType::kRight ? r : l;
    if (type == JoinType::kFull) {
      FERRY_ASSIGN_OR_RAISE(auto coalesce, catalog_.functions().GetScalar("coalesce"));
      const std::string name = NextPrefix() + shared_names[i];
      extra.push_back(Alias(ScalarCall(coalesce, "coalesce",
                                       {Col(plan->schema->field(l)->name()),
                                        Col(plan->schema->field(r)->name())}),
                            name));
      visible = plan->schema->num_fields() + static_cast<int>(extra.size()) - 1;
    }
    out.scope.columns.push_back({"", shared_names[i], visible, false});
  }
  if (!extra.empty()) {
    std::vector<Expr> exprs;
    for (const auto& field : plan->schema->fields()) exprs.push_back(Col(field->name()));
    for (auto& e : extra) exprs.push_back(std::move(e));
    FERRY_ASSIGN_OR_RAISE(out.plan, plan::Project(plan, std::move(exprs)));
  }
  // The shared columns come first in `*`, as in PostgreSQL.
  std::rotate(out.scope.columns.begin(), out.scope.columns.end() - shared.size(),
              out.scope.columns.end());
  return out;
}

}  // namespace ferry::sql
