// sum and avg (alias mean): per-group running sums in the widened type,
// scattered by group id straight from the input's value buffer.
//
// Integer and decimal sums are checked: a sum that leaves int64/uint64, or
// the 38 digits of its decimal type, fails the query ("sum overflowed
// Int64") instead of wrapping to a wrong answer, as in PostgreSQL and
// DuckDB. The check is one overflow-flag branch per row.

#include <algorithm>
#include <cstring>

#include <arrow/util/decimal.h>

#include "ferry/expr/expr.h"
#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

using Int128 = __int128;
constexpr int kMaxDecimalPrecision = 38;

// 10^digits: the first magnitude a decimal of that precision cannot hold.
Int128 DecimalLimit(int digits) {
  Int128 limit = 1;
  for (int i = 0; i < digits; ++i) limit *= 10;
  return limit;
}

const arrow::Decimal128Type& AsDecimal(const arrow::DataType& type) {
  return static_cast<const arrow::Decimal128Type&>(type);
}

// Decimal128 values are little-endian two's complement 128-bit integers,
// the layout of __int128 here; memcpy avoids assuming 16-byte alignment.
Int128 LoadDecimal(const uint8_t* values, int64_t i) {
  Int128 v;
  std::memcpy(&v, values + i * 16, 16);
  return v;
}

// `*sum += value`; true when the result left Sum (or, for decimal sums,
// reached `limit` in magnitude).
template <typename Sum>
bool AddOverflows(Sum* sum, Sum value, Sum limit) {
  if constexpr (std::is_floating_point_v<Sum>) {
    *sum += value;
    return false;
  } else if constexpr (std::is_same_v<Sum, Int128>) {
    return __builtin_add_overflow(*sum, value, sum) || *sum >= limit || *sum <= -limit;
  } else {
    return __builtin_add_overflow(*sum, value, sum);
  }
}

/// sum's accumulator: `Sum` is the c type of the result (int64_t,
/// uint64_t, double or Int128 for decimal128); `seen_` tells an empty group
/// (null) from a zero sum.
template <typename Sum>
class SumAccumulator final : public GroupsAccumulator {
 public:
  /// Adds the input's non-null rows; true on overflow.
  using UpdateFn = bool (*)(const arrow::ArrayData&, const uint32_t*, Sum*, uint8_t*, Sum);

  SumAccumulator(TypePtr out_type, UpdateFn update)
      : out_type_(std::move(out_type)), update_(update) {
    if constexpr (std::is_same_v<Sum, Int128>) {
      limit_ = DecimalLimit(AsDecimal(*out_type_).precision());
    }
  }

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    if (update_(*args[0]->data(), group_ids, sums_.data(), seen_.data(), limit_)) {
      return Overflow();
    }
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t,
               uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    if (Accumulate<Sum>(*states[0]->data(), group_ids, sums_.data(), seen_.data(), limit_)) {
      return Overflow();
    }
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto sums, Evaluate());
    return ArrayVector{std::move(sums)};
  }

  Result<ArrayPtr> Evaluate() override { return MakeFixedWidthArray(out_type_, sums_, seen_); }

  /// Adds the non-null values of `data` (c type In; Int128 for decimals)
  /// into their groups; true on overflow.
  template <typename In>
  static bool Accumulate(const arrow::ArrayData& data, const uint32_t* group_ids, Sum* sums,
                         uint8_t* seen, Sum limit) {
    bool overflow = false;
    if constexpr (std::is_same_v<In, Int128>) {
      const uint8_t* values = data.buffers[1]->data() + data.offset * 16;
      ForEachValid(data, [&](int64_t i) {
        const uint32_t g = group_ids[i];
        overflow |= AddOverflows<Sum>(&sums[g], LoadDecimal(values, i), limit);
        seen[g] = 1;
      });
    } else {
      const In* values = data.GetValues<In>(1);
      ForEachValid(data, [&](int64_t i) {
        const uint32_t g = group_ids[i];
        overflow |= AddOverflows<Sum>(&sums[g], static_cast<Sum>(values[i]), limit);
        seen[g] = 1;
      });
    }
    return overflow;
  }

 private:
  void GrowAll(uint32_t num_groups) {
    Grow(&sums_, num_groups, Sum{});
    Grow(&seen_, num_groups);
  }

  Status Overflow() const {
    if constexpr (std::is_same_v<Sum, Int128>) {
      return Status::Invalid("sum overflowed ", DisplayTypeName(*out_type_),
                             " (38 digits at most)");
    } else {
      return Status::Invalid("sum overflowed ", DisplayTypeName(*out_type_),
                             "; cast the argument to a wider type (e.g. Float64 or Decimal128)");
    }
  }

  TypePtr out_type_;
  UpdateFn update_;
  Sum limit_{};
  std::vector<Sum> sums_;
  std::vector<uint8_t> seen_;
};

