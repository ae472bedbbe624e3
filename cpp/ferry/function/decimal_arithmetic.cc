// Decimal + - * / with DataFusion's result types. Arrow's decimal kernels
// compute exactly but type results differently (an int64 operand becomes
// decimal(19, 0) rather than (20, 0); a quotient gets scale
// max(4, s1 + p2 - s2 + 1) rather than s1 + 4) and refuse a result wider
// than 38 digits where DataFusion caps the precision at 38. So each
// operation runs on Arrow's checked kernel, in decimal256 when the
// uncapped width exceeds 38, and its result is cast to the DataFusion
// type; the safe cast turns a value that does not fit into an error.

#include <algorithm>

#include <arrow/compute/api.h>

#include "ferry/function/arithmetic_internal.h"

namespace ferry {
namespace arithmetic_internal {
namespace {

namespace cp = arrow::compute;

constexpr int kMaxPrecision = 38;

struct DecimalShape {
  int precision;
  int scale;
};

// Integers become decimals wide enough for every value, as DataFusion's
// coercion does (int64 -> decimal(20, 0)).
std::optional<DecimalShape> ShapeOf(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::DECIMAL128: {
      const auto& decimal = static_cast<const arrow::Decimal128Type&>(type);
      return DecimalShape{decimal.precision(), decimal.scale()};
    }
    case arrow::Type::INT8:
    case arrow::Type::UINT8:
      return DecimalShape{3, 0};
    case arrow::Type::INT16:
    case arrow::Type::UINT16:
      return DecimalShape{5, 0};
    case arrow::Type::INT32:
    case arrow::Type::UINT32:
      return DecimalShape{10, 0};
    case arrow::Type::INT64:
    case arrow::Type::UINT64:
      return DecimalShape{20, 0};
    default:
      return std::nullopt;
  }
}

const char* CheckedKernel(Operator op) {
  switch (op) {
    case Operator::kAdd:
      return "add_checked";
    case Operator::kSubtract:
      return "subtract_checked";
    case Operator::kMultiply:
      return "multiply_checked";
    default:
      return "divide_checked";
  }
}

// The DataFusion result type; TypeError when even the scale cannot fit.
Result<DecimalShape> ResultShape(Operator op, DecimalShape l, DecimalShape r,
                                 const std::string& display) {
  DecimalShape out{};
  switch (op) {
    case Operator::kAdd:
    case Operator::kSubtract:
      out.scale = std::max(l.scale, r.scale);
      out.precision = std::max(l.precision - l.scale, r.precision - r.scale) + out.scale + 1;
      break;
    case Operator::kMultiply:
      out.scale = l.scale + r.scale;
      out.precision = l.precision + r.precision + 1;
      break;
    default:
      // A fixed scale increment of 4, as PostgreSQL and DataFusion do.
      out.scale = std::min(kMaxPrecision, l.scale + 4);
      out.precision = l.precision - l.scale + r.scale + out.scale;
      break;
  }
  if (out.scale > kMaxPrecision) {
    return Status::TypeError("the result of ", display, " needs scale ", out.scale,
                             ", more than decimal's maximum of ", kMaxPrecision);
  }
  out.precision = std::clamp(out.precision, std::max(out.scale, 1), kMaxPrecision);
  return out;
}

// Reduces the scale of a decimal expression by truncation (the precision
// stays, so no value can overflow).
Result<PhysicalExprPtr> TruncateScale(PhysicalExprPtr arg, int scale,
                                      const std::string& display) {
  const auto& type = static_cast<const arrow::DecimalType&>(*arg->type());
  if (type.scale() <= scale) return arg;
  FERRY_ASSIGN_OR_RAISE(auto to, arrow::DecimalType::Make(type.id(), type.precision(), scale));
  auto options = std::make_shared<cp::CastOptions>(cp::CastOptions::Safe(to));
  options->allow_decimal_truncate = true;
  return MakeArrowCall("cast", {std::move(arg)}, std::move(options), display);
}

// Digits the dividend's scale is raised by so that Arrow's quotient scale,
// s1 + p2 - s2 + 1, reaches the result scale.
int DividendRaise(DecimalShape l, DecimalShape r, DecimalShape out) {
  return std::max(0, out.scale - (l.scale + r.precision - r.scale + 1));
}

// The precision of Arrow's result: the uncapped DataFusion one for + - *,
// p1 + p2 + 1 for / once the dividend is raised. Past 38 digits the
// arithmetic has to run in decimal256.
int ArrowPrecision(Operator op, DecimalShape l, DecimalShape r, DecimalShape out) {
  switch (op) {
    case Operator::kAdd:
    case Operator::kSubtract:
      return std::max(l.precision - l.scale, r.precision - r.scale) + out.scale + 1;
    case Operator::kMultiply:
      return l.precision + r.precision + 1;
    default:
      return l.precision + r.precision + 1 + DividendRaise(l, r, out);
  }
}

// The operands as decimals of `id` (decimal128 or decimal256), with the
// dividend's scale raised so the quotient keeps at least `out.scale` digits.
Result<std::pair<PhysicalExprPtr, PhysicalExprPtr>> Operands(
    Operator op, arrow::Type::type id, PhysicalExprPtr left, DecimalShape l,
    PhysicalExprPtr right, DecimalShape r, DecimalShape out, const std::string& display) {
  const int max_precision = id == arrow::Type::DECIMAL128 ? 38 : 76;
  if (op == Operator::kDivide) {
    // Arrow's quotient has scale max(4, s1 + p2 - s2 + 1) and precision
    // p1 + p2 + 1 when that wins; keep both inside the type.
    r.precision = std::min(r.precision, max_precision - 1 - l.precision);
    if (r.precision < std::max(r.scale, 1)) {
      return Status::TypeError("the divisor of ", display, " is too wide to divide exactly");
    }
    const int raise = DividendRaise(l, r, out);
    l.precision += raise;
    l.scale += raise;
  }
  FERRY_ASSIGN_OR_RAISE(auto left_type, arrow::DecimalType::Make(id, l.precision, l.scale));
  FERRY_ASSIGN_OR_RAISE(auto right_type, arrow::DecimalType::Make(id, r.precision, r.scale));
  FERRY_ASSIGN_OR_RAISE(left, MakeCast(std::move(left), left_type, display));
  FERRY_ASSIGN_OR_RAISE(right, MakeCast(std::move(right), right_type, display));
  return std::make_pair(std::move(left), std::move(right));
}

}  // namespace

Result<std::pair<PhysicalExprPtr, PhysicalExprPtr>> WidenDecimalComparison(
    PhysicalExprPtr left, PhysicalExprPtr right, const std::string& display) {
  const bool any_decimal = left->type()->id() == arrow::Type::DECIMAL128 ||
                           right->type()->id() == arrow::Type::DECIMAL128;
  const auto l = ShapeOf(*left->type());
  const auto r = ShapeOf(*right->type());
  if (!any_decimal || !l || !r) return std::make_pair(std::move(left), std::move(right));
  const int scale = std::max(l->scale, r->scale);
  const int precision = std::max(l->precision - l->scale, r->precision - r->scale) + scale;
  if (precision <= kMaxPrecision) return std::make_pair(std::move(left), std::move(right));
  // Decoded types may carry any scale Arrow accepts (negative, or beyond the
  // precision): arrow::decimal256() aborts on a precision past 76, so build
  // the common type through the checked constructor and say what is wrong.
  if (precision > arrow::Decimal256Type::kMaxPrecision) {
    return Status::TypeError("cannot compare ", display, ": no decimal type holds both ",
                             left->type()->ToString(), " and ", right->type()->ToString());
  }
  FERRY_ASSIGN_OR_RAISE(auto common, arrow::Decimal256Type::Make(precision, scale));
  FERRY_ASSIGN_OR_RAISE(left, MakeCast(std::move(left), common, display));
  FERRY_ASSIGN_OR_RAISE(right, MakeCast(std::move(right), common, display));
  return std::make_pair(std::move(left), std::move(right));
}

Result<PhysicalExprPtr> BindDecimalArithmetic(Operator op, PhysicalExprPtr left,
                                              PhysicalExprPtr right, const std::string& display) {
  if (op == Operator::kModulo) return nullptr;
  const auto& left_type = *left->type();
  const auto& right_type = *right->type();
  if (left_type.id() != arrow::Type::DECIMAL128 && right_type.id() != arrow::Type::DECIMAL128) {
    return nullptr;
  }
  auto l = ShapeOf(left_type);
  auto r = ShapeOf(right_type);
  if (!l || !r) return nullptr;
  FERRY_ASSIGN_OR_RAISE(auto out, ResultShape(op, *l, *r, display));
  auto out_type = arrow::decimal128(out.precision, out.scale);
  if (op != Operator::kDivide) {
    // Integer operands become decimal(digits, 0) first (exact).
    FERRY_ASSIGN_OR_RAISE(left, MakeCast(std::move(left), arrow::decimal128(l->precision, l->scale), display));
    FERRY_ASSIGN_OR_RAISE(right, MakeCast(std::move(right), arrow::decimal128(r->precision, r->scale), display));
    return BindDecimal128Arithmetic(op, std::move(left), std::move(right), out.precision, out.scale,
                                    display);
  }

  const auto id = ArrowPrecision(op, *l, *r, out) <= kMaxPrecision
                      ? arrow::Type::DECIMAL128
                      : arrow::Type::DECIMAL256;
  FERRY_ASSIGN_OR_RAISE(auto operands,
                        Operands(op, id, std::move(left), *l, std::move(right), *r, out, display));
  FERRY_ASSIGN_OR_RAISE(auto result, MakeArrowCall(CheckedKernel(op),
                                                   {operands.first, operands.second}, nullptr,
                                                   display));
  // Only a quotient has more scale than asked for; it truncates, like
  // Arrow's and DataFusion's integer division of the scaled values.
  FERRY_ASSIGN_OR_RAISE(result, TruncateScale(std::move(result), out.scale, display));
  return MakeCast(std::move(result), std::move(out_type), display);
}

}  // namespace arithmetic_internal
}  // namespace ferry
