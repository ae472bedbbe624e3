#pragma once

#include <memory>

#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/function/physical_expr.h"

namespace ferry {

/// Resolves a scalar expression against `schema`: finds columns, checks
/// and coerces types (Arrow's implicit casts: int + float -> float, ...),
/// and returns its evaluable form, whose type() is the expression's type.
///
/// Errors name the expression at fault: KeyError for an unknown column
/// (listing the available ones), TypeError for impossible types or casts,
/// Invalid for wrong arity or an aggregate/sort where a scalar is expected.
Result<PhysicalExprPtr> BindScalar(const Expr& expr, const arrow::Schema& schema);

/// Arrow's compute function for a comparison operator (= <> < <= > >=);
/// nullptr for any other operator.
const char* ComparisonFunction(Operator op);

/// The output field `expr` yields over `schema` (name = SchemaName()).
Result<std::shared_ptr<arrow::Field>> OutputField(const Expr& expr, const arrow::Schema& schema);

/// Index of the column `expr` names in `schema`; KeyError listing the
/// available columns when absent, Invalid when ambiguous.
Result<int> ResolveColumn(const ColumnNode& column, const arrow::Schema& schema);

/// Arrow's compute functions need registering once per process.
void EnsureArrowCompute();

}  // namespace ferry