/// avg's accumulator over integers and floats; the state is (sum double,
/// count int64).
template <typename In>
class AvgAccumulator final : public GroupsAccumulator {
 public:
  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    const arrow::ArrayData& data = *args[0]->data();
    const In* values = data.GetValues<In>(1);
    double* sums = sums_.data();
    int64_t* counts = counts_.data();
    ForEachValid(data, [&](int64_t i) {
      sums[group_ids[i]] += static_cast<double>(values[i]);
      ++counts[group_ids[i]];
    });
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    const arrow::ArrayData& sum_data = *states[0]->data();
    const arrow::ArrayData& count_data = *states[1]->data();
    const double* sums = sum_data.GetValues<double>(1);
    const int64_t* counts = count_data.GetValues<int64_t>(1);
    // Our own states are never null, but a null one must not poison a sum.
    const bool any_null = sum_data.GetNullCount() > 0 || count_data.GetNullCount() > 0;
    for (int64_t i = 0; i < num_rows; ++i) {
      if (any_null && (states[0]->IsNull(i) || states[1]->IsNull(i))) continue;
      sums_[group_ids[i]] += sums[i];
      counts_[group_ids[i]] += counts[i];
    }
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto sums, MakeFixedWidthArray(arrow::float64(), sums_, {}));
    FERRY_ASSIGN_OR_RAISE(auto counts, MakeFixedWidthArray(arrow::int64(), counts_, {}));
    return ArrayVector{std::move(sums), std::move(counts)};
  }

  Result<ArrayPtr> Evaluate() override {
    std::vector<double> means(sums_.size());
    std::vector<uint8_t> valid(sums_.size());
    for (size_t g = 0; g < sums_.size(); ++g) {
      valid[g] = counts_[g] > 0;
      means[g] = valid[g] ? sums_[g] / static_cast<double>(counts_[g]) : 0.0;
    }
    return MakeFixedWidthArray(arrow::float64(), means, valid);
  }

 private:
  void GrowAll(uint32_t num_groups) {
    Grow(&sums_, num_groups);
    Grow(&counts_, num_groups);
  }

  std::vector<double> sums_;
  std::vector<int64_t> counts_;
};

/// avg of decimal(p, s): an exact sum as sum() keeps it, decimal(p + 10, s),
/// and a count; the mean is sum * 10^(s' - s) / count truncated toward
/// zero, of DataFusion's type decimal(p + 4, s + 4) (capped at 38).
class DecimalAvgAccumulator final : public GroupsAccumulator {
 public:
  DecimalAvgAccumulator(TypePtr sum_type, TypePtr out_type)
      : sum_type_(std::move(sum_type)), out_type_(std::move(out_type)),
        limit_(DecimalLimit(AsDecimal(*sum_type_).precision())) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    if (Sum::Accumulate<Int128>(*args[0]->data(), group_ids, sums_.data(), seen_.data(), limit_)) {
      return Overflow();
    }
    CountValid(*args[0]->data(), group_ids);
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    if (Sum::Accumulate<Int128>(*states[0]->data(), group_ids, sums_.data(), seen_.data(),
                                limit_)) {
      return Overflow();
    }
    const arrow::ArrayData& count_data = *states[1]->data();
    const int64_t* counts = count_data.GetValues<int64_t>(1);
    ForEachValid(count_data, [&](int64_t i) { counts_[group_ids[i]] += counts[i]; });
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto sums, MakeFixedWidthArray(sum_type_, sums_, {}));
    FERRY_ASSIGN_OR_RAISE(auto counts, MakeFixedWidthArray(arrow::int64(), counts_, {}));
    return ArrayVector{std::move(sums), std::move(counts)};
  }

  Result<ArrayPtr> Evaluate() override {
    const auto& out = AsDecimal(*out_type_);
    const int raise = out.scale() - AsDecimal(*sum_type_).scale();
    const arrow::BasicDecimal256& out_limit =
        arrow::BasicDecimal256::GetScaleMultiplier(out.precision());
    const arrow::BasicDecimal256& multiplier = arrow::BasicDecimal256::GetScaleMultiplier(raise);
    std::vector<Int128> means(sums_.size());
    std::vector<uint8_t> valid(sums_.size());
    for (size_t g = 0; g < sums_.size(); ++g) {
      valid[g] = counts_[g] > 0;
      if (!valid[g]) continue;
      // 256 bits: the raised sum may exceed 128 even when the mean fits.
      const auto bits = static_cast<unsigned __int128>(sums_[g]);
      arrow::BasicDecimal256 sum(arrow::BasicDecimal128(static_cast<int64_t>(bits >> 64),
                                                        static_cast<uint64_t>(bits)));
      sum *= multiplier;
      const arrow::BasicDecimal256 count{arrow::BasicDecimal128(counts_[g])};
      const arrow::BasicDecimal256 mean = sum / count;
      if (arrow::BasicDecimal256::Abs(mean) >= out_limit) {
        return Status::Invalid("avg overflowed ", DisplayTypeName(*out_type_));
      }
      const auto& words = mean.little_endian_array();
      means[g] = static_cast<Int128>((static_cast<unsigned __int128>(words[1]) << 64) | words[0]);
    }
    return MakeFixedWidthArray(out_type_, means, valid);
  }

 private:
  using Sum = SumAccumulator<Int128>;

  void GrowAll(uint32_t num_groups) {
    Grow(&sums_, num_groups, Int128{0});
    Grow(&seen_, num_groups);
    Grow(&counts_, num_groups);
  }

  void CountValid(const arrow::ArrayData& data, const uint32_t* group_ids) {
    ForEachValid(data, [&](int64_t i) { ++counts_[group_ids[i]]; });
  }

  Status Overflow() const {
    return Status::Invalid("avg's running sum overflowed ", DisplayTypeName(*sum_type_));
  }

  TypePtr sum_type_;
  TypePtr out_type_;
  Int128 limit_;
  std::vector<Int128> sums_;
  std::vector<uint8_t> seen_;
  std::vector<int64_t> counts_;
};

