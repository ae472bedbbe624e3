#include "ferry/sql/aggregate_rewrite.h"

#include <functional>

#include "ferry/sql/binder_internal.h"
#include "ferry/sql/grouping_sets.h"

namespace ferry::sql {
namespace {

// Visits every sub-expression except a window's own function node (an
// aggregate over a window is no grouping aggregate), whose arguments it
// still visits.
void Visit(const Expr& expr, const std::function<bool(const Expr&)>& visit) {
  if (!visit(expr)) return;
  if (const auto* window = expr.As<WindowNode>()) {
    for (const auto& arg : Children(window->function)) Visit(arg, visit);
    for (const auto& key : window->partition_by) Visit(key, visit);
    for (const auto& key : window->order_by) Visit(key, visit);
    return;
  }
  for (const auto& child : Children(expr)) Visit(child, visit);
}

}  // namespace

bool ContainsAggregate(const Expr& expr) {
  bool found = false;
  Visit(expr, [&](const Expr& e) {
    if (e.As<AggregateCallNode>()) found = true;
    return !found;
  });
  return found;
}

void CollectAggregates(const Expr& expr, std::vector<Expr>* out) {
  Visit(expr, [&](const Expr& e) {
    if (!e.As<AggregateCallNode>()) return true;
    for (const auto& known : *out) {
      if (known.Equals(e)) return false;
    }
    out->push_back(e);
    return false;
  });
}

Result<Expr> RewriteOverAggregate(const Expr& expr, const std::vector<Expr>& keys,
                                  const std::vector<Expr>& aggregates, const LogicalPlan& plan,
                                  const char* clause, const DescribeColumn& describe) {
  const auto& schema = *plan.schema;
  const int num_keys = static_cast<int>(keys.size());
  std::function<Result<Expr>(const Expr&, bool)> rewrite = [&](const Expr& e,
                                                               bool window_function) -> Result<Expr> {
    if (!window_function) {
      for (int i = 0; i < num_keys; ++i) {
        if (keys[i].Equals(e)) return Col(schema.field(i)->name());
      }
      for (size_t j = 0; j < aggregates.size(); ++j) {
        if (aggregates[j].Equals(e)) return Col(schema.field(num_keys + static_cast<int>(j))->name());
      }
    }
    if (const auto* column = e.As<ColumnNode>()) {
      // Columns added after the aggregate (scalar subqueries) or with it
      // (GROUPING()) pass.
      if (column->name.rfind("__sq", 0) == 0 || column->name.rfind(kGroupingColumnPrefix, 0) == 0) return e;
      return Status::Invalid("column ", describe(column->name, clause), " in ", clause,
                             " must appear in the GROUP BY clause or be used in an aggregate function");
    }
    auto children = Children(e);
    if (children.empty()) return e;
    const bool is_window = e.As<WindowNode>() != nullptr;
    for (size_t i = 0; i < children.size(); ++i) {
      FERRY_ASSIGN_OR_RAISE(children[i], rewrite(children[i], is_window && i == 0));
    }
    return WithNewChildren(e, std::move(children));
  };
  return rewrite(expr, false);
}

std::optional<Expr> EmptyAggregateValue(const Expr& rewritten, const LogicalPlan& aggregate, size_t num_keys,
                                        const std::vector<Expr>& aggregates) {
  const auto& schema = *aggregate.schema;
  bool other_columns = false, counts = false;
  Expr empty = Transform(rewritten, [&](const Expr& e) -> std::optional<Expr> {
    const auto* column = e.As<ColumnNode>();
    if (column == nullptr) return std::nullopt;
    for (size_t j = 0; j < aggregates.size(); ++j) {
      const auto& field = schema.field(static_cast<int>(num_keys + j));
      if (field->name() != column->name) continue;
      if (aggregates[j].As<AggregateCallNode>()->name == "count") {
        counts = true;
        return Cast(Lit(std::make_shared<arrow::Int64Scalar>(0)), field->type());
      }
      return Cast(Lit(std::make_shared<arrow::NullScalar>()), field->type());
    }
    other_columns = true;
    return std::nullopt;
  });
  if (other_columns || (!counts && rewritten.As<ColumnNode>())) return std::nullopt;
  return empty;
}

}  // namespace ferry::sql
