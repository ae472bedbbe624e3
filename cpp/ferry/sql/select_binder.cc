// SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT:
// FROM items joined on the WHERE conjuncts that connect them, the rest of
// WHERE as a filter (subqueries as semi/anti joins), an Aggregate when the
// query groups, HAVING as a filter over it, then the select list (windows
// computed below it by plan::Project), DISTINCT, ORDER BY (by position,
// output name or any expression over the input) and LIMIT/OFFSET.

#include <algorithm>
#include <set>

#include <google/protobuf/reflection.h>

#include "ferry/sql/aggregate_rewrite.h"
#include "ferry/sql/binder_internal.h"
#include "ferry/sql/grouping_sets.h"

namespace ferry::sql {
namespace {

bool ContainsSubLink(const google::protobuf::Message& message) {
  if (const auto* node = dynamic_cast<const pg_query::Node*>(&message); node && node->has_sub_link()) {
    return true;
  }
  const auto* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (ContainsSubLink(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (ContainsSubLink(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

void FlattenAnd(const pg_query::Node& node, std::vector<const pg_query::Node*>* out) {
  if (node.has_bool_expr() && node.bool_expr().boolop() == pg_query::AND_EXPR) {
    for (const auto& arg : node.bool_expr().args()) FlattenAnd(arg, out);
    return;
  }
  out->push_back(&node);
}

// Columns of the subquery itself (not the enclosing query's) in `expr`.
void InnerColumns(const Expr& expr, std::vector<std::string>* out) {
  if (const auto* column = expr.As<ColumnNode>()) {
    if (column->relation && *column->relation == kOuterRelation) return;
    if (std::find(out->begin(), out->end(), column->name) == out->end()) out->push_back(column->name);
    return;
  }
  for (const auto& child : Children(expr)) InnerColumns(child, out);
}

Result<std::optional<int64_t>> LimitValue(ExprBinder& binder, const pg_query::SelectStmt& stmt,
                                          bool offset) {
  const auto& node = offset ? stmt.limit_offset() : stmt.limit_count();
  if (!(offset ? stmt.has_limit_offset() : stmt.has_limit_count())) return std::nullopt;
  if (node.has_a_const() && node.a_const().isnull()) return std::nullopt;  // LIMIT ALL
  FERRY_ASSIGN_OR_RAISE(auto expr, binder.Bind(node));
  const auto* literal = expr.As<LiteralNode>();
  if (literal == nullptr || literal->value->type->id() != arrow::Type::INT64 || !literal->value->is_valid) {
    return Status::NotImplemented(offset ? "OFFSET" : "LIMIT", " must be an integer constant");
  }
  const int64_t value = std::static_pointer_cast<arrow::Int64Scalar>(literal->value)->value;
  if (value < 0) return Status::Invalid(offset ? "OFFSET" : "LIMIT", " must not be negative");
  return value;
}

void SplitBy(const Expr& expr, Operator op, std::vector<Expr>* out) {
  if (const auto* binary = expr.As<BinaryNode>(); binary && binary->op == op) {
    SplitBy(binary->left, op, out);
    SplitBy(binary->right, op, out);
    return;
  }
  out->push_back(expr);
}

// (a AND b) OR (a AND c) is a AND (b OR c): a condition every branch of a
// disjunction shares comes out as a conjunct of its own, so a join key
// spelled in each branch (TPC-H Q19) is a join key.
std::vector<Expr> FactorDisjunctions(std::vector<Expr> conjuncts) {
  std::vector<Expr> out;
  for (auto& conjunct : conjuncts) {
    std::vector<Expr> branches;
    SplitBy(conjunct, Operator::kOr, &branches);
    if (branches.size() < 2) {
      out.push_back(std::move(conjunct));
      continue;
    }
    std::vector<std::vector<Expr>> parts(branches.size());
    for (size_t i = 0; i < branches.size(); ++i) SplitBy(branches[i], Operator::kAnd, &parts[i]);
    std::vector<Expr> common;
    for (const auto& candidate : parts[0]) {
      bool everywhere = true;
      for (size_t i = 1; i < parts.size() && everywhere; ++i) {
        everywhere = std::any_of(parts[i].begin(), parts[i].end(),
                                 [&](const Expr& e) { return e.Equals(candidate); });
      }
      if (everywhere && std::none_of(common.begin(), common.end(),
                                     [&](const Expr& e) { return e.Equals(candidate); })) {
        common.push_back(candidate);
      }
    }
    if (common.empty()) {
      out.push_back(std::move(conjunct));
      continue;
    }
    std::optional<Expr> rest;
    bool some_branch_empty = false;
    for (auto& branch_parts : parts) {
      std::vector<Expr> left;
      for (auto& e : branch_parts) {
        if (std::none_of(common.begin(), common.end(), [&](const Expr& c) { return c.Equals(e); })) {
          left.push_back(e);
        }
      }
      auto branch = Conjunction(left);
      if (!branch) {
        some_branch_empty = true;  // that branch is the common part alone: always true
        break;
      }
      rest = rest ? Binary(*rest, Operator::kOr, *branch) : *branch;
    }
    for (auto& e : common) out.push_back(e);
    if (!some_branch_empty && rest) out.push_back(*rest);
  }
  return out;
}

}  // namespace

Result<std::pair<int64_t, std::optional<int64_t>>> BindLimit(QueryBinder& query,
                                                             const pg_query::SelectStmt& stmt) {
  Relation none;
  ExprBinder binder(query, ExprContext{&none, nullptr, nullptr, false, false, "LIMIT"});
  FERRY_ASSIGN_OR_RAISE(auto fetch, LimitValue(binder, stmt, false));
  FERRY_ASSIGN_OR_RAISE(auto skip, LimitValue(binder, stmt, true));
  return std::make_pair(skip.value_or(0), fetch);
}

Result<SelectResult> QueryBinder::BindSelectCore(const pg_query::SelectStmt& stmt,
                                                 const OuterScope* outer, const std::string& prefix) {
  if (stmt.has_into_clause()) return Status::NotImplemented("SELECT INTO is not supported");
  if (stmt.locking_clause_size() > 0) return Status::NotImplemented("FOR UPDATE/SHARE is not supported");
  if (stmt.limit_option() == pg_query::LIMIT_OPTION_WITH_TIES) {
    return Status::NotImplemented("FETCH ... WITH TIES is not supported");
  }
  // ---- FROM and WHERE
  std::vector<Expr> lateral;  // LATERAL items' conditions, joined on like WHERE's
  std::map<int, PaddedLateral> padded;
  FERRY_ASSIGN_OR_RAISE(auto items, BindFromItems(stmt.from_clause(), outer, &lateral, &padded));
  Relation rel;
  if (items.empty()) {
    FERRY_ASSIGN_OR_RAISE(rel, OneRow());
  } else {
    FERRY_ASSIGN_OR_RAISE(rel, CrossJoin(items));
  }
  std::vector<const pg_query::Node*> where;
  if (stmt.has_where_clause()) FlattenAnd(stmt.where_clause(), &where);
  std::vector<Expr> filters, correlated;
  std::vector<PendingJoin> pending;
  std::vector<const pg_query::Node*> with_subqueries;
  auto classify = [&](Expr expr) {
    (HasOuterReference(expr) ? correlated : filters).push_back(std::move(expr));
  };
  for (const auto* node : where) {
    if (ContainsSubLink(*node)) {
      with_subqueries.push_back(node);
      continue;
    }
    ExprBinder binder(*this, ExprContext{&rel, outer, &pending, false, false, "WHERE"});
    FERRY_ASSIGN_OR_RAISE(auto expr, binder.Bind(*node));
    classify(std::move(expr));
  }
  filters = FactorDisjunctions(std::move(filters));
  for (auto& condition : lateral) filters.push_back(std::move(condition));
  if (items.size() > 1) {
    FERRY_ASSIGN_OR_RAISE(rel, JoinItems(items, rel, &filters, padded));
  }
  for (const auto* node : with_subqueries) {
    ExprBinder binder(*this, ExprContext{&rel, outer, &pending, false, false, "WHERE"});
    FERRY_ASSIGN_OR_RAISE(auto expr, binder.BindConjunct(*node));
    if (expr) classify(std::move(*expr));
  }
  FERRY_ASSIGN_OR_RAISE(rel.plan, AttachPending(rel.plan, &pending));
  if (auto predicate = Conjunction(filters)) {
    FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Filter(rel.plan, *predicate));
  }

  // ---- select list
  std::vector<PendingJoin> late;  // scalar subqueries of SELECT, HAVING, ORDER BY
  ExprContext select_ctx{&rel, outer, &late, true, true, "SELECT", &stmt.window_clause()};
  std::vector<SelectItem> select;
  auto has_name = [&](const std::string& name) {
    for (const auto& item : select) {
      if (item.name == name) return true;
    }
    return false;
  };
  for (const auto& node : stmt.target_list()) {
    const auto& target = node.res_target();
    if (target.indirection_size() > 0) return Status::NotImplemented("select item indirection");
    const auto& val = target.val();
    if (val.has_column_ref() && val.column_ref().fields_size() > 0 &&
        val.column_ref().fields(val.column_ref().fields_size() - 1).has_a_star()) {
      const auto& fields = val.column_ref().fields();
      std::optional<std::string> qualifier;
      if (fields.size() >= 2) qualifier = StringValue(fields[fields.size() - 2]);
      if (qualifier && !rel.scope.HasQualifier(*qualifier)) {
        return Status::KeyError("'", *qualifier, ".*': no table or alias named '", *qualifier,
                                "' in FROM", At(val.column_ref().location()));
      }
      for (const auto& column : rel.scope.columns) {
        if (qualifier ? column.qualifier != *qualifier : column.qualified_only) continue;
        // A name two tables share comes out qualified the second time.
        std::string name = column.name;
        if (has_name(name) && !column.qualifier.empty()) name = column.qualifier + "." + name;
        select.push_back({Col(rel.plan->schema->field(column.index)->name()), name});
      }
      continue;
    }
    ExprBinder binder(*this, select_ctx);
    FERRY_ASSIGN_OR_RAISE(auto expr, binder.Bind(val));
    std::string name = target.name();
    if (name.empty()) {
      const auto& fields = val.column_ref().fields();
      name = val.has_column_ref() && !fields.empty() ? StringValue(fields[fields.size() - 1])
                                                     : expr.SchemaName();
      // t.id, u.id: the second one comes out as "u.id" (plan names are unique).
      if (has_name(name) && val.has_column_ref() && fields.size() >= 2) {
        name = StringValue(fields[fields.size() - 2]) + "." + name;
      }
    }
    select.push_back({std::move(expr), std::move(name)});
  }
  if (select.empty()) return Status::NotImplemented("SELECT without select items");

  // ---- GROUP BY, HAVING, ORDER BY (bound over the input)
  auto bind_key = [&](const pg_query::Node& node) -> Result<Expr> {
    if (node.has_a_const() && node.a_const().has_ival()) {
      const int64_t position = node.a_const().ival().ival();
      if (position < 1 || position > static_cast<int64_t>(select.size())) {
        return Status::Invalid("GROUP BY position ", position, " is not in the select list (1 to ",
                               select.size(), ")");
      }
      return select[position - 1].expr;
    }
    if (node.has_column_ref() && node.column_ref().fields_size() == 1) {
      // An output name, when no input column has it.
      const std::string name = StringValue(node.column_ref().fields(0));
      FERRY_ASSIGN_OR_RAISE(auto input_column, rel.scope.Find(std::nullopt, name));
      if (!input_column) {
        for (const auto& item : select) {
          if (item.name == name) return item.expr;
        }
      }
    }
    ExprBinder binder(*this, ExprContext{&rel, outer, nullptr, false, false, "GROUP BY"});
    return binder.Bind(node);
  };
  FERRY_ASSIGN_OR_RAISE(auto grouping, BindGroupBy(stmt.group_clause(), bind_key));
  std::vector<Expr> keys = grouping.keys;
  std::optional<Expr> having;
  if (stmt.has_having_clause()) {
    ExprContext having_ctx = select_ctx;
    having_ctx.allow_windows = false;
    having_ctx.clause = "HAVING";
    ExprBinder binder(*this, having_ctx);
    FERRY_ASSIGN_OR_RAISE(auto expr, binder.Bind(stmt.having_clause()));
    having = std::move(expr);
  }
  std::vector<OrderKey> order;
  ExprContext order_ctx = select_ctx;
  order_ctx.clause = "ORDER BY";
  for (const auto& node : stmt.sort_clause()) {
    const auto& sort = node.sort_by();
    if (sort.sortby_dir() == pg_query::SORTBY_USING) {
      return Status::NotImplemented("ORDER BY ... USING is not supported");
    }
    ExprBinder binder(*this, order_ctx);
    FERRY_ASSIGN_OR_RAISE(auto key, BindOrderKey(binder, sort.node(), select, "ORDER BY"));
    std::tie(key.ascending, key.nulls_first) = SortDirection(sort);
    order.push_back(std::move(key));
  }
  // DISTINCT ON keys ride along after the sort keys (hidden ones computed
  // and rewritten over an aggregate alike).
  const size_t num_sort_keys = order.size();
  const bool distinct_on = stmt.distinct_clause_size() > 0 &&
                           stmt.distinct_clause(0).node_case() != pg_query::Node::NODE_NOT_SET;
  order_ctx.clause = "DISTINCT ON";
  for (int i = 0; distinct_on && i < stmt.distinct_clause_size(); ++i) {
    ExprBinder binder(*this, order_ctx);
    FERRY_ASSIGN_OR_RAISE(auto key, BindOrderKey(binder, stmt.distinct_clause(i), select, "DISTINCT ON"));
    order.push_back(std::move(key));
  }

  // Outer columns are decorrelated from WHERE only; anywhere else they
  // would bind to nothing (or to an inner column of the same name).
  auto outer_free = [&](const Expr& e, const char* clause) -> Status {
    if (HasOuterReference(e)) {
      return Status::NotImplemented("a correlated subquery may refer to the enclosing query only in ",
                                    "its WHERE clause, not in ", clause, ": ", ShowAsWritten(e));
    }
    return Status::OK();
  };
  std::vector<std::optional<Expr>> deferred;  // LATERAL: items over the outer items
  std::vector<Expr> deferred_inputs;
  FERRY_RETURN_NOT_OK(DeferOuterItems(stmt, &select, &deferred, &deferred_inputs, prefix));
  for (const auto& item : select) FERRY_RETURN_NOT_OK(outer_free(item.expr, "SELECT"));
  for (const auto& key : keys) FERRY_RETURN_NOT_OK(outer_free(key, "GROUP BY"));
  if (having) FERRY_RETURN_NOT_OK(outer_free(*having, "HAVING"));
  for (const auto& key : order) {
    if (key.hidden) FERRY_RETURN_NOT_OK(outer_free(*key.hidden, "ORDER BY"));
  }

  // ---- aggregation
  bool aggregating = stmt.group_clause_size() > 0 || having.has_value();
  for (const auto& item : select) aggregating = aggregating || ContainsAggregate(item.expr);
  for (const auto& key : order) aggregating = aggregating || (key.hidden && ContainsAggregate(*key.hidden));
  std::vector<Expr> over_aggregate;  // what reads the aggregate's output
  for (const auto& item : select) over_aggregate.push_back(item.expr);
  if (having) over_aggregate.push_back(*having);
  for (const auto& key : order) {
    if (key.hidden) over_aggregate.push_back(*key.hidden);
  }
  FERRY_ASSIGN_OR_RAISE(auto grouping_calls, GroupingCallsIn(over_aggregate, grouping.keys));
  aggregating = aggregating || !grouping_calls.empty();
  std::vector<Expr> exposed;  // correlated subquery: inner columns for the join
  std::vector<Expr> correlation;
  std::vector<std::optional<Expr>> empty_values;
  bool single_row = items.empty();  // no FROM: one row, or none after WHERE
  if (aggregating) {
    if (!OnlyInnerOuterEqualities(correlated)) {
      FERRY_RETURN_NOT_OK(CorrelateByOuterValues(*outer->relation, &rel.plan, &correlated, prefix));
    }
    std::vector<int> correlation_keys;  // per correlation condition: its key
    for (const auto& conjunct : correlated) {
      // Only `inner = outer`: the inner side becomes a grouping key the
      // decorrelated join matches on.
      const auto* eq = conjunct.As<BinaryNode>();
      if (eq == nullptr || eq->op != Operator::kEq ||
          HasOuterReference(eq->left) == HasOuterReference(eq->right)) {
        return Status::NotImplemented("correlated subquery with aggregates: only `inner = outer` ",
                                      "conditions are supported, got ", ShowAsWritten(conjunct));
      }
      const bool outer_left = HasOuterReference(eq->left);
      const Expr& inner_key = outer_left ? eq->right : eq->left;
      auto known = std::find_if(keys.begin(), keys.end(), [&](const Expr& k) { return k.Equals(inner_key); });
      correlation_keys.push_back(static_cast<int>(known - keys.begin()));
      if (known == keys.end()) keys.push_back(inner_key);
      correlation.push_back(Binary(outer_left ? eq->left : eq->right, Operator::kEq,
                                   Col(prefix + "k" + std::to_string(correlation.size()))));
    }
    // Grouped by nothing but its correlation keys: one row per key.
    single_row = grouping.plain &&
                 keys.size() == std::set<int>(correlation_keys.begin(), correlation_keys.end()).size();
    std::vector<Expr> aggregates;
    for (const auto& item : select) CollectAggregates(item.expr, &aggregates);
    if (having) CollectAggregates(*having, &aggregates);
    for (const auto& key : order) {
      if (key.hidden) CollectAggregates(*key.hidden, &aggregates);
    }
    if (!grouping.plain && !correlated.empty()) {
      return Status::NotImplemented("GROUPING SETS in a correlated subquery are not supported");
    }
    grouping.keys = keys;
    FERRY_ASSIGN_OR_RAISE(auto aggregate, AggregateGroupingSets(rel.plan, grouping, aggregates, grouping_calls));
    for (size_t i = 0; i < correlation_keys.size(); ++i) {
      exposed.push_back(Alias(Col(aggregate->schema->field(correlation_keys[i])->name()),
                              prefix + "k" + std::to_string(i)));
    }
    auto describe_column = [this](const std::string& column, const std::string& clause) {
      return DescribeColumnRef(column, clause);
    };
    for (auto& item : select) {
      FERRY_ASSIGN_OR_RAISE(item.expr,
                            RewriteOverAggregate(item.expr, keys, aggregates, *aggregate, "SELECT", describe_column));
    }
    if (!correlation.empty() && stmt.group_clause_size() == 0 && !having) {
      // The COUNT bug: no matching rows must give count() = 0, not NULL (and
      // coalesce(sum(x), 0) 0); with a GROUP BY or HAVING, no rows is no
      // group: NULL.
      for (const auto& item : select) empty_values.push_back(EmptyAggregateValue(item.expr, *aggregate, keys.size(), aggregates));
      if (std::any_of(empty_values.begin(), empty_values.end(), [](const auto& e) { return e.has_value(); })) {
        exposed.push_back(Alias(Lit(std::make_shared<arrow::BooleanScalar>(true)), prefix + "m"));
      }
    }
    for (auto& key : order) {
      if (!key.hidden) continue;
      FERRY_ASSIGN_OR_RAISE(key.hidden, RewriteOverAggregate(*key.hidden, keys, aggregates, *aggregate, "ORDER BY",
                                                             describe_column));
    }
    rel.plan = aggregate;
    if (having) {
      FERRY_ASSIGN_OR_RAISE(auto predicate,
                            RewriteOverAggregate(*having, keys, aggregates, *aggregate, "HAVING", describe_column));
      FERRY_ASSIGN_OR_RAISE(rel.plan, AttachPending(rel.plan, &late));
      FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Filter(rel.plan, predicate));
    }
  } else if (!correlated.empty()) {
    std::vector<std::string> inner;
    for (const auto& conjunct : correlated) InnerColumns(conjunct, &inner);
    for (size_t i = 0; i < inner.size(); ++i) {
      exposed.push_back(Alias(Col(inner[i]), prefix + "c" + std::to_string(i)));
      NoteExposedColumn(prefix + "c" + std::to_string(i), inner[i]);
    }
    for (const auto& conjunct : correlated) {
      correlation.push_back(Transform(conjunct, [&](const Expr& e) -> std::optional<Expr> {
        const auto* column = e.As<ColumnNode>();
        if (column == nullptr || column->relation) return std::nullopt;
        auto at = std::find(inner.begin(), inner.end(), column->name) - inner.begin();
        return Col(prefix + "c" + std::to_string(at));
      }));
    }
  }
  for (auto& e : deferred_inputs) exposed.push_back(std::move(e));
  // A correlated subquery's LIMIT/OFFSET holds per outer row: per key.
  FERRY_ASSIGN_OR_RAISE(auto limit, BindLimit(*this, stmt));
  const bool limited = limit.first > 0 || limit.second;
  std::optional<std::vector<Expr>> limit_per_key;
  if (!correlation.empty() && limited) {
    FERRY_ASSIGN_OR_RAISE(limit_per_key, CorrelationPartition(correlation));
  }

  // ---- projection, DISTINCT, ORDER BY, LIMIT
  FERRY_ASSIGN_OR_RAISE(rel.plan, AttachPending(rel.plan, &late));
  std::vector<Expr> exprs;
  std::vector<std::string> names;
  for (const auto& item : select) {
    const auto* column = item.expr.As<ColumnNode>();
    exprs.push_back(column && column->name == item.name && !column->relation ? item.expr
                                                                           : Alias(item.expr, item.name));
    names.push_back(item.name);
  }
  std::vector<std::string> hidden_names;
  for (size_t i = 0; i < order.size(); ++i) {
    if (!order[i].hidden) continue;
    hidden_names.push_back("__order" + std::to_string(i));
    exprs.push_back(Alias(*order[i].hidden, hidden_names.back()));
  }
  for (const auto& e : exposed) exprs.push_back(e);
  FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Project(rel.plan, exprs));
  auto key_column = [&](size_t i) { return Col(order[i].hidden ? "__order" + std::to_string(i) : names[order[i].output]); };
  std::vector<Expr> sort_keys;
  for (size_t i = 0; i < num_sort_keys; ++i) {
    sort_keys.push_back(Sort(key_column(i), order[i].ascending, order[i].nulls_first));
  }
  if (distinct_on) {
    std::vector<Expr> group;
    for (size_t i = num_sort_keys; i < order.size(); ++i) group.push_back(key_column(i));
    FERRY_ASSIGN_OR_RAISE(rel.plan, KeepFirstPerGroup(catalog_.functions(), rel.plan, group, sort_keys));
  } else if (stmt.distinct_clause_size() > 0) {
    if (!hidden_names.empty()) {
      return Status::Invalid("for SELECT DISTINCT, ORDER BY expressions must appear in the select list");
    }
    FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Distinct(rel.plan));
  }
  if (limit_per_key) {
    FERRY_ASSIGN_OR_RAISE(rel.plan, LimitPerGroup(catalog_.functions(), rel.plan, *limit_per_key, sort_keys,
                                                  limit.first, limit.second));
  } else if (!sort_keys.empty()) {
    FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Sort(rel.plan, sort_keys));
  }
  if (!hidden_names.empty()) {
    std::vector<Expr> keep;
    for (const auto& name : names) keep.push_back(Col(name));
    for (const auto& e : exposed) keep.push_back(Col(e.As<AliasNode>()->name));
    FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Project(rel.plan, keep));
  }
  if (limited && !limit_per_key) {
    FERRY_ASSIGN_OR_RAISE(rel.plan, plan::Limit(rel.plan, limit.first, limit.second));
  }
  SelectResult result;
  result.relation.plan = rel.plan;
  for (size_t i = 0; i < names.size(); ++i) {
    result.relation.scope.columns.push_back({"", names[i], static_cast<int>(i)});
  }
  result.visible = static_cast<int>(names.size());
  result.correlation = std::move(correlation);
  result.empty_values = std::move(empty_values);
  result.deferred = std::move(deferred);
  result.at_most_one_row =
      single_row || (limit.second && *limit.second <= 1);
  result.correlated_global_aggregate =
      aggregating && !result.correlation.empty() && stmt.group_clause_size() == 0;
  return result;
}

}  // namespace ferry::sql
