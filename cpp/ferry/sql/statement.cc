// One SQL statement: a query, or the DDL the session carries out (views,
// in-memory and external tables, DROP) and EXPLAIN.

#include "ferry/sql/statement.h"

#include <cctype>

#include "ferry/sql/binder_internal.h"
#include "ferry/sql/parser.h"

namespace ferry::sql {
namespace {

// The session's tables, and the DataFrames passed as named parameters under
// their placeholders' names ("$df"), for one statement.
class StatementCatalog final : public Catalog {
 public:
  StatementCatalog(const Catalog& base, const std::map<std::string, PlanPtr>& tables) : base_(base) {
    for (const auto& [name, plan] : tables) tables_.emplace("$" + name, plan);
  }
  Result<PlanPtr> TablePlan(const std::string& name) const override {
    if (auto it = tables_.find(name); it != tables_.end()) return it->second;
    return base_.TablePlan(name);
  }
  std::vector<std::string> TableNames() const override { return base_.TableNames(); }
  const FunctionRegistry& functions() const override { return base_.functions(); }
  int target_partitions() const override { return base_.target_partitions(); }
  RecursiveQueryLimits recursive_query_limits() const override { return base_.recursive_query_limits(); }

 private:
  const Catalog& base_;
  std::map<std::string, PlanPtr> tables_;
};

Result<PlanPtr> BindQueryNode(const std::string& text, const Catalog& catalog, const pg_query::Node& node,
                              const std::map<int, Placeholder>* placeholders) {
  QueryBinder binder(catalog, text, placeholders);
  FERRY_ASSIGN_OR_RAISE(auto relation, binder.BindQuery(node, nullptr));
  return relation.plan;
}

Result<std::vector<std::string>> DropNames(const pg_query::DropStmt& drop) {
  std::vector<std::string> names;
  for (const auto& object : drop.objects()) {
    if (!object.has_list() || object.list().items_size() == 0) {
      return Status::NotImplemented("unsupported DROP target");
    }
    const auto& items = object.list().items();
    names.push_back(StringValue(items[items.size() - 1]));
  }
  return names;
}

}  // namespace

Result<Statement> BindStatement(const std::string& original, const Catalog& base_catalog,
                                const StatementParams& params) {
  FERRY_ASSIGN_OR_RAISE(auto resolved, ResolvePlaceholders(original, params));
  const std::string& text = resolved.text;
  const StatementCatalog catalog(base_catalog, params.tables);
  auto bind_query = [&](const std::string& sql, const pg_query::Node& node) {
    return BindQueryNode(sql, catalog, node, &resolved.values);
  };
  FERRY_ASSIGN_OR_RAISE(auto external, ParseCreateExternalTable(text));
  if (external) return Statement{*external};
  // DataFusion's CREATE OR REPLACE TABLE ... AS, which PostgreSQL spells
  // without OR REPLACE: noted, then parsed without it.
  std::string sql = text;
  bool or_replace_table = false;
  {
    std::string head;
    for (char c : text.substr(0, 64)) head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t start = head.find_first_not_of(" \t\r\n");
    const std::string phrase = "create or replace table";
    if (start != std::string::npos && head.compare(start, phrase.size(), phrase) == 0) {
      or_replace_table = true;
      sql = text.substr(0, start) + "create table" + text.substr(start + phrase.size());
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto tree, Parse(sql));
  if (tree.stmts_size() == 0) return Status::Invalid("no SQL statement to run");
  if (tree.stmts_size() > 1) {
    return Status::Invalid("one SQL statement at a time, got ", tree.stmts_size());
  }
  const auto& stmt = tree.stmts(0).stmt();
  switch (stmt.node_case()) {
    case pg_query::Node::kSelectStmt: {
      FERRY_ASSIGN_OR_RAISE(auto plan, bind_query(sql, stmt));
      return Statement{QueryStatement{plan}};
    }
    case pg_query::Node::kViewStmt: {
      const auto& view = stmt.view_stmt();
      if (view.aliases_size() > 0) return Status::NotImplemented("CREATE VIEW with column names");
      FERRY_ASSIGN_OR_RAISE(auto plan, bind_query(sql, view.query()));
      return Statement{CreateViewStatement{view.view().relname(), plan, view.replace()}};
    }
    case pg_query::Node::kCreateTableAsStmt: {
      const auto& create = stmt.create_table_as_stmt();
      if (create.objtype() != pg_query::OBJECT_TABLE) {
        return Status::NotImplemented("CREATE MATERIALIZED VIEW is not supported");
      }
      FERRY_ASSIGN_OR_RAISE(auto plan, bind_query(sql, create.query()));
      return Statement{CreateTableAsStatement{create.into().rel().relname(), plan, or_replace_table,
                                              create.if_not_exists()}};
    }
    case pg_query::Node::kDropStmt: {
      const auto& drop = stmt.drop_stmt();
      if (drop.remove_type() != pg_query::OBJECT_TABLE && drop.remove_type() != pg_query::OBJECT_VIEW) {
        return Status::NotImplemented("only DROP TABLE and DROP VIEW are supported");
      }
      FERRY_ASSIGN_OR_RAISE(auto names, DropNames(drop));
      return Statement{DropStatement{drop.remove_type() == pg_query::OBJECT_VIEW, names, drop.missing_ok()}};
    }
    case pg_query::Node::kExplainStmt: {
      const auto& explain = stmt.explain_stmt();
      bool analyze = false;
      for (const auto& option : explain.options()) {
        if (option.has_def_elem() && option.def_elem().defname() == "analyze") analyze = true;
      }
      FERRY_ASSIGN_OR_RAISE(auto plan, bind_query(sql, explain.query()));
      return Statement{ExplainStatement{plan, analyze}};
    }
    case pg_query::Node::kCreateStmt:
      return Status::NotImplemented("CREATE TABLE with column definitions is not supported; use ",
                                    "CREATE TABLE ... AS SELECT or CREATE EXTERNAL TABLE");
    case pg_query::Node::kInsertStmt: {
      FERRY_ASSIGN_OR_RAISE(auto insert, BindInsert(stmt.insert_stmt(), sql, catalog, &resolved.values));
      return Statement{std::move(insert)};
    }
    case pg_query::Node::kUpdateStmt:
    case pg_query::Node::kDeleteStmt:
      return Status::NotImplemented("UPDATE and DELETE are not supported");
    default:
      return Status::NotImplemented("unsupported SQL statement: ", NodeKind(stmt));
  }
}

}  // namespace ferry::sql
