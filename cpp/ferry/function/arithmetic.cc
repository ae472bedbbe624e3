// Arithmetic operators. Arrow's plain integer kernels wrap on overflow
// (2^62 + 2^62 gives -2^63, INT64_MIN / -1 gives 0); a query engine must
// not answer wrongly in silence, so integer results come from the
// *_checked kernels and an overflow fails the query naming the expression,
// as PostgreSQL and DuckDB do. Floats keep IEEE semantics (x / 0.0 is
// inf), decimals and calendar intervals have their own files.

#include "ferry/function/arithmetic_internal.h"

namespace ferry {
namespace arithmetic_internal {
namespace {

// Integers and untyped NULLs: the operands whose result can overflow.
bool IsIntegerOrNull(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || type.id() == arrow::Type::NA;
}

const char* KernelFor(Operator op, bool checked) {
  switch (op) {
    case Operator::kAdd:
      return checked ? "add_checked" : "add";
    case Operator::kSubtract:
      return checked ? "subtract_checked" : "subtract";
    case Operator::kMultiply:
      return checked ? "multiply_checked" : "multiply";
    case Operator::kDivide:
      return checked ? "divide_checked" : "divide";
    default:
      // Truncated like SQL and DataFusion; it cannot overflow, and a zero
      // divisor is already an error.
      return "remainder";
  }
}

}  // namespace

bool IsArithmetic(Operator op) {
  switch (op) {
    case Operator::kAdd:
    case Operator::kSubtract:
    case Operator::kMultiply:
    case Operator::kDivide:
    case Operator::kModulo:
      return true;
    default:
      return false;
  }
}

Result<PhysicalExprPtr> BindArithmetic(Operator op, PhysicalExprPtr left, PhysicalExprPtr right,
                                       const std::string& display) {
  FERRY_ASSIGN_OR_RAISE(auto interval, BindIntervalArithmetic(op, left, right, display));
  if (interval) return interval;
  FERRY_ASSIGN_OR_RAISE(auto decimal, BindDecimalArithmetic(op, left, right, display));
  if (decimal) return decimal;
  const bool checked = IsIntegerOrNull(*left->type()) && IsIntegerOrNull(*right->type());
  return MakeArrowCall(KernelFor(op, checked), {std::move(left), std::move(right)}, nullptr,
                       display);
}

Result<PhysicalExprPtr> BindNegate(PhysicalExprPtr arg, const std::string& display) {
  const bool checked = arrow::is_signed_integer(arg->type()->id());
  return MakeArrowCall(checked ? "negate_checked" : "negate", {std::move(arg)}, nullptr, display);
}

}  // namespace arithmetic_internal
}  // namespace ferry
