#include "ferry/exec/parquet_value_kind.h"

#include <cstring>

#include <arrow/type.h>

namespace ferry {
namespace {

using parquet::LogicalType;

bool IsInt(const parquet::ColumnDescriptor& descr, int bits, bool is_signed) {
  const auto& logical = descr.logical_type();
  if (!logical || logical->is_none()) return is_signed;
  if (!logical->is_int()) return false;
  const auto& integer = static_cast<const parquet::IntLogicalType&>(*logical);
  return integer.bit_width() == bits && integer.is_signed() == is_signed;
}

bool IsTimestampIn(const parquet::ColumnDescriptor& descr, arrow::TimeUnit::type unit) {
  const auto& logical = descr.logical_type();
  if (!logical || !logical->is_timestamp()) return false;
  switch (static_cast<const parquet::TimestampLogicalType&>(*logical).time_unit()) {
    case LogicalType::TimeUnit::MILLIS: return unit == arrow::TimeUnit::MILLI;
    case LogicalType::TimeUnit::MICROS: return unit == arrow::TimeUnit::MICRO;
    case LogicalType::TimeUnit::NANOS: return unit == arrow::TimeUnit::NANO;
    default: return false;
  }
}

bool IsDecimal(const parquet::ColumnDescriptor& descr) {
  const auto& logical = descr.logical_type();
  return logical && logical->is_decimal();
}

// Big-endian two's complement integers of `width` (1..16) bytes, as
// FIXED_LEN_BYTE_ARRAY decimals store them, into little-endian 128-bit
// ones: the value's bytes right-aligned in a sign-filled big-endian word.
void WidenBigEndian(const uint8_t* in, int width, int64_t count, uint8_t* out) {
  auto* words = reinterpret_cast<uint64_t*>(out);
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* value = in + i * width;
    uint8_t big[16];
    std::memset(big, (value[0] & 0x80) ? 0xff : 0, 16 - width);
    std::memcpy(big + 16 - width, value, width);
    uint64_t high, low;
    std::memcpy(&high, big, 8);
    std::memcpy(&low, big + 8, 8);
    words[2 * i] = __builtin_bswap64(low);
    words[2 * i + 1] = __builtin_bswap64(high);
  }
}

}  // namespace

int StoredWidth(NativeValueKind kind, const parquet::ColumnDescriptor& descr) {
  switch (kind) {
    case NativeValueKind::kFixedToDecimal128: return descr.type_length();
    case NativeValueKind::kCopy32:
    case NativeValueKind::kInt32ToDecimal128: return 4;
    case NativeValueKind::kCopy64:
    case NativeValueKind::kInt64ToDecimal128: return 8;
    default: return 0;
  }
}

int ArrowWidth(NativeValueKind kind) {
  switch (kind) {
    case NativeValueKind::kCopy32:
    case NativeValueKind::kDictionaryIndices: return 4;
    case NativeValueKind::kCopy64: return 8;
    case NativeValueKind::kInt32ToDecimal128:
    case NativeValueKind::kInt64ToDecimal128:
    case NativeValueKind::kFixedToDecimal128: return 16;
    default: return 0;
  }
}

void ConvertPlain(NativeValueKind kind, int stored_width, const uint8_t* in, int64_t count,
                  uint8_t* out) {
  auto widen = [&](auto stored) {
    using Stored = decltype(stored);
    auto* words = reinterpret_cast<uint64_t*>(out);
    for (int64_t i = 0; i < count; ++i) {
      Stored v;
      std::memcpy(&v, in + i * sizeof(Stored), sizeof(Stored));
      const int64_t wide = v;
      words[2 * i] = static_cast<uint64_t>(wide);
      words[2 * i + 1] = static_cast<uint64_t>(wide >> 63);  // sign extension
    }
  };
  switch (kind) {
    case NativeValueKind::kInt32ToDecimal128: widen(int32_t{}); break;
    case NativeValueKind::kInt64ToDecimal128: widen(int64_t{}); break;
    case NativeValueKind::kFixedToDecimal128: WidenBigEndian(in, stored_width, count, out); break;
    default: std::memcpy(out, in, count * stored_width); break;
  }
}


std::optional<NativeValueKind> NativeValueKindFor(const parquet::ColumnDescriptor& descr,
                                                  const arrow::DataType& type) {
  if (descr.max_repetition_level() != 0 || descr.max_definition_level() > 1) return std::nullopt;
  using K = NativeValueKind;
  const auto id = type.id();
  switch (descr.physical_type()) {
    case parquet::Type::INT32:
      if (id == arrow::Type::INT32 && IsInt(descr, 32, true)) return K::kCopy32;
      if (id == arrow::Type::UINT32 && IsInt(descr, 32, false)) return K::kCopy32;
      if (id == arrow::Type::DATE32 && descr.logical_type() && descr.logical_type()->is_date()) {
        return K::kCopy32;
      }
      if (id == arrow::Type::DECIMAL128 && IsDecimal(descr)) return K::kInt32ToDecimal128;
      return std::nullopt;
    case parquet::Type::INT64:
      if (id == arrow::Type::INT64 && IsInt(descr, 64, true)) return K::kCopy64;
      if (id == arrow::Type::UINT64 && IsInt(descr, 64, false)) return K::kCopy64;
      if (id == arrow::Type::TIMESTAMP &&
          IsTimestampIn(descr, static_cast<const arrow::TimestampType&>(type).unit())) {
        return K::kCopy64;
      }
      if (id == arrow::Type::DECIMAL128 && IsDecimal(descr)) return K::kInt64ToDecimal128;
      return std::nullopt;
    case parquet::Type::FLOAT:
      return id == arrow::Type::FLOAT ? std::optional(K::kCopy32) : std::nullopt;
    case parquet::Type::DOUBLE:
      return id == arrow::Type::DOUBLE ? std::optional(K::kCopy64) : std::nullopt;
    case parquet::Type::FIXED_LEN_BYTE_ARRAY:
      if (id == arrow::Type::DECIMAL128 && IsDecimal(descr) && descr.type_length() >= 1 &&
          descr.type_length() <= 16) {
        return K::kFixedToDecimal128;
      }
      return std::nullopt;
    case parquet::Type::BYTE_ARRAY: {
      // Views are decoded as utf8 and binary, the layouts ferry executes on.
      if (id == arrow::Type::STRING || id == arrow::Type::BINARY || id == arrow::Type::STRING_VIEW ||
          id == arrow::Type::BINARY_VIEW) {
        return K::kBinary;
      }
      if (id != arrow::Type::DICTIONARY) return std::nullopt;
      const auto& dictionary = static_cast<const arrow::DictionaryType&>(type);
      const auto value = dictionary.value_type()->id();
      if (dictionary.index_type()->id() == arrow::Type::INT32 &&
          (value == arrow::Type::STRING || value == arrow::Type::BINARY)) {
        return K::kDictionaryIndices;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace ferry
