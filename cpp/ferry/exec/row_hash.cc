#include "ferry/exec/row_hash.h"

#include <cmath>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <arrow/util/bit_util.h>
#include <arrow/visit_type_inline.h>

namespace ferry {
namespace {

constexpr uint64_t kNullHash = 0x6a09e667f3bcc909ULL;
constexpr uint64_t kSeed = 0x9e3779b97f4a7c15ULL;

// splitmix64's finalizer: every input bit reaches every output bit.
inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t HashBytes(const uint8_t* data, size_t length) {
  // 8 bytes at a time through Mix; the tail padded with zeros, the length
  // folded in so "a" and "a\0" differ.
  uint64_t h = kSeed ^ (length * 0xff51afd7ed558ccdULL);
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    h = Mix(h ^ word);
  }
  if (i < length) {
    uint64_t word = 0;
    std::memcpy(&word, data + i, length - i);
    h = Mix(h ^ word);
  }
  return h;
}

template <typename T>
inline uint64_t HashValue(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (value == 0) value = 0;  // -0.0 joins 0.0
    if (std::isnan(value)) return 0x7ff8000000000000ULL;
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    return Mix(bits);
  } else {
    return Mix(static_cast<uint64_t>(value));
  }
}

// Combines one column's hashes into the running row hashes.
class ColumnHasher {
 public:
  ColumnHasher(const arrow::Array& array, uint64_t* hashes) : array_(array), hashes_(hashes) {}

  template <typename T>
  Status Visit(const T& type) {
    using ArrayT = typename arrow::TypeTraits<T>::ArrayType;
    const auto& array = static_cast<const ArrayT&>(array_);
    if constexpr (std::is_same_v<T, arrow::BooleanType>) {
      return Each([&](int64_t i) { return Mix(array.Value(i) ? 1 : 2); });
    } else if constexpr (arrow::is_decimal_type<T>::value || arrow::is_fixed_size_binary_type<T>::value) {
      const int width = type.byte_width();
      return Each([&](int64_t i) { return HashBytes(array.GetValue(i), width); });
    } else if constexpr (arrow::is_base_binary_type<T>::value || arrow::is_binary_view_like_type<T>::value) {
      return Each([&](int64_t i) {
        auto view = array.GetView(i);
        return HashBytes(reinterpret_cast<const uint8_t*>(view.data()), view.size());
      });
    } else if constexpr (arrow::is_number_type<T>::value || arrow::is_temporal_type<T>::value) {
      if constexpr (std::is_same_v<T, arrow::HalfFloatType>) {
        return Status::NotImplemented("hashing ", type.ToString(), " keys");
      } else if constexpr (std::is_same_v<T, arrow::MonthDayNanoIntervalType> ||
                           std::is_same_v<T, arrow::DayTimeIntervalType>) {
        return Status::NotImplemented("hashing ", type.ToString(), " keys");
      } else {
        const auto* values = array.raw_values();
        return Each([&](int64_t i) { return HashValue(values[i]); });
      }
    } else if constexpr (std::is_same_v<T, arrow::NullType>) {
      return Each([](int64_t) { return kNullHash; });
    } else {
      return Status::NotImplemented("hashing ", type.ToString(), " keys");
    }
  }

 private:
  template <typename F>
  Status Each(F&& hash) {
    const int64_t n = array_.length();
    const bool nullable = array_.null_count() > 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t h = (nullable && array_.IsNull(i)) ? kNullHash : hash(i);
      hashes_[i] = Mix(hashes_[i] * 31 + h);
    }
    return Status::OK();
  }

  const arrow::Array& array_;
  uint64_t* hashes_;
};

struct CanHash {
  template <typename T>
  Status Visit(const T&) {
    constexpr bool ok =
        std::is_same_v<T, arrow::BooleanType> || std::is_same_v<T, arrow::NullType> ||
        arrow::is_decimal_type<T>::value || arrow::is_fixed_size_binary_type<T>::value ||
        arrow::is_base_binary_type<T>::value || arrow::is_binary_view_like_type<T>::value ||
        ((arrow::is_number_type<T>::value || arrow::is_temporal_type<T>::value) &&
         !std::is_same_v<T, arrow::HalfFloatType> &&
         !std::is_same_v<T, arrow::MonthDayNanoIntervalType> &&
         !std::is_same_v<T, arrow::DayTimeIntervalType>);
    return ok ? Status::OK() : Status::NotImplemented("");
  }
};

}  // namespace

bool CanHashRows(const arrow::DataType& type) {
  CanHash visitor;
  return arrow::VisitTypeInline(type, &visitor).ok();
}

Result<std::vector<uint64_t>> HashRows(const arrow::ArrayVector& keys, int64_t num_rows) {
  std::vector<uint64_t> hashes(num_rows, kSeed);
  for (const auto& key : keys) {
    if (key->length() != num_rows) {
      return Status::Invalid("hash key has ", key->length(), " rows, expected ", num_rows);
    }
    ColumnHasher hasher(*key, hashes.data());
    FERRY_RETURN_NOT_OK(arrow::VisitTypeInline(*key->type(), &hasher));
  }
  return hashes;
}

}  // namespace ferry
