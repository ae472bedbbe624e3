// min and max, returning the input type. Fixed-width types keep one
// physical value per group (temporal types share their integer's code),
// booleans fold with AND/OR, and strings/binaries keep a std::string per
// group that is only rewritten when a better value arrives.

#include <algorithm>
#include <cmath>
#include <limits>

#include <arrow/array/builder_binary.h>
#include <arrow/type_traits.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/decimal.h>

#include "ferry/function/aggregate_internal.h"

namespace ferry {
namespace aggregate_internal {
namespace {

/// How one value folds into a group's running min or max. The initial
/// value loses to every input, so the hot loop needs no "first value" test.
template <typename T, bool kMax>
struct Fold {
  static T Init() {
    if constexpr (std::is_same_v<T, arrow::Decimal128>) {
      return kMax ? arrow::Decimal128(INT64_MIN, 0) : arrow::Decimal128(INT64_MAX, UINT64_MAX);
    } else if constexpr (std::is_floating_point_v<T>) {
      // NaN sorts above every number, as in DataFusion's total order: max
      // starts at -inf and takes NaN; min starts at NaN and drops it for
      // the first number.
      return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
    } else {
      return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    }
  }

  static void Apply(T* current, T value) {
    if constexpr (std::is_floating_point_v<T>) {
      if (kMax ? (value > *current || std::isnan(value))
               : (value < *current || std::isnan(*current))) {
        *current = value;
      }
    } else {
      *current = kMax ? std::max(*current, value) : std::min(*current, value);
    }
  }
};

template <typename T, bool kMax>
class FixedWidthAccumulator final : public GroupsAccumulator {
 public:
  explicit FixedWidthAccumulator(TypePtr type) : type_(std::move(type)) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    Grow(&values_, total_num_groups, Fold<T, kMax>::Init());
    Grow(&seen_, total_num_groups);
    const arrow::ArrayData& data = *args[0]->data();
    const T* input = data.GetValues<T>(1);
    T* values = values_.data();
    uint8_t* seen = seen_.data();
    ForEachValid(data, [&](int64_t i) {
      const uint32_t g = group_ids[i];
      Fold<T, kMax>::Apply(&values[g], input[i]);
      seen[g] = 1;
    });
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    return Update(states, group_ids, num_rows, total_num_groups);
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto values, Evaluate());
    return ArrayVector{std::move(values)};
  }

  Result<ArrayPtr> Evaluate() override { return MakeFixedWidthArray(type_, values_, seen_); }

 private:
  TypePtr type_;
  std::vector<T> values_;
  std::vector<uint8_t> seen_;
};

template <bool kMax>
class BoolAccumulator final : public GroupsAccumulator {
 public:
  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    Grow(&values_, total_num_groups, static_cast<uint8_t>(kMax ? 0 : 1));
    Grow(&seen_, total_num_groups);
    const arrow::ArrayData& data = *args[0]->data();
    const uint8_t* bits = data.buffers[1]->data();
    ForEachValid(data, [&](int64_t i) {
      const uint32_t g = group_ids[i];
      const uint8_t bit = arrow::bit_util::GetBit(bits, data.offset + i);
      values_[g] = kMax ? (values_[g] | bit) : (values_[g] & bit);
      seen_[g] = 1;
    });
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    return Update(states, group_ids, num_rows, total_num_groups);
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto values, Evaluate());
    return ArrayVector{std::move(values)};
  }

  Result<ArrayPtr> Evaluate() override {
    int64_t null_count = 0;
    FERRY_ASSIGN_OR_RAISE(auto validity, BitmapFromFlags(seen_, &null_count));
    FERRY_ASSIGN_OR_RAISE(auto bits, PackBools(values_));
    return std::make_shared<arrow::BooleanArray>(static_cast<int64_t>(values_.size()),
                                                 std::move(bits), std::move(validity),
                                                 null_count);
  }

 private:
  std::vector<uint8_t> values_;
  std::vector<uint8_t> seen_;
};

/// For string, large_string, binary and large_binary (bytewise order).
template <typename ArrowType, bool kMax>
class BinaryAccumulator final : public GroupsAccumulator {
 public:
  using ArrayType = typename arrow::TypeTraits<ArrowType>::ArrayType;
  using BuilderType = typename arrow::TypeTraits<ArrowType>::BuilderType;

