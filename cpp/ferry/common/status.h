#pragma once

/// ferry reports failure with Arrow's Status/Result: the engine lives on
/// Arrow, so one error currency crosses every layer without conversion.

#include <arrow/result.h>
#include <arrow/status.h>

namespace ferry {

using arrow::Result;
using arrow::Status;

}  // namespace ferry

#define FERRY_RETURN_NOT_OK(expr) ARROW_RETURN_NOT_OK(expr)
#define FERRY_ASSIGN_OR_RAISE(lhs, rexpr) ARROW_ASSIGN_OR_RAISE(lhs, rexpr)
