// VALUES (..), (..): one projection of the one-row relation per row, then a
// union; columns named column1, column2, ... and typed by their first
// non-NULL value (the others cast to it).

#include "ferry/function/bind.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {

Result<Relation> QueryBinder::BindValues(const pg_query::SelectStmt& stmt) {
  FERRY_ASSIGN_OR_RAISE(auto one, OneRow());
  std::vector<std::vector<Expr>> rows;
  for (const auto& list : stmt.values_lists()) {
    if (!list.has_list()) return Status::Invalid("VALUES row is not a list");
    ExprBinder binder(*this, ExprContext{&one, nullptr, nullptr, false, false, "VALUES"});
    FERRY_ASSIGN_OR_RAISE(auto row, binder.BindList(list.list().items()));
    if (!rows.empty() && row.size() != rows[0].size()) {
      return Status::Invalid("VALUES rows must have the same number of columns: ", rows[0].size(),
                             " and ", row.size());
    }
    rows.push_back(std::move(row));
  }
  const size_t width = rows[0].size();
  std::vector<std::shared_ptr<arrow::DataType>> types(width, arrow::null());
  for (const auto& row : rows) {
    for (size_t j = 0; j < width; ++j) {
      FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(row[j], *one.plan->schema));
      if (types[j]->id() == arrow::Type::NA) types[j] = bound->type();
    }
  }
  std::vector<PlanPtr> inputs;
  for (const auto& row : rows) {
    std::vector<Expr> exprs;
    for (size_t j = 0; j < width; ++j) {
      FERRY_ASSIGN_OR_RAISE(auto bound, BindScalar(row[j], *one.plan->schema));
      Expr e = bound->type()->Equals(*types[j]) ? row[j] : Cast(row[j], types[j]);
      exprs.push_back(Alias(e, "column" + std::to_string(j + 1)));
    }
    FERRY_ASSIGN_OR_RAISE(auto plan, plan::Project(one.plan, exprs));
    inputs.push_back(std::move(plan));
  }
  PlanPtr plan = inputs[0];
  if (inputs.size() > 1) {
    FERRY_ASSIGN_OR_RAISE(plan, plan::Union(inputs));
  }
  Relation relation{plan, {}};
  for (size_t j = 0; j < width; ++j) {
    relation.scope.columns.push_back({"", "column" + std::to_string(j + 1), static_cast<int>(j)});
  }
  return relation;
}

}  // namespace ferry::sql
