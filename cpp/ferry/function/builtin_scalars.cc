// Built-in scalar functions: each lowers a call onto Arrow compute kernels,
// reading the arguments Arrow wants as options (digits, patterns, units)
// from literal arguments.

#include <algorithm>
#include <functional>

#include <arrow/compute/api.h>

#include "ferry/function/registry.h"
#include "ferry/function/scalar_subquery_value.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;
using Bound = std::vector<PhysicalExprPtr>;
using Lowering =
    std::function<Result<PhysicalExprPtr>(const std::string& display, const std::vector<Expr>&, Bound)>;

class BuiltinScalar final : public ScalarFunction {
 public:
  BuiltinScalar(std::string name, size_t min_args, size_t max_args, Lowering lower)
      : name_(std::move(name)), min_args_(min_args), max_args_(max_args), lower_(std::move(lower)) {}

  const std::string& name() const override { return name_; }

  Result<PhysicalExprPtr> Bind(const std::vector<Expr>& args, Bound bound) const override {
    std::string display = ScalarCall(nullptr, name_, args).ToString();
    if (bound.size() < min_args_ || bound.size() > max_args_) {
      std::string expected = min_args_ == max_args_
                                 ? std::to_string(min_args_)
                                 : max_args_ == SIZE_MAX
                                       ? "at least " + std::to_string(min_args_)
                                       : std::to_string(min_args_) + " to " + std::to_string(max_args_);
      return Status::Invalid(name_, " expects ", expected, " argument",
                             expected == "1" ? "" : "s", ", got ", bound.size(), " in ", display);
    }
    return lower_(display, args, std::move(bound));
  }

 private:
  std::string name_;
  size_t min_args_;
  size_t max_args_;
  Lowering lower_;
};

std::shared_ptr<const ScalarFunction> Make(std::string name, size_t min_args, size_t max_args,
                                           Lowering lower) {
  return std::make_shared<BuiltinScalar>(std::move(name), min_args, max_args, std::move(lower));
}

// A function that maps one to one onto an Arrow kernel without options.
std::shared_ptr<const ScalarFunction> Direct(std::string name, std::string arrow_name,
                                             size_t arity) {
  return Make(std::move(name), arity, arity,
              [arrow_name](const std::string& display, const std::vector<Expr>&, Bound bound) {
                return MakeArrowCall(arrow_name, std::move(bound), nullptr, display);
              });
}

Result<std::shared_ptr<arrow::Scalar>> LiteralArg(const Bound& bound, size_t i,
                                                  const std::string& what,
                                                  const std::string& display) {
  auto constant = bound[i]->constant();
  if (!constant) return Status::TypeError(what, " of ", display, " must be a literal");
  return constant;
}

Result<std::string> StringArg(const Bound& bound, size_t i, const std::string& what,
                              const std::string& display) {
  FERRY_ASSIGN_OR_RAISE(auto scalar, LiteralArg(bound, i, what, display));
  if (!arrow::is_string(scalar->type->id()) || !scalar->is_valid) {
    return Status::TypeError(what, " of ", display, " must be a non-null string literal");
  }
  return scalar->ToString();
}

Result<int64_t> IntArg(const Bound& bound, size_t i, const std::string& what,
                       const std::string& display) {
  FERRY_ASSIGN_OR_RAISE(auto scalar, LiteralArg(bound, i, what, display));
  if (!arrow::is_integer(scalar->type->id()) || !scalar->is_valid) {
    return Status::TypeError(what, " of ", display, " must be a non-null integer literal");
  }
  FERRY_ASSIGN_OR_RAISE(auto as_int64, scalar->CastTo(arrow::int64()));
  return std::static_pointer_cast<arrow::Int64Scalar>(as_int64)->value;
}

// NULL literals among the arguments take the first typed argument's type.
Result<Bound> UnifyNulls(Bound bound) {
  auto typed = std::find_if(bound.begin(), bound.end(),
                            [](const auto& b) { return b->type()->id() != arrow::Type::NA; });
  if (typed == bound.end()) return bound;
  auto type = (*typed)->type();
  for (auto& b : bound) {
    if (b->type()->id() == arrow::Type::NA) {
      auto null = arrow::MakeNullScalar(type);
      b = MakeLiteral(std::move(null));
    }
  }
  return bound;
}

Result<PhysicalExprPtr> LowerRound(const std::string& display, const std::vector<Expr>&,
                                   Bound bound) {
  int64_t digits = 0;
  if (bound.size() == 2) {
    FERRY_ASSIGN_OR_RAISE(digits, IntArg(bound, 1, "the number of digits", display));
  }
  auto options = std::make_shared<cp::RoundOptions>(digits, cp::RoundMode::HALF_TOWARDS_INFINITY);
  return MakeArrowCall("round", {bound[0]}, options, display);
}

