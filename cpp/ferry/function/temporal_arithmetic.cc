// date32 / timestamp ± month_day_nano_interval. Arrow 26 has no kernel for
// calendar intervals (it adds durations only), and a month is no fixed
// number of days, so the shift is computed here: through the civil
// (year, month, day) of each value, the one calendar rule SQL engines
// share (PostgreSQL, DuckDB, DataFusion): months first, the day clamped to
// the new month's length, then days, then nanoseconds.

#include <arrow/array/util.h>
#include <arrow/compute/api.h>

#include "ferry/function/arithmetic_internal.h"

namespace ferry {
namespace arithmetic_internal {
namespace {

using Interval = arrow::MonthDayNanoIntervalType::MonthDayNanos;

struct Civil {
  int64_t year;
  int64_t month;  // 1..12
  int64_t day;    // 1..31
};

// Days since 1970-01-01 <-> proleptic Gregorian date, counted in 400-year
// eras of 146097 days so that the leap rules are exact for any day.
Civil CivilFromDays(int64_t days) {
  days += 719468;  // shift the epoch to 0000-03-01: leap days end a year
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

int64_t DaysFromCivil(Civil c) {
  const int64_t year = c.year - (c.month <= 2);
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t shifted_month = c.month > 2 ? c.month - 3 : c.month + 9;
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + c.day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int64_t AddMonths(int64_t days, int64_t months) {
  if (months == 0) return days;
  Civil c = CivilFromDays(days);
  const int64_t total = c.year * 12 + (c.month - 1) + months;
  c.year = total >= 0 ? total / 12 : (total - 11) / 12;
  c.month = total - c.year * 12 + 1;
  c.day = std::min(c.day, DaysInMonth(c.year, c.month));
  return DaysFromCivil(c);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t UnitsPerSecond(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return 1;
    case arrow::TimeUnit::MILLI:
      return 1000;
    case arrow::TimeUnit::MICRO:
      return 1000000;
    default:
      return 1000000000;
  }
}

/// value ± a constant interval, for a date32 or timestamp value.
class IntervalShift final : public PhysicalExpr {
 public:
  IntervalShift(PhysicalExprPtr arg, Interval interval, std::string display)
      : PhysicalExpr(arg->type()),
        arg_(std::move(arg)),
        interval_(interval),
        display_(std::move(display)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    FERRY_ASSIGN_OR_RAISE(auto value, arg_->Evaluate(batch));
    if (value.is_scalar()) return ShiftScalar(*value.scalar());
    return ShiftArray(*value.array());
  }

  std::string ToString() const override {
    return "interval_shift(" + arg_->ToString() + ", " + std::to_string(interval_.months) + "m " +
           std::to_string(interval_.days) + "d " + std::to_string(interval_.nanoseconds) + "ns)";
  }

  Result<std::shared_ptr<arrow::Scalar>> ShiftScalar(const arrow::Scalar& scalar) const {
    FERRY_ASSIGN_OR_RAISE(auto array, arrow::MakeArrayFromScalar(scalar, 1));
    FERRY_ASSIGN_OR_RAISE(auto shifted, ShiftArray(*array->data()));
    return shifted.make_array()->GetScalar(0);
  }

 private:
  Result<arrow::Datum> ShiftArray(const arrow::ArrayData& in) const {
    auto out = in.Copy();
    const int64_t width = type()->id() == arrow::Type::DATE32 ? 4 : 8;
    FERRY_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> values,
                          arrow::AllocateBuffer((in.offset + in.length) * width));
    std::memset(values->mutable_data(), 0, values->size());
    out->buffers[1] = values;
    Status status;
    auto valid = [&](int64_t i) { return in.buffers[0] == nullptr || in.IsValid(i); };
    if (type()->id() == arrow::Type::DATE32) {
      const int32_t* src = in.GetValues<int32_t>(1, 0);
      auto* dst = reinterpret_cast<int32_t*>(values->mutable_data());
      const int64_t extra_days = interval_.days + FloorDiv(interval_.nanoseconds, 86400000000000LL);
      for (int64_t i = in.offset; i < in.offset + in.length; ++i) {
        if (!valid(i - in.offset)) continue;
        const int64_t days = AddMonths(src[i], interval_.months) + extra_days;
        if (days < INT32_MIN || days > INT32_MAX) return Overflow();
        dst[i] = static_cast<int32_t>(days);
      }
    } else {
      const auto unit = static_cast<const arrow::TimestampType&>(*type()).unit();
      const int64_t per_second = UnitsPerSecond(unit);
      const int64_t per_day = per_second * 86400;
      // Nanoseconds finer than the unit are dropped (truncated), as a cast would.
      const int64_t extra = interval_.nanoseconds / (1000000000 / per_second);
      const int64_t* src = in.GetValues<int64_t>(1, 0);
      auto* dst = reinterpret_cast<int64_t*>(values->mutable_data());
      for (int64_t i = in.offset; i < in.offset + in.length; ++i) {
        if (!valid(i - in.offset)) continue;
        const int64_t days = FloorDiv(src[i], per_day);
        const int64_t time_of_day = src[i] - days * per_day;
        const int64_t new_days = AddMonths(days, interval_.months) + interval_.days;
        int64_t result;
        if (__builtin_mul_overflow(new_days, per_day, &result) ||
            __builtin_add_overflow(result, time_of_day, &result) ||
            __builtin_add_overflow(result, extra, &result)) {
          return Overflow();
        }
        dst[i] = result;
      }
    }
    return arrow::Datum(std::move(out));
  }

  Status Overflow() const {
    return Status::Invalid("evaluating ", display_, ": the result is out of range for ",
                           DisplayTypeName(*type()));
  }

  PhysicalExprPtr arg_;
  Interval interval_;
  std::string display_;
};

bool IsInterval(const arrow::DataType& type) {
  return type.id() == arrow::Type::INTERVAL_MONTH_DAY_NANO;
}

}  // namespace

Result<PhysicalExprPtr> BindIntervalArithmetic(Operator op, PhysicalExprPtr left,
                                               PhysicalExprPtr right, const std::string& display) {
  const bool left_interval = IsInterval(*left->type());
  const bool right_interval = IsInterval(*right->type());
  if (!left_interval && !right_interval) return nullptr;
  if (left_interval && op == Operator::kAdd && !right_interval) std::swap(left, right);
  const auto& value_type = *left->type();
  const bool temporal = value_type.id() == arrow::Type::DATE32 ||
                        value_type.id() == arrow::Type::TIMESTAMP;
  if (!temporal || IsInterval(value_type) ||
      (op != Operator::kAdd && op != Operator::kSubtract)) {
    return Status::TypeError("cannot evaluate ", display, ": an interval can only be added to or ",
                             "subtracted from a Date32 or Timestamp, not combined with ",
                             DisplayTypeName(value_type), " by ", OperatorSymbol(op));
  }
  auto constant = right->constant();
  if (!constant) {
    return Status::NotImplemented("cannot evaluate ", display,
                                  ": the interval must be a literal");
  }
  if (!constant->is_valid) {
    return MakeLiteral(arrow::MakeNullScalar(left->type()));
  }
  Interval interval = static_cast<const arrow::MonthDayNanoIntervalScalar&>(*constant).value;
  if (op == Operator::kSubtract) {
    interval = {-interval.months, -interval.days, -interval.nanoseconds};
  }
  if (value_type.id() == arrow::Type::TIMESTAMP &&
      !static_cast<const arrow::TimestampType&>(value_type).timezone().empty() &&
      (interval.months != 0 || interval.days != 0)) {
    // Calendar days and months depend on the zone's offsets (DST); rather
    // than answer in UTC, refuse until zone rules are applied.
    return Status::NotImplemented("cannot evaluate ", display,
                                  ": month/day intervals on a timestamp with a time zone");
  }
  auto shift = std::make_shared<IntervalShift>(left, interval, display);
  if (auto value = left->constant()) {
    FERRY_ASSIGN_OR_RAISE(auto shifted, shift->ShiftScalar(*value));
    return MakeLiteral(std::move(shifted));
  }
  return shift;
}

}  // namespace arithmetic_internal
}  // namespace ferry
