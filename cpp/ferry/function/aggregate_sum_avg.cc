// sum and avg (alias mean): per-group running sums in the widened type,
// scattered by group id straight from the input's value buffer.

#include <algorithm>

#include <arrow/util/decimal.h>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

// Signed integer sums wrap on overflow (like DataFusion) instead of being
// undefined behaviour: the addition happens in the unsigned type.
template <typename T>
T WrappingAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

/// sum's accumulator: `Sum` is the c type of the result (int64_t,
/// uint64_t, double or Decimal128); `seen_` tells an empty group (null)
/// from a zero sum.
template <typename Sum>
class SumAccumulator final : public GroupsAccumulator {
 public:
  using UpdateFn = void (*)(const arrow::ArrayData&, const uint32_t*, Sum*, uint8_t*);

  SumAccumulator(TypePtr out_type, UpdateFn update)
      : out_type_(std::move(out_type)), update_(update) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    update_(*args[0]->data(), group_ids, sums_.data(), seen_.data());
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t,
               uint32_t total_num_groups) override {
    GrowAll(total_num_groups);
    Accumulate<Sum>(*states[0]->data(), group_ids, sums_.data(), seen_.data());
    return Status::OK();
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto sums, Evaluate());
    return ArrayVector{std::move(sums)};
  }

  Result<ArrayPtr> Evaluate() override { return MakeFixedWidthArray(out_type_, sums_, seen_); }

  /// Adds the non-null values of `data` (c type In) into their groups.
  template <typename In>
  static void Accumulate(const arrow::ArrayData& data, const uint32_t* group_ids, Sum* sums,
                         uint8_t* seen) {
    const In* values = data.GetValues<In>(1);
    ForEachValid(data, [&](int64_t i) {
      const uint32_t g = group_ids[i];
      sums[g] = WrappingAdd(sums[g], static_cast<Sum>(values[i]));
      seen[g] = 1;
    });
  }

 private:
  void GrowAll(uint32_t num_groups) {
    Grow(&sums_, num_groups, Sum{});
    Grow(&seen_, num_groups);
  }

  TypePtr out_type_;
  UpdateFn update_;
  std::vector<Sum> sums_;
  std::vector<uint8_t> seen_;
};

/// avg's accumulator; the state is (sum double, count int64).
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

class SumFunction final : public UnaryAggregate {
 public:
  SumFunction() : UnaryAggregate("sum") {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override {
    if (arrow::is_signed_integer(type->id())) return arrow::int64();
    if (arrow::is_unsigned_integer(type->id())) return arrow::uint64();
    if (IsNumeric(type->id())) return arrow::float64();
    if (type->id() == arrow::Type::DECIMAL128) {
      // Ten more digits of precision, as DataFusion does.
      const auto& decimal = static_cast<const arrow::Decimal128Type&>(*type);
      return arrow::decimal128(std::min(38, decimal.precision() + 10), decimal.scale());
    }
    return Unsupported(name(), *type);
  }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    FERRY_ASSIGN_OR_RAISE(auto out, ReturnTypeFor(type));
    return arrow::FieldVector{arrow::field("sum", out)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    FERRY_ASSIGN_OR_RAISE(auto out, ReturnTypeFor(type));
    if (type->id() == arrow::Type::DECIMAL128) {
      using Acc = SumAccumulator<arrow::Decimal128>;
      return std::make_unique<Acc>(out, &Acc::template Accumulate<arrow::Decimal128>);
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
    if (!IsNumeric(type->id())) return Unsupported(name(), *type);
    return arrow::float64();
  }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    FERRY_RETURN_NOT_OK(ReturnTypeFor(type));
    return arrow::FieldVector{arrow::field("sum", arrow::float64(), false),
                              arrow::field("count", arrow::int64(), false)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
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
