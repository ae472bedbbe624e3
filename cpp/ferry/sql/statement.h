#pragma once

#include <string>
#include <variant>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/plan/logical_plan.h"
#include "ferry/sql/catalog.h"
#include "ferry/sql/placeholders.h"

namespace ferry::sql {

/// A query: SELECT, VALUES, a set operation, with or without WITH.
struct QueryStatement {
  PlanPtr plan;
};
struct CreateViewStatement {
  std::string name;
  PlanPtr plan;
  bool or_replace = false;
};
/// CREATE TABLE name AS query: the session runs it and keeps the rows.
struct CreateTableAsStatement {
  std::string name;
  PlanPtr plan;
  bool or_replace = false;
  bool if_not_exists = false;
};
/// DataFusion's CREATE EXTERNAL TABLE name STORED AS PARQUET|CSV LOCATION '...'.
struct CreateExternalTableStatement {
  std::string name;
  std::string format;  // "parquet" or "csv"
  std::string location;
  bool has_header = true;
  char delimiter = ',';
  bool or_replace = false;
  bool if_not_exists = false;
};
struct DropStatement {
  bool view = false;  // DROP VIEW, else DROP TABLE
  std::vector<std::string> names;
  bool if_exists = false;
};
struct ExplainStatement {
  PlanPtr plan;
  bool analyze = false;
};
/// INSERT INTO table ...: `plan` gives the rows, with the table's column
/// names and types in its order (columns the statement leaves out NULL).
struct InsertStatement {
  std::string table;
  PlanPtr plan;
};
using Statement = std::variant<QueryStatement, CreateViewStatement, CreateTableAsStatement,
                               CreateExternalTableStatement, DropStatement, ExplainStatement, InsertStatement>;

/// Parses and binds one SQL statement against `catalog`.
///
/// Errors: Invalid for syntax errors (line, column and the offending text)
/// and for more than one statement; KeyError for unknown tables, columns
/// and functions (with close names); NotImplemented naming an unsupported
/// construct. Thread-safe; never crashes on any input text.
///
/// `params` fills the text's `$1` / `$name` placeholders (placeholders.h);
/// Invalid naming a placeholder without a value or a parameter without a
/// placeholder.
Result<Statement> BindStatement(const std::string& text, const Catalog& catalog,
                                const StatementParams& params = {});

/// The CREATE EXTERNAL TABLE statement `text` spells, nullopt when it is
/// not one; Invalid naming what is malformed.
Result<std::optional<CreateExternalTableStatement>> ParseCreateExternalTable(const std::string& text);

}  // namespace ferry::sql
