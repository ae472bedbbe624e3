#pragma once

#include <functional>
#include <optional>
#include <set>
#include <vector>

#include <arrow/type.h>

#include "ferry/expr/expr.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Helpers the optimizer rules share.

/// The conjuncts of `expr`: `a AND (b AND c)` gives {a, b, c}.
std::vector<Expr> SplitConjunction(const Expr& expr);
/// `a AND b AND ...` of `conjuncts`; nullopt when there are none.
std::optional<Expr> Conjoin(const std::vector<Expr>& conjuncts);

/// Whether `expr` calls a volatile function (random(), a UDF declared
/// volatile) anywhere. Such an expression must be evaluated exactly where
/// the user put it: moving it changes which rows it sees and how often.
bool IsVolatile(const Expr& expr);

/// Positions in `schema` of the columns `expr` references; nullopt when a
/// column does not resolve in `schema` (the caller then leaves `expr` alone).
std::optional<std::set<int>> ReferencedColumns(const Expr& expr, const arrow::Schema& schema);

/// `expr` with every column replaced by `replace(position in schema)`;
/// nullopt when a column does not resolve or `replace` returns nullopt.
std::optional<Expr> ReplaceColumns(const Expr& expr, const arrow::Schema& schema,
                                   const std::function<std::optional<Expr>(int)>& replace);

/// A boolean literal.
Expr BoolLit(bool value);
/// The literal boolean value of `expr` when it is a non-null Boolean
/// literal, else nullopt.
std::optional<bool> AsBoolLiteral(const Expr& expr);
/// Whether `expr` is a literal NULL (of any type).
bool IsNullLiteral(const Expr& expr);

/// `plan`'s node over `inputs` (in inputs() order), keeping its schema:
/// for rewrites that change no input's schema.
PlanPtr WithNewInputs(const PlanPtr& plan, std::vector<PlanPtr> inputs);

}  // namespace ferry
