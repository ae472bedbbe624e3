#pragma once

#include <memory>

#include "ferry/function/scalar_function.h"

namespace ferry {

/// `scalar_subquery_value(value, row_count, description)`: `value` as it
/// is, or an ExecutionError "more than one row returned by a subquery used
/// as an expression (<description>)" when any `row_count` exceeds 1.
///
/// SQL's decorrelation joins a scalar subquery's rows, counted per
/// correlation key, onto the outer query; this call is where the count
/// meets an outer row, so a subquery fails only for the rows that use it,
/// as in PostgreSQL. `description` must be a string literal.
std::shared_ptr<const ScalarFunction> MakeScalarSubqueryValue();

}  // namespace ferry
