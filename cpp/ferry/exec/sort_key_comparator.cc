#include "ferry/exec/sort_key_comparator.h"

#include <cmath>
#include <type_traits>

#include <arrow/visit_type_inline.h>

namespace ferry {
namespace {

// Ranks a value's class: NULL and NaN sit outside the ordered values.
enum class Kind { kValue, kNaN, kNull };

template <typename T>
int Cmp(const T& x, const T& y) {
  return x < y ? -1 : (y < x ? 1 : 0);
}

struct MakeColumnCompare {
  std::function<int(const arrow::Array&, int64_t, const arrow::Array&, int64_t)> out;

  template <typename T>
  Status Visit(const T& type) {
    using ArrayT = typename arrow::TypeTraits<T>::ArrayType;
    if constexpr (std::is_same_v<T, arrow::BooleanType> ||
                  arrow::is_base_binary_type<T>::value ||
                  arrow::is_binary_view_like_type<T>::value ||
                  arrow::is_fixed_size_binary_type<T>::value) {
      if constexpr (arrow::is_decimal_type<T>::value) {
        out = [](const arrow::Array& a, int64_t i, const arrow::Array& b, int64_t j) {
          using Value = typename arrow::TypeTraits<T>::CType;
          return Cmp(Value(static_cast<const ArrayT&>(a).GetValue(i)),
                     Value(static_cast<const ArrayT&>(b).GetValue(j)));
        };
      } else if constexpr (std::is_same_v<T, arrow::BooleanType>) {
        out = [](const arrow::Array& a, int64_t i, const arrow::Array& b, int64_t j) {
          return Cmp<int>(static_cast<const ArrayT&>(a).Value(i), static_cast<const ArrayT&>(b).Value(j));
        };
      } else {
        out = [](const arrow::Array& a, int64_t i, const arrow::Array& b, int64_t j) {
          return Cmp(static_cast<const ArrayT&>(a).GetView(i), static_cast<const ArrayT&>(b).GetView(j));
        };
      }
      return Status::OK();
    } else if constexpr ((arrow::is_number_type<T>::value || arrow::is_temporal_type<T>::value) &&
                         !std::is_same_v<T, arrow::HalfFloatType> &&
                         !std::is_same_v<T, arrow::MonthDayNanoIntervalType> &&
                         !std::is_same_v<T, arrow::DayTimeIntervalType>) {
      out = [](const arrow::Array& a, int64_t i, const arrow::Array& b, int64_t j) {
        return Cmp(static_cast<const ArrayT&>(a).Value(i), static_cast<const ArrayT&>(b).Value(j));
      };
      return Status::OK();
    } else {
      return Status::NotImplemented("merging sorted runs keyed by ", type.ToString());
    }
  }
};

Kind KindOf(const arrow::Array& array, int64_t i) {
  if (array.IsNull(i)) return Kind::kNull;
  if (array.type_id() == arrow::Type::DOUBLE) {
    if (std::isnan(static_cast<const arrow::DoubleArray&>(array).Value(i))) return Kind::kNaN;
  } else if (array.type_id() == arrow::Type::FLOAT) {
    if (std::isnan(static_cast<const arrow::FloatArray&>(array).Value(i))) return Kind::kNaN;
  }
  return Kind::kValue;
}

}  // namespace

Result<SortKeyComparator> SortKeyComparator::Make(
    const std::vector<std::shared_ptr<arrow::DataType>>& types, std::vector<SortOrder> orders) {
  SortKeyComparator comparator;
  for (const auto& type : types) {
    MakeColumnCompare visitor;
    FERRY_RETURN_NOT_OK(arrow::VisitTypeInline(*type, &visitor));
    comparator.columns_.push_back(std::move(visitor.out));
  }
  comparator.orders_ = std::move(orders);
  return comparator;
}

int SortKeyComparator::Compare(const arrow::ArrayVector& a, int64_t i, const arrow::ArrayVector& b,
                               int64_t j) const {
  for (size_t k = 0; k < columns_.size(); ++k) {
    const auto& order = orders_[k];
    const Kind ka = KindOf(*a[k], i), kb = KindOf(*b[k], j);
    int c;
    if (ka != Kind::kValue || kb != Kind::kValue) {
      // Outside values the rank is value < NaN < NULL at the end, mirrored
      // at the start; direction does not flip it.
      c = Cmp(static_cast<int>(ka), static_cast<int>(kb));
      if (order.nulls_first) c = -c;
    } else {
      c = columns_[k](*a[k], i, *b[k], j);
      if (!order.ascending) c = -c;
    }
    if (c != 0) return c;
  }
  return 0;
}

}  // namespace ferry
