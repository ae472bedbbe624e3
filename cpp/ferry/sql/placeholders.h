#pragma once

// Query parameters: `$1` and `$name` placeholders in SQL text, filled as
// datafusion-python's `SessionContext.sql(query, param_values=...,
// **named_params)` fills them.

#include <map>
#include <string>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/plan/logical_plan.h"

namespace ferry::sql {

/// What a statement's placeholders stand for, by the name after the `$`
/// ("1" for `$1`, "low" for `$low`).
struct StatementParams {
  /// Values (literals): the placeholder binds to the value, typed like what
  /// it is compared with where the value casts to that exactly.
  std::map<std::string, Expr> values;
  /// SQL text spliced in the placeholder's place before parsing
  /// (datafusion-python's named_params: `FROM $t`, `LIMIT $n`).
  std::map<std::string, std::string> texts;
  /// Plans read as a table where the placeholder stands (a DataFrame passed
  /// in named_params), under the name `$name`.
  std::map<std::string, PlanPtr> tables;

  bool empty() const { return values.empty() && texts.empty() && tables.empty(); }
};

/// A value placeholder of the text the parser reads: `$<number>` there.
struct Placeholder {
  std::string written;  // as the user wrote it: "$1", "$low"
  Expr value;           // a literal
};

/// The SQL text the parser reads, and its value placeholders by number.
struct PlaceholderText {
  std::string text;
  std::map<int, Placeholder> values;
};

/// `text` with `params.texts` and `params.tables` spliced in and named value
/// placeholders renumbered `$<n>` (the parser knows only numbers), found
/// with PostgreSQL's own scanner, so `$` in strings, comments and quoted
/// names is left alone.
///
/// Errors: Invalid naming a placeholder without a value (with its
/// position), a parameter the text has no placeholder for, or a value that
/// is not a literal. Text the scanner rejects is returned as is, for the
/// parser to report.
Result<PlaceholderText> ResolvePlaceholders(const std::string& text, const StatementParams& params);

}  // namespace ferry::sql