// Ten more digits of precision for a decimal sum, as DataFusion does.
TypePtr DecimalSumType(const arrow::DataType& type) {
  const auto& decimal = AsDecimal(type);
  return arrow::decimal128(std::min(kMaxDecimalPrecision, decimal.precision() + 10),
                           decimal.scale());
}

class SumFunction final : public UnaryAggregate {
 public:
  SumFunction() : UnaryAggregate("sum") {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override {
    if (arrow::is_signed_integer(type->id())) return arrow::int64();
    if (arrow::is_unsigned_integer(type->id())) return arrow::uint64();
    if (IsNumeric(type->id())) return arrow::float64();
    if (type->id() == arrow::Type::DECIMAL128) return DecimalSumType(*type);
    return Unsupported(name(), *type);
  }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    FERRY_ASSIGN_OR_RAISE(auto out, ReturnTypeFor(type));
    return arrow::FieldVector{arrow::field("sum", out)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    FERRY_ASSIGN_OR_RAISE(auto out, ReturnTypeFor(type));
    if (type->id() == arrow::Type::DECIMAL128) {
      using Acc = SumAccumulator<Int128>;
      return std::make_unique<Acc>(out, &Acc::template Accumulate<Int128>);
    }
    auto make = [&]<typename InType>() -> Result<AccumulatorPtr> {
      using In = typename InType::c_type;
      using Sum = std::conditional_t<
          arrow::is_floating_type<InType>::value, double,
          std::conditional_t<arrow::is_signed_integer_type<InType>::value, int64_t, uint64_t>>;
      using Acc = SumAccumulator<Sum>;
      return std::make_unique<Acc>(out, &Acc::template Accumulate<In>);
    };
    return MakeNumeric(*type, make, Unsupported(name(), *type));
  }
};

class AvgFunction final : public UnaryAggregate {
 public:
  explicit AvgFunction(std::string name) : UnaryAggregate(std::move(name)) {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override {
    if (type->id() == arrow::Type::DECIMAL128) {
      // Four more digits of scale (and precision), as DataFusion does.
      const auto& decimal = AsDecimal(*type);
      return arrow::decimal128(std::min(kMaxDecimalPrecision, decimal.precision() + 4),
                               std::min(kMaxDecimalPrecision, decimal.scale() + 4));
    }
    if (!IsNumeric(type->id())) return Unsupported(name(), *type);
    return arrow::float64();
  }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    FERRY_RETURN_NOT_OK(ReturnTypeFor(type));
    auto sum_type =
        type->id() == arrow::Type::DECIMAL128 ? DecimalSumType(*type) : arrow::float64();
    return arrow::FieldVector{arrow::field("sum", sum_type, false),
                              arrow::field("count", arrow::int64(), false)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    FERRY_ASSIGN_OR_RAISE(auto out, ReturnTypeFor(type));
    if (type->id() == arrow::Type::DECIMAL128) {
      return std::make_unique<DecimalAvgAccumulator>(DecimalSumType(*type), out);
    }
    auto make = [&]<typename InType>() -> Result<AccumulatorPtr> {
      return std::make_unique<AvgAccumulator<typename InType::c_type>>();
    };
    return MakeNumeric(*type, make, Unsupported(name(), *type));
  }
};

}  // namespace

std::shared_ptr<const AggregateFunction> MakeSumFunction() {
  return std::make_shared<SumFunction>();
}

std::shared_ptr<const AggregateFunction> MakeAvgFunction(std::string name) {
  return std::make_shared<AvgFunction>(std::move(name));
}

}  // namespace aggregate_internal
}  // namespace ferry
