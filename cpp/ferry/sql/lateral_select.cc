// A LATERAL subquery whose select list reads the FROM items before it
// (`LATERAL (SELECT u.v + t.v AS x FROM u WHERE u.id = t.id)`): such an
// item cannot be computed inside the subquery, which is decorrelated into a
// join; it is computed after the join instead, from the inner columns it
// reads (exposed like correlation columns) and the outer ones.

#include <algorithm>

#include "ferry/sql/aggregate_rewrite.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

void InnerColumnNames(const Expr& expr, std::vector<std::string>* out) {
  if (const auto* column = expr.As<ColumnNode>()) {
    if (!column->relation && std::find(out->begin(), out->end(), column->name) == out->end()) {
      out->push_back(column->name);
    }
    return;
  }
  for (const auto& child : Children(expr)) InnerColumnNames(child, out);
}

}  // namespace

Status QueryBinder::DeferOuterItems(const pg_query::SelectStmt& stmt, std::vector<SelectItem>* select,
                                    std::vector<std::optional<Expr>>* deferred, std::vector<Expr>* exposed,
                                    const std::string& prefix) {
  if (&stmt != lateral_stmt_) return Status::OK();
  // Where the items' values shape the subquery's rows, they are needed in
  // it: left to the "refer to the enclosing query only in WHERE" error.
  if (stmt.group_clause_size() > 0 || stmt.has_having_clause() || stmt.distinct_clause_size() > 0 ||
      stmt.sort_clause_size() > 0 || stmt.has_limit_count() || stmt.has_limit_offset()) {
    return Status::OK();
  }
  for (const auto& item : *select) {
    if (ContainsAggregate(item.expr) || ContainsWindow(item.expr)) return Status::OK();
  }
  std::vector<std::string> inner;
  deferred->assign(select->size(), std::nullopt);
  for (size_t j = 0; j < select->size(); ++j) {
    auto& item = (*select)[j];
    if (!HasOuterReference(item.expr)) continue;
    InnerColumnNames(item.expr, &inner);
    (*deferred)[j] = Transform(item.expr, [&](const Expr& e) -> std::optional<Expr> {
      const auto* column = e.As<ColumnNode>();
      if (column == nullptr) return std::nullopt;
      if (column->relation) return Col(column->name);  // an outer item's column, by its name there
      const auto at = std::find(inner.begin(), inner.end(), column->name) - inner.begin();
      return Col(prefix + "s" + std::to_string(at));
    });
    item.expr = Lit(std::make_shared<arrow::NullScalar>());
  }
  for (size_t i = 0; i < inner.size(); ++i) {
    exposed->push_back(Alias(Col(inner[i]), prefix + "s" + std::to_string(i)));
  }
  return Status::OK();
}

}  // namespace ferry::sql