Result<PhysicalExprPtr> LowerConcat(const std::string& display, const std::vector<Expr>&,
                                    Bound bound) {
  // SQL concat skips NULL arguments and casts non-strings to text.
  for (auto& b : bound) {
    if (!arrow::is_string(b->type()->id())) {
      FERRY_ASSIGN_OR_RAISE(b, MakeCast(b, arrow::utf8(), display));
    }
  }
  bound.push_back(MakeLiteral(std::make_shared<arrow::StringScalar>("")));
  auto options = std::make_shared<cp::JoinOptions>(cp::JoinOptions::REPLACE, "");
  return MakeArrowCall("binary_join_element_wise", std::move(bound), options, display);
}

Result<PhysicalExprPtr> LowerSubstr(const std::string& display, const std::vector<Expr>&,
                                    Bound bound) {
  // SQL positions are 1-based; a start before 1 eats into the length.
  FERRY_ASSIGN_OR_RAISE(int64_t start, IntArg(bound, 1, "the start position", display));
  int64_t begin = start - 1;
  int64_t end = std::numeric_limits<int64_t>::max();
  if (bound.size() == 3) {
    FERRY_ASSIGN_OR_RAISE(int64_t length, IntArg(bound, 2, "the length", display));
    if (length < 0) return Status::Invalid("negative length ", length, " in ", display);
    end = std::max<int64_t>(begin + length, 0);
  }
  begin = std::max<int64_t>(begin, 0);
  auto options = std::make_shared<cp::SliceOptions>(begin, end);
  return MakeArrowCall("utf8_slice_codeunits", {bound[0]}, options, display);
}

Result<PhysicalExprPtr> LowerReplace(const std::string& display, const std::vector<Expr>&,
                                     Bound bound) {
  FERRY_ASSIGN_OR_RAISE(auto from, StringArg(bound, 1, "the search string", display));
  FERRY_ASSIGN_OR_RAISE(auto to, StringArg(bound, 2, "the replacement", display));
  auto options = std::make_shared<cp::ReplaceSubstringOptions>(from, to);
  return MakeArrowCall("replace_substring", {bound[0]}, options, display);
}

Lowering MatchLowering(std::string arrow_name) {
  return [arrow_name](const std::string& display, const std::vector<Expr>&, Bound bound)
             -> Result<PhysicalExprPtr> {
    FERRY_ASSIGN_OR_RAISE(auto pattern, StringArg(bound, 1, "the pattern", display));
    auto options = std::make_shared<cp::MatchSubstringOptions>(pattern);
    return MakeArrowCall(arrow_name, {bound[0]}, options, display);
  };
}

Result<PhysicalExprPtr> LowerCoalesce(const std::string& display, const std::vector<Expr>&,
                                      Bound bound) {
  FERRY_ASSIGN_OR_RAISE(bound, UnifyNulls(std::move(bound)));
  return MakeArrowCall("coalesce", std::move(bound), nullptr, display);
}

Result<PhysicalExprPtr> LowerNullIf(const std::string& display, const std::vector<Expr>&,
                                    Bound bound) {
  // NULLIF(a, b): NULL where a = b holds, else a (an unknown comparison keeps a).
  FERRY_ASSIGN_OR_RAISE(bound, UnifyNulls(std::move(bound)));
  FERRY_ASSIGN_OR_RAISE(auto equal, MakeArrowCall("equal", bound, nullptr, display));
  FERRY_ASSIGN_OR_RAISE(
      auto known_equal,
      MakeArrowCall("coalesce", {equal, MakeLiteral(std::make_shared<arrow::BooleanScalar>(false))},
                    nullptr, display));
  auto null = arrow::MakeNullScalar(bound[0]->type());
  return MakeArrowCall("if_else", {known_equal, MakeLiteral(std::move(null)), bound[0]}, nullptr,
                       display);
}