  explicit BinaryAccumulator(TypePtr type) : type_(std::move(type)) {}

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t,
                uint32_t total_num_groups) override {
    Grow(&values_, total_num_groups);
    Grow(&seen_, total_num_groups);
    const auto& input = static_cast<const ArrayType&>(*args[0]);
    ForEachValid(*input.data(), [&](int64_t i) {
      const uint32_t g = group_ids[i];
      const std::string_view value = input.GetView(i);
      if (!seen_[g] || (kMax ? value > values_[g] : value < values_[g])) {
        values_[g].assign(value.data(), value.size());
        seen_[g] = 1;
      }
    });
    return Status::OK();
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    return Update(states, group_ids, num_rows, total_num_groups);
  }

  Result<ArrayVector> State() override {
    FERRY_ASSIGN_OR_RAISE(auto values, Evaluate());
    return ArrayVector{std::move(values)};
  }

  Result<ArrayPtr> Evaluate() override {
    BuilderType builder(type_, arrow::default_memory_pool());
    int64_t data_length = 0;
    for (const auto& value : values_) data_length += static_cast<int64_t>(value.size());
    FERRY_RETURN_NOT_OK(builder.Reserve(static_cast<int64_t>(values_.size())));
    FERRY_RETURN_NOT_OK(builder.ReserveData(data_length));
    for (size_t g = 0; g < values_.size(); ++g) {
      if (seen_[g]) {
        builder.UnsafeAppend(values_[g]);
      } else {
        builder.UnsafeAppendNull();
      }
    }
    return builder.Finish();
  }

 private:
  TypePtr type_;
  std::vector<std::string> values_;
  std::vector<uint8_t> seen_;
};

template <bool kMax>
Result<AccumulatorPtr> MakeMinMaxAccumulator(const TypePtr& type, Status unsupported) {
  switch (type->id()) {
    case arrow::Type::BOOL:
      return std::make_unique<BoolAccumulator<kMax>>();
    case arrow::Type::DATE32:
    case arrow::Type::TIME32:
      return std::make_unique<FixedWidthAccumulator<int32_t, kMax>>(type);
    case arrow::Type::DATE64:
    case arrow::Type::TIME64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DURATION:
      return std::make_unique<FixedWidthAccumulator<int64_t, kMax>>(type);
    case arrow::Type::DECIMAL128:
      return std::make_unique<FixedWidthAccumulator<arrow::Decimal128, kMax>>(type);
    case arrow::Type::STRING:
      return std::make_unique<BinaryAccumulator<arrow::StringType, kMax>>(type);
    case arrow::Type::LARGE_STRING:
      return std::make_unique<BinaryAccumulator<arrow::LargeStringType, kMax>>(type);
    case arrow::Type::BINARY:
      return std::make_unique<BinaryAccumulator<arrow::BinaryType, kMax>>(type);
    case arrow::Type::LARGE_BINARY:
      return std::make_unique<BinaryAccumulator<arrow::LargeBinaryType, kMax>>(type);
    default:
      break;
  }
  auto make = [&]<typename ArrowType>() -> Result<AccumulatorPtr> {
    return std::make_unique<FixedWidthAccumulator<typename ArrowType::c_type, kMax>>(type);
  };
  return MakeNumeric(*type, make, std::move(unsupported));
}

class MinMaxFunction final : public UnaryAggregate {
 public:
  bool cheap_row_states(bool distinct) const override { return true; }
  explicit MinMaxFunction(bool is_max) : UnaryAggregate(is_max ? "max" : "min"), is_max_(is_max) {}

 protected:
  Result<TypePtr> ReturnTypeFor(const TypePtr& type) const override {
    // Building a throwaway accumulator keeps the type list in one place.
    FERRY_RETURN_NOT_OK(MakeFor(type));
    return type;
  }

  Result<arrow::FieldVector> StateFieldsFor(const TypePtr& type) const override {
    FERRY_RETURN_NOT_OK(MakeFor(type));
    return arrow::FieldVector{arrow::field(name(), type)};
  }

  Result<AccumulatorPtr> MakeFor(const TypePtr& type) const override {
    if (is_max_) return MakeMinMaxAccumulator<true>(type, Unsupported(name(), *type));
    return MakeMinMaxAccumulator<false>(type, Unsupported(name(), *type));
  }

 private:
  bool is_max_;
};

}  // namespace

std::shared_ptr<const AggregateFunction> MakeMinMaxFunction(bool is_max) {
  return std::make_shared<MinMaxFunction>(is_max);
}

}  // namespace aggregate_internal
}  // namespace ferry
