// SQL constants and type names: integers are Int64, numbers with a point
// Decimal128 (exact, as in PostgreSQL and DuckDB; TPC-H's `0.06 + 0.01`
// must stay 0.07), with an exponent Float64; 'text'::date and interval
// literals are parsed here into their scalars.

#include <arrow/scalar.h>
#include <arrow/util/decimal.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Result<Expr> NumberLiteral(const std::string& text) {
  const bool has_exponent = text.find_first_of("eE") != std::string::npos;
  if (!has_exponent && text.find('.') != std::string::npos) {
    arrow::Decimal128 value;
    int32_t precision = 0, scale = 0;
    auto status = arrow::Decimal128::FromString(text, &value, &precision, &scale);
    if (status.ok() && precision <= 38) {
      precision = std::max(precision, scale);
      return Lit(std::make_shared<arrow::Decimal128Scalar>(
          value, arrow::decimal128(std::max(precision, 1), scale)));
    }
  }
  // Exponents, and integers too large for Int64 (which PostgreSQL gives as
  // a Float node).
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::Invalid("cannot read number literal '", text, "'");
  }
  return Lit(std::make_shared<arrow::DoubleScalar>(value));
}

// PostgreSQL's interval field bits (INTERVAL_MASK in datetime.h) in the
// typmod of `interval '3' month`.
constexpr int kMonthBit = 1 << 1, kYearBit = 1 << 2, kDayBit = 1 << 3, kHourBit = 1 << 10,
              kMinuteBit = 1 << 11, kSecondBit = 1 << 12;

// Adds `amount` (truncated) to an interval field, refusing what the field
// cannot hold: converting an out-of-range double, or overflowing the sum, is
// undefined behaviour (CI's sanitized smoke suite: interval '9999999999999 years').
template <typename Field>
Status AddToField(double amount, Field* field, const std::string& text) {
  constexpr double kLimit = -static_cast<double>(std::numeric_limits<Field>::min());
  if (!(amount > -kLimit && amount < kLimit) ||
      __builtin_add_overflow(*field, static_cast<Field>(amount), field)) {
    return Status::Invalid("interval '", text, "' is out of range");
  }
  return Status::OK();
}

Status AddIntervalPart(double amount, std::string unit, arrow::MonthDayNanoIntervalType::MonthDayNanos* out,
                       const std::string& text) {
  unit = Lower(unit);
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  constexpr double kSecond = 1000000000.0;
  if (unit == "year" || unit == "yr" || unit == "y") return AddToField(amount * 12, &out->months, text);
  if (unit == "month" || unit == "mon") return AddToField(amount, &out->months, text);
  if (unit == "week" || unit == "w") return AddToField(amount * 7, &out->days, text);
  if (unit == "day" || unit == "d") return AddToField(amount, &out->days, text);
  if (unit == "hour" || unit == "hr" || unit == "h") return AddToField(amount * 3600 * kSecond, &out->nanoseconds, text);
  if (unit == "minute" || unit == "min" || unit == "m") return AddToField(amount * 60 * kSecond, &out->nanoseconds, text);
  if (unit == "second" || unit == "sec" || unit == "s") return AddToField(amount * kSecond, &out->nanoseconds, text);
  if (unit == "millisecond" || unit == "ms") return AddToField(amount * 1000000, &out->nanoseconds, text);
  return Status::Invalid("unknown interval unit '", unit, "' in interval '", text, "'");
}

Result<Expr> IntervalLiteral(const std::string& text, int field_bits) {
  arrow::MonthDayNanoIntervalType::MonthDayNanos value{0, 0, 0};
  size_t pos = 0;
  bool any = false;
  auto skip_space = [&] {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  };
  while (true) {
    skip_space();
    if (pos >= text.size()) break;
    size_t start = pos;
    if (text[pos] == '-' || text[pos] == '+') ++pos;
    while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) ++pos;
    double amount = 0;
    auto [end, error] = std::from_chars(text.data() + start, text.data() + pos, amount);
    if (error != std::errc() || end == text.data() + start) {
      return Status::Invalid("cannot read interval '", text, "': expected a number at '",
                             text.substr(start, 20), "'");
    }
    skip_space();
    size_t unit_start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string unit = text.substr(unit_start, pos - unit_start);
    if (unit.empty()) {
      // `interval '3' month`: the unit is in the type modifier.
      if (field_bits & kYearBit) unit = "year";
      else if (field_bits & kMonthBit) unit = "month";
      else if (field_bits & kDayBit) unit = "day";
      else if (field_bits & kHourBit) unit = "hour";
      else if (field_bits & kMinuteBit) unit = "minute";
      else unit = "second";
    }
    FERRY_RETURN_NOT_OK(AddIntervalPart(amount, unit, &value, text));
    any = true;
  }
  if (!any) return Status::Invalid("empty interval literal");
  return Lit(std::make_shared<arrow::MonthDayNanoIntervalScalar>(value));
}

}  // namespace

