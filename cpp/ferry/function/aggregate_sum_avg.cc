// sum and avg (alias mean): per-group running sums in the widened type,
// scattered by group id straight from the input's value buffer.
//
// Integer and decimal sums are checked: a sum that leaves int64/uint64, or
// the 38 digits of its decimal type, fails the query ("sum overflowed
// Int64") instead of wrapping to a wrong answer, as in PostgreSQL and
// DuckDB. The check is one overflow-flag branch per row.

#include <algorithm>
#include <cstring>
#include <limits>

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

constexpr uint32_t kMaxLaneGroups = 1024;

// With few groups, consecutive rows mostly add to the same sum, and each
// add waits for the previous one's store: four lanes of int64 partial sums
// (row i in lane i % 4) keep four chains in flight, and are folded into the
// 128-bit sums once per batch. The caller has checked that no partial sum
// can leave int64.
void AddInLanes(const arrow::ArrayData& data, const uint8_t* values, const uint32_t* group_ids,
                uint32_t num_groups, Int128* sums, uint8_t* seen, int64_t* counts) {
  constexpr int kLanes = 4;
  std::vector<int64_t> lane_sums(kLanes * num_groups), lane_counts(kLanes * num_groups);
  ForEachValid(data, [&](int64_t i) {
    const uint32_t slot = static_cast<uint32_t>(i & (kLanes - 1)) * num_groups + group_ids[i];
    int64_t low;
    std::memcpy(&low, values + i * 16, 8);
    lane_sums[slot] += low;
    ++lane_counts[slot];
  });
  for (uint32_t g = 0; g < num_groups; ++g) {
    int64_t rows = 0;
    for (int lane = 0; lane < kLanes; ++lane) {
      sums[g] += lane_sums[lane * num_groups + g];
      rows += lane_counts[lane * num_groups + g];
    }
    if (rows > 0) seen[g] = 1;
    if (counts) counts[g] += rows;
  }
}

// Adds the non-null decimal values of `data` into their groups' sums (and
// counts, when given); true when a sum reaches `limit` in magnitude.
//
// Checked 128-bit adds and two limit compares per row cost more than the
// adds (TPC-H Q1's four sums and three averages: 16% of its CPU). When
// every value of the batch fits 64 bits -- checked first, in a loop without
// branches -- no 128-bit sum can wrap within the batch, and `bound` (the
// largest magnitude any sum can have reached, grown by each batch's
// largest value times its rows) says whether the limit needs checking.
bool AddDecimals(const arrow::ArrayData& data, const uint32_t* group_ids, uint32_t num_groups,
                 Int128* sums, uint8_t* seen, int64_t* counts, Int128 limit, Int128* bound) {
  if (data.length == 0) return false;
  const uint8_t* values = data.buffers[1]->data() + data.offset * 16;
  // ORs without branches: `wide` collects high words that are not the low
  // word's sign, `magnitude` the bits of every |value| (minus one when
  // negative), so each |value| <= magnitude + 1.
  uint64_t wide = 0, magnitude = 0;
  for (int64_t i = 0; i < data.length; ++i) {
    int64_t words[2];  // low, high
    std::memcpy(words, values + i * 16, 16);
    const int64_t sign = words[0] >> 63;
    wide |= static_cast<uint64_t>(words[1] ^ sign);
    magnitude |= static_cast<uint64_t>(words[0] ^ sign);
  }
  bool overflow = false;
  if (wide != 0) {
    ForEachValid(data, [&](int64_t i) {
      const uint32_t g = group_ids[i];
      overflow |= AddOverflows<Int128>(&sums[g], LoadDecimal(values, i), limit);
      seen[g] = 1;
      if (counts) ++counts[g];
    });
    return overflow;
  }
  const auto max_batch_sum = (static_cast<Int128>(magnitude) + 1) * data.length;
  if (num_groups <= kMaxLaneGroups && num_groups * 16 <= static_cast<uint64_t>(data.length) &&
      max_batch_sum <= std::numeric_limits<int64_t>::max()) {
    AddInLanes(data, values, group_ids, num_groups, sums, seen, counts);
  } else {
    ForEachValid(data, [&](int64_t i) {
      const uint32_t g = group_ids[i];
      int64_t low;
      std::memcpy(&low, values + i * 16, 8);
      sums[g] += low;
      seen[g] = 1;
      if (counts) ++counts[g];
    });
  }
  *bound = std::min(limit, *bound + (static_cast<Int128>(magnitude) + 1) * data.length);
  if (*bound < limit) return false;
  ForEachValid(data, [&](int64_t i) {
    const Int128 sum = sums[group_ids[i]];
    overflow |= sum >= limit || sum <= -limit;
  });
  return overflow;
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
    if constexpr (std::is_same_v<Sum, Int128>) {
      if (AddDecimals(*args[0]->data(), group_ids, total_num_groups, sums_.data(), seen_.data(), nullptr, limit_,
                      &bound_)) {
        return Overflow();
      }
    } else if (update_(*args[0]->data(), group_ids, sums_.data(), seen_.data(), limit_)) {
      return Overflow();
    }
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t,
               uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    if constexpr (std::is_same_v<Sum, Int128>) {
      if (AddDecimals(*states[0]->data(), group_ids, total_num_groups, sums_.data(), seen_.data(), nullptr, limit_,
                      &bound_)) {
        return Overflow();
      }
    } else if (Accumulate<Sum>(*states[0]->data(), group_ids, sums_.data(), seen_.data(),
                               limit_)) {
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
  Sum bound_{};  // decimal sums only: AddDecimals' bound on every |sum|
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
    if (AddDecimals(*args[0]->data(), group_ids, total_num_groups, sums_.data(), seen_.data(), counts_.data(),
                    limit_, &bound_)) {
      return Overflow();
    }
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    if (AddDecimals(*states[0]->data(), group_ids, total_num_groups, sums_.data(), seen_.data(), nullptr, limit_,
                    &bound_)) {
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
  void GrowAll(uint32_t num_groups) {
    Grow(&sums_, num_groups, Int128{0});
    Grow(&seen_, num_groups);
    Grow(&counts_, num_groups);
  }

  Status Overflow() const {
    return Status::Invalid("avg's running sum overflowed ", DisplayTypeName(*sum_type_));
  }

  TypePtr sum_type_;
  TypePtr out_type_;
  Int128 limit_;
  Int128 bound_ = 0;  // AddDecimals' bound on every |sum|
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
  bool cheap_row_states(bool distinct) const override { return !distinct; }
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
  bool cheap_row_states(bool distinct) const override { return !distinct; }
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
