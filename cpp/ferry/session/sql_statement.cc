// SessionContext::Sql: binds a statement against the session's tables and
// functions (sql/), then either wraps the query's plan in a DataFrame or
// carries out the DDL against the session's catalog.

#include <chrono>

#include "ferry/exec/tables.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/view_table.h"
#include "ferry/common/overloaded.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/sql/statement.h"

namespace ferry {
namespace {

class SessionCatalog final : public sql::Catalog {
 public:
  explicit SessionCatalog(const SessionContext& session) : session_(session) {}
  Result<PlanPtr> TablePlan(const std::string& name) const override {
    FERRY_ASSIGN_OR_RAISE(auto table, session_.GetTable(name));
    if (auto view = ViewPlan(*table)) return view;
    return plan::Scan(name, table);
  }
  std::vector<std::string> TableNames() const override { return session_.TableNames(); }
  const FunctionRegistry& functions() const override { return session_.functions(); }
  int target_partitions() const override { return session_.target_partitions(); }
  RecursiveQueryLimits recursive_query_limits() const override {
    const SessionConfig& config = session_.config();
    return {config.max_recursive_iterations, config.max_recursive_rows};
  }

 private:
  const SessionContext& session_;
};

// A DataFrame of one table of strings (EXPLAIN's output), or of no columns.
Result<PlanPtr> StringTable(const std::vector<std::string>& names,
                            const std::vector<std::vector<std::string>>& rows) {
  arrow::FieldVector fields;
  arrow::ArrayVector columns;
  for (size_t j = 0; j < names.size(); ++j) {
    fields.push_back(arrow::field(names[j], arrow::utf8(), false));
    arrow::StringBuilder builder;
    for (const auto& row : rows) FERRY_RETURN_NOT_OK(builder.Append(row[j]));
    FERRY_ASSIGN_OR_RAISE(auto column, builder.Finish());
    columns.push_back(std::move(column));
  }
  auto schema = arrow::schema(std::move(fields));
  std::vector<BatchVector> partitions;
  if (!rows.empty()) {
    partitions.push_back({arrow::RecordBatch::Make(schema, static_cast<int64_t>(rows.size()), columns)});
  }
  FERRY_ASSIGN_OR_RAISE(auto table, MakeMemoryTable(schema, std::move(partitions)));
  return plan::Scan("sql_result", table);
}

}  // namespace

// INSERT appends to an in-memory table: the rows are computed now and the
// table re-registered over its old batches (borrowed, not copied) and the
// new ones, so plans already holding the old table keep seeing its old rows
// (as views do, docs/sql.md). The rows are computed outside any lock; the
// append re-reads the table under the session's insert lock, so INSERTs
// into one table from several threads all land.
Result<uint64_t> SessionContext::InsertRows(const std::string& name, const PlanPtr& rows) {
  FERRY_ASSIGN_OR_RAISE(auto table, GetTable(name));
  if (ViewPlan(*table) != nullptr) return Status::Invalid("cannot INSERT into view '", name, "'");
  auto source = table->Source();
  const auto* memory = source ? std::get_if<InMemorySource>(&*source) : nullptr;
  if (memory == nullptr) {
    return Status::NotImplemented("INSERT into '", name, "' (", table->Describe(),
                                  "): only in-memory tables take INSERT");
  }
  FERRY_ASSIGN_OR_RAISE(auto batches, DataFrame(shared_from_this(), rows).Collect());
  const auto& schema = table->schema();
  uint64_t count = 0;
  BatchVector added;
  for (const auto& batch : batches) {
    for (int i = 0; i < schema->num_fields(); ++i) {
      if (!schema->field(i)->nullable() && batch->column(i)->null_count() > 0) {
        return Status::Invalid("NULL in column '", schema->field(i)->name(), "' of table '", name,
                               "', which does not take NULLs");
      }
    }
    if (batch->num_rows() == 0) continue;
    count += static_cast<uint64_t>(batch->num_rows());
    added.push_back(arrow::RecordBatch::Make(schema, batch->num_rows(), batch->columns()));
  }
  std::lock_guard<std::mutex> lock(state_->insert_mutex);
  FERRY_ASSIGN_OR_RAISE(auto current, GetTable(name));
  auto current_source = current->Source();
  memory = current_source ? std::get_if<InMemorySource>(&*current_source) : nullptr;
  if (memory == nullptr || !current->schema()->Equals(*schema)) {
    return Status::Invalid("table '", name, "' was replaced while the INSERT into it ran");
  }
  // Re-spread over the session's partitions (slices borrow), so that many
  // INSERTs do not leave as many partitions.
  BatchVector all;
  for (const auto& partition : memory->partitions) all.insert(all.end(), partition.begin(), partition.end());
  all.insert(all.end(), added.begin(), added.end());
  FERRY_ASSIGN_OR_RAISE(auto updated, MakeMemoryTable(schema, SplitIntoPartitions(all, target_partitions())));
  FERRY_RETURN_NOT_OK(RegisterTable(name, updated));
  return count;
}

Result<DataFrame> SessionContext::Sql(const std::string& query, const SqlOptions& options,
                                      const sql::StatementParams& params) {
  SessionCatalog catalog(*this);
  FERRY_ASSIGN_OR_RAISE(auto statement, sql::BindStatement(query, catalog, params));
  auto self = shared_from_this();
  auto empty = [&]() -> Result<DataFrame> {
    FERRY_ASSIGN_OR_RAISE(auto plan, StringTable({}, {}));
    return DataFrame(self, plan);
  };
  auto ddl = [&](const char* what) -> Status {
    if (!options.allow_ddl) return Status::Invalid(what, " is not allowed: DDL is disabled by the SQL options");
    return Status::OK();
  };
  // Replacing or keeping an existing name, as the statement asks.
  auto may_create = [&](const std::string& name, bool or_replace, bool if_not_exists) -> Result<bool> {
    if (!HasTable(name)) return true;
    if (or_replace) return true;
    if (if_not_exists) return false;
    return Status::Invalid("table '", name, "' already exists");
  };
  return std::visit(
      Overloaded{
          [&](const sql::QueryStatement& s) -> Result<DataFrame> { return DataFrame(self, s.plan); },
          [&](const sql::ExplainStatement& s) -> Result<DataFrame> {
            DataFrame df(self, s.plan);
            FERRY_ASSIGN_OR_RAISE(auto text, df.Explain());
            std::vector<std::vector<std::string>> rows{{"plan", text}};
            if (s.analyze) {
              const auto start = std::chrono::steady_clock::now();
              FERRY_ASSIGN_OR_RAISE(auto batches, df.Collect());
              const double ms = std::chrono::duration<double, std::milli>(
                                    std::chrono::steady_clock::now() - start).count();
              int64_t output_rows = 0;
              for (const auto& batch : batches) output_rows += batch->num_rows();
              rows.push_back({"analyze", "output_rows=" + std::to_string(output_rows) +
                                             " elapsed_ms=" + std::to_string(ms)});
            }
            FERRY_ASSIGN_OR_RAISE(auto plan, StringTable({"plan_type", "plan"}, rows));
            return DataFrame(self, plan);
          },
          [&](const sql::CreateViewStatement& s) -> Result<DataFrame> {
            FERRY_RETURN_NOT_OK(ddl("CREATE VIEW"));
            FERRY_ASSIGN_OR_RAISE(bool create, may_create(s.name, s.or_replace, false));
            if (create) FERRY_RETURN_NOT_OK(RegisterView(s.name, s.plan));
            return empty();
          },
          [&](const sql::CreateTableAsStatement& s) -> Result<DataFrame> {
            FERRY_RETURN_NOT_OK(ddl("CREATE TABLE"));
            FERRY_ASSIGN_OR_RAISE(bool create, may_create(s.name, s.or_replace, s.if_not_exists));
            if (create) {
              FERRY_ASSIGN_OR_RAISE(auto batches, DataFrame(self, s.plan).Collect());
              FERRY_ASSIGN_OR_RAISE(auto table,
                                    MakeMemoryTable(s.plan->schema, SplitIntoPartitions(batches, target_partitions())));
              FERRY_RETURN_NOT_OK(RegisterTable(s.name, table));
            }
            return empty();
          },
          [&](const sql::CreateExternalTableStatement& s) -> Result<DataFrame> {
            FERRY_RETURN_NOT_OK(ddl("CREATE EXTERNAL TABLE"));
            FERRY_ASSIGN_OR_RAISE(bool create, may_create(s.name, s.or_replace, s.if_not_exists));
            if (create) {
              std::shared_ptr<const TableProvider> table;
              if (s.format == "parquet") {
                FERRY_ASSIGN_OR_RAISE(table, MakeParquetTable(s.location));
              } else {
                FERRY_ASSIGN_OR_RAISE(table, MakeCsvTable(s.location, CsvOptions{s.has_header, s.delimiter}));
              }
              FERRY_RETURN_NOT_OK(RegisterTable(s.name, table));
            }
            return empty();
          },
          [&](const sql::InsertStatement& s) -> Result<DataFrame> {
            if (!options.allow_dml) return Status::Invalid("INSERT is not allowed: DML is disabled by the SQL options");
            FERRY_ASSIGN_OR_RAISE(uint64_t count, InsertRows(s.table, s.plan));
            arrow::UInt64Builder builder;
            FERRY_RETURN_NOT_OK(builder.Append(count));
            FERRY_ASSIGN_OR_RAISE(auto column, builder.Finish());
            auto schema = arrow::schema({arrow::field("count", arrow::uint64(), false)});
            FERRY_ASSIGN_OR_RAISE(auto table, MakeMemoryTable(schema, {{arrow::RecordBatch::Make(schema, 1, {column})}}));
            FERRY_ASSIGN_OR_RAISE(auto plan, plan::Scan("sql_result", table));
            return DataFrame(self, plan);
          },
          [&](const sql::DropStatement& s) -> Result<DataFrame> {
            FERRY_RETURN_NOT_OK(ddl(s.view ? "DROP VIEW" : "DROP TABLE"));
            for (const auto& name : s.names) {
              auto table = GetTable(name);
              if (!table.ok()) {
                if (s.if_exists) continue;
                return Status::KeyError(s.view ? "view '" : "table '", name, "' does not exist");
              }
              const bool is_view = ViewPlan(**table) != nullptr;
              if (is_view != s.view) {
                return Status::Invalid("'", name, "' is a ", is_view ? "view" : "table", "; use DROP ",
                                       is_view ? "VIEW" : "TABLE");
              }
              FERRY_RETURN_NOT_OK(DeregisterTable(name));
            }
            return empty();
          },
      },
      statement);
}

}  // namespace ferry