std::string StringValue(const pg_query::Node& node) {
  return node.has_string() ? node.string().sval() : "";
}

Result<Expr> BindConstant(const pg_query::A_Const& constant) {
  if (constant.isnull()) return Lit(std::make_shared<arrow::NullScalar>());
  switch (constant.val_case()) {
    case pg_query::A_Const::kIval:
      return Lit(std::make_shared<arrow::Int64Scalar>(constant.ival().ival()));
    case pg_query::A_Const::kFval:
      return NumberLiteral(constant.fval().fval());
    case pg_query::A_Const::kBoolval:
      return Lit(std::make_shared<arrow::BooleanScalar>(constant.boolval().boolval()));
    case pg_query::A_Const::kSval:
      return Lit(std::make_shared<arrow::StringScalar>(constant.sval().sval()));
    default:
      return Status::NotImplemented("unsupported SQL constant (bit strings are not supported)");
  }
}

Result<std::shared_ptr<arrow::DataType>> BindTypeName(const pg_query::TypeName& type) {
  if (type.names_size() == 0) return Status::Invalid("type name without a name");
  if (type.array_bounds_size() > 0) return Status::NotImplemented("array types are not supported");
  const std::string name = Lower(StringValue(type.names(type.names_size() - 1)));
  std::vector<int64_t> mods;
  for (const auto& mod : type.typmods()) {
    if (mod.has_a_const() && mod.a_const().has_ival()) mods.push_back(mod.a_const().ival().ival());
  }
  if (name == "int2" || name == "smallint") return arrow::int16();
  if (name == "int4" || name == "int" || name == "integer") return arrow::int32();
  if (name == "int8" || name == "bigint") return arrow::int64();
  if (name == "tinyint") return arrow::int8();
  if (name == "float4" || name == "real") return arrow::float32();
  if (name == "float8" || name == "double" || name == "float") return arrow::float64();
  if (name == "bool" || name == "boolean") return arrow::boolean();
  if (name == "text" || name == "varchar" || name == "bpchar" || name == "char" || name == "string") {
    return arrow::utf8();
  }
  if (name == "bytea" || name == "blob") return arrow::binary();
  if (name == "date") return arrow::date32();
  if (name == "timestamp") return arrow::timestamp(arrow::TimeUnit::MICRO);
  if (name == "timestamptz") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  if (name == "interval") return arrow::month_day_nano_interval();
  if (name == "numeric" || name == "decimal") {
    const int32_t precision = mods.empty() ? 38 : static_cast<int32_t>(mods[0]);
    const int32_t scale = mods.size() < 2 ? (mods.empty() ? 10 : 0) : static_cast<int32_t>(mods[1]);
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
      return Status::Invalid("decimal(", precision, ", ", scale, ") is out of range: precision ",
                             "1 to 38, scale 0 to precision");
    }
    return arrow::decimal128(precision, scale);
  }
  return Status::NotImplemented("unsupported SQL type '", name, "'");
}

Result<std::optional<Expr>> FoldTypedLiteral(const std::string& text, const pg_query::TypeName& type) {
  FERRY_ASSIGN_OR_RAISE(auto arrow_type, BindTypeName(type));
  if (arrow_type->id() == arrow::Type::INTERVAL_MONTH_DAY_NANO) {
    int bits = 0;
    for (const auto& mod : type.typmods()) {
      if (mod.has_a_const() && mod.a_const().has_ival()) bits = mod.a_const().ival().ival();
    }
    FERRY_ASSIGN_OR_RAISE(auto interval, IntervalLiteral(text, bits));
    return std::optional<Expr>(interval);
  }
  if (arrow_type->id() == arrow::Type::DATE32 || arrow_type->id() == arrow::Type::TIMESTAMP) {
    std::string value = text;
    // PostgreSQL's 'YYYY-MM-DD HH:MM:SS' spelling of a timestamp.
    if (arrow_type->id() == arrow::Type::TIMESTAMP && value.size() > 10 && value[10] == ' ') value[10] = 'T';
    auto scalar = arrow::Scalar::Parse(arrow_type, value);
    if (!scalar.ok()) {
      return Status::Invalid("invalid ", arrow_type->ToString(), " literal '", text, "'");
    }
    return std::optional<Expr>(Lit(*scalar));
  }
  return std::optional<Expr>();
}

}  // namespace ferry::sql
