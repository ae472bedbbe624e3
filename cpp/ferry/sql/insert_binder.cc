// INSERT INTO table [(columns)] VALUES ... | SELECT ...: the rows as a plan
// shaped like the table (its column names and types, in its order; columns
// the statement leaves out NULL), which the session appends to the table.

#include <set>

#include "ferry/function/bind.h"
#include "ferry/sql/binder_internal.h"
#include "ferry/sql/statement.h"

namespace ferry::sql {

Result<InsertStatement> BindInsert(const pg_query::InsertStmt& insert, const std::string& text,
                                   const Catalog& catalog, const std::map<int, Placeholder>* placeholders) {
  if (insert.has_with_clause()) return Status::NotImplemented("WITH before INSERT is not supported");
  if (insert.has_on_conflict_clause()) return Status::NotImplemented("INSERT ... ON CONFLICT is not supported");
  if (insert.returning_list_size() > 0) return Status::NotImplemented("INSERT ... RETURNING is not supported");
  if (!insert.has_select_stmt()) return Status::NotImplemented("INSERT ... DEFAULT VALUES is not supported");
  const std::string& name = insert.relation().relname();
  auto target = catalog.TablePlan(name);
  if (!target.ok()) {
    return Status::KeyError("table '", name, "' not found", SuggestNames(name, catalog.TableNames()));
  }
  const auto& schema = *(*target)->schema;
  QueryBinder binder(catalog, text, placeholders);
  FERRY_ASSIGN_OR_RAISE(auto source, binder.BindQuery(insert.select_stmt(), nullptr));
  const auto& rows = *source.plan->schema;

  // Which source column fills each table column (-1: none, NULL).
  std::vector<int> filled_by(schema.num_fields(), -1);
  if (insert.cols_size() == 0) {
    if (rows.num_fields() != schema.num_fields()) {
      return Status::Invalid("table '", name, "' has ", schema.num_fields(), " columns but the INSERT gives ",
                             rows.num_fields(), "; name the columns it fills: INSERT INTO ", name, " (a, b) ...");
    }
    for (int i = 0; i < schema.num_fields(); ++i) filled_by[i] = i;
  } else {
    if (insert.cols_size() != rows.num_fields()) {
      return Status::Invalid("INSERT names ", insert.cols_size(), " columns but gives ", rows.num_fields(), " values");
    }
    for (int j = 0; j < insert.cols_size(); ++j) {
      const std::string& column = insert.cols(j).res_target().name();
      const int index = schema.GetFieldIndex(column);
      if (index < 0) {
        std::vector<std::string> names;
        for (const auto& field : schema.fields()) names.push_back(field->name());
        return Status::KeyError("column '", column, "' of table '", name, "' not found", SuggestNames(column, names));
      }
      if (filled_by[index] >= 0) return Status::Invalid("column '", column, "' is named twice in the INSERT");
      filled_by[index] = j;
    }
  }
  std::vector<Expr> columns;
  for (int i = 0; i < schema.num_fields(); ++i) {
    const auto& field = schema.field(i);
    Expr value = filled_by[i] < 0 ? Lit(std::make_shared<arrow::NullScalar>())
                                  : Col(rows.field(filled_by[i])->name());
    if (filled_by[i] < 0 || !rows.field(filled_by[i])->type()->Equals(*field->type())) {
      value = Cast(value, field->type());
    }
    auto typed = OutputField(value, rows);
    if (!typed.ok()) {
      return Status::TypeError("cannot insert ", filled_by[i] < 0 ? std::string("NULL") : rows.field(filled_by[i])->type()->ToString(),
                               " into column '", field->name(), "' (", field->type()->ToString(), ") of table '", name,
                               "': ", typed.status().message());
    }
    columns.push_back(Alias(std::move(value), field->name()));
  }
  FERRY_ASSIGN_OR_RAISE(auto plan, plan::Project(source.plan, std::move(columns)));
  return InsertStatement{name, std::move(plan)};
}

}  // namespace ferry::sql
