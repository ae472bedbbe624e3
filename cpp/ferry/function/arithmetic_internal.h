#pragma once

/// Binding of the arithmetic operators (bind.cc only): which Arrow kernel
/// computes `left op right`, with what result type, and where Arrow's own
/// dispatch is not what a SQL user expects (overflow, decimal widths,
/// calendar intervals).

#include <string>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/function/physical_expr.h"

namespace ferry {
namespace arithmetic_internal {

/// True for + - * / %.
bool IsArithmetic(Operator op);

/// Binds `left op right` for an arithmetic operator. Integer arithmetic
/// uses Arrow's checked kernels, so an overflow is an error naming
/// `display`, never a wrapped value.
Result<PhysicalExprPtr> BindArithmetic(Operator op, PhysicalExprPtr left, PhysicalExprPtr right,
                                       const std::string& display);

/// Binds -arg with the checked kernel (-(INT64_MIN) is an error).
Result<PhysicalExprPtr> BindNegate(PhysicalExprPtr arg, const std::string& display);

/// Decimal arithmetic with DataFusion's result types (decimal_arithmetic.cc):
/// an integer operand becomes decimal(digits, 0); + and - give
/// decimal(max(p1-s1, p2-s2) + max(s1, s2) + 1, max(s1, s2)), * gives
/// decimal(p1 + p2 + 1, s1 + s2), / gives decimal(p1 - s1 + s2 + s1 + 4,
/// s1 + 4), precision capped at 38. A value that does not fit is an error.
/// Returns nullptr when the operands are not a decimal128 pair (e.g. a
/// float operand, which Arrow turns into float64 arithmetic).
Result<PhysicalExprPtr> BindDecimalArithmetic(Operator op, PhysicalExprPtr left,
                                              PhysicalExprPtr right, const std::string& display);

/// `left op right` for + - * over two decimal128 operands, computed in
/// 128-bit integers (decimal_kernel.cc): the result is
/// decimal128(out_precision, out_scale) and a value outside it is an
/// error. For + and -, out_scale must be at least both scales; for *, it
/// must be their sum.
Result<PhysicalExprPtr> BindDecimal128Arithmetic(Operator op, PhysicalExprPtr left,
                                                 PhysicalExprPtr right, int out_precision,
                                                 int out_scale, const std::string& display);

/// Operands of a comparison between decimals (or a decimal and an
/// integer) whose common type needs more than 38 digits: both are cast to
/// that type as decimal256, so the comparison stays exact where Arrow's
/// own decimal128 promotion would fail. Other operands come back as given.
Result<std::pair<PhysicalExprPtr, PhysicalExprPtr>> WidenDecimalComparison(
    PhysicalExprPtr left, PhysicalExprPtr right, const std::string& display);

/// `function` ("equal", "less", ... as ComparisonFunction names them) of a
/// decimal128 and a decimal128 or integer whose common type fits 38 digits,
/// compared on the 128-bit integers (decimal_comparison.cc); nullptr for
/// any other operands, which Arrow's kernels compare.
Result<PhysicalExprPtr> BindDecimalComparison(const std::string& function, PhysicalExprPtr left,
                                              PhysicalExprPtr right, const std::string& display);

/// date32/timestamp ± a month_day_nano_interval literal (temporal_arithmetic.cc),
/// and interval + date. Months move the calendar month and clamp the day
/// to the month's last day (Jan 31 + 1 month = Feb 28/29), as PostgreSQL
/// and DataFusion do; then days, then nanoseconds are added. Returns
/// nullptr when neither operand is an interval.
Result<PhysicalExprPtr> BindIntervalArithmetic(Operator op, PhysicalExprPtr left,
                                               PhysicalExprPtr right, const std::string& display);

}  // namespace arithmetic_internal
}  // namespace ferry