Result<cp::CalendarUnit> CalendarUnitFor(const std::string& unit, const std::string& display) {
  static const std::pair<const char*, cp::CalendarUnit> kUnits[] = {
      {"year", cp::CalendarUnit::YEAR},     {"quarter", cp::CalendarUnit::QUARTER},
      {"month", cp::CalendarUnit::MONTH},   {"week", cp::CalendarUnit::WEEK},
      {"day", cp::CalendarUnit::DAY},       {"hour", cp::CalendarUnit::HOUR},
      {"minute", cp::CalendarUnit::MINUTE}, {"second", cp::CalendarUnit::SECOND},
      {"millisecond", cp::CalendarUnit::MILLISECOND},
      {"microsecond", cp::CalendarUnit::MICROSECOND},
      {"nanosecond", cp::CalendarUnit::NANOSECOND},
  };
  for (const auto& [name, value] : kUnits) {
    if (unit == name) return value;
  }
  return Status::Invalid("unknown time unit '", unit, "' in ", display,
                         "; expected year, quarter, month, week, day, hour, minute, second, "
                         "millisecond, microsecond or nanosecond");
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Result<PhysicalExprPtr> LowerDateTrunc(const std::string& display, const std::vector<Expr>&,
                                       Bound bound) {
  FERRY_ASSIGN_OR_RAISE(auto unit, StringArg(bound, 0, "the unit", display));
  FERRY_ASSIGN_OR_RAISE(auto calendar_unit, CalendarUnitFor(Lower(unit), display));
  auto options = std::make_shared<cp::RoundTemporalOptions>(1, calendar_unit);
  return MakeArrowCall("floor_temporal", {bound[1]}, options, display);
}

Result<PhysicalExprPtr> LowerDatePart(const std::string& display, const std::vector<Expr>&,
                                      Bound bound) {
  FERRY_ASSIGN_OR_RAISE(auto part, StringArg(bound, 0, "the part", display));
  static const std::pair<const char*, const char*> kParts[] = {
      {"year", "year"},           {"quarter", "quarter"},
      {"month", "month"},         {"week", "iso_week"},
      {"day", "day"},             {"hour", "hour"},
      {"minute", "minute"},       {"second", "second"},
      {"millisecond", "millisecond"}, {"microsecond", "microsecond"},
      {"nanosecond", "nanosecond"}, {"doy", "day_of_year"},
      {"dow", "day_of_week"},
  };
  part = Lower(part);
  for (const auto& [name, arrow_name] : kParts) {
    if (part != name) continue;
    std::shared_ptr<cp::FunctionOptions> options;
    // SQL's dow counts from Sunday = 0.
    if (part == "dow") options = std::make_shared<cp::DayOfWeekOptions>(true, 7);
    FERRY_ASSIGN_OR_RAISE(auto value, MakeArrowCall(arrow_name, {bound[1]}, options, display));
    return MakeCast(value, arrow::int32(), display);
  }
  return Status::Invalid("unknown date part '", part, "' in ", display,
                         "; expected year, quarter, month, week, day, hour, minute, second, "
                         "millisecond, microsecond, nanosecond, doy or dow");
}

}  // namespace

std::vector<std::shared_ptr<const ScalarFunction>> BuiltinScalarFunctions() {
  constexpr size_t kMany = SIZE_MAX;
  return {
      // abs(INT64_MIN) has no int64 answer: an error, not INT64_MIN.
      Direct("abs", "abs_checked", 1),
      Make("round", 1, 2, LowerRound),
      Direct("floor", "floor", 1),
      Direct("ceil", "ceil", 1),
      Direct("trunc", "trunc", 1),
      Direct("sqrt", "sqrt", 1),
      Direct("exp", "exp", 1),
      Direct("ln", "ln", 1),
      Direct("log10", "log10", 1),
      Direct("log2", "log2", 1),
      Direct("power", "power", 2),
      Direct("signum", "sign", 1),
      Direct("sin", "sin", 1),
      Direct("cos", "cos", 1),
      Direct("tan", "tan", 1),
      Direct("lower", "utf8_lower", 1),
      Direct("upper", "utf8_upper", 1),
      Direct("length", "utf8_length", 1),
      Direct("char_length", "utf8_length", 1),
      Direct("trim", "utf8_trim_whitespace", 1),
      Direct("btrim", "utf8_trim_whitespace", 1),
      Direct("ltrim", "utf8_ltrim_whitespace", 1),
      Direct("rtrim", "utf8_rtrim_whitespace", 1),
      Direct("reverse", "utf8_reverse", 1),
      Make("concat", 1, kMany, LowerConcat),
      Make("substr", 2, 3, LowerSubstr),
      Make("replace", 3, 3, LowerReplace),
      Make("starts_with", 2, 2, MatchLowering("starts_with")),
      Make("ends_with", 2, 2, MatchLowering("ends_with")),
      Make("coalesce", 1, kMany, LowerCoalesce),
      Make("nullif", 2, 2, LowerNullIf),
      Make("date_trunc", 2, 2, LowerDateTrunc),
      Make("date_part", 2, 2, LowerDatePart),
      MakeScalarSubqueryValue(),
  };
}

}  // namespace ferry
