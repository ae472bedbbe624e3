#pragma once

// What a flat Parquet column's stored values become in the Arrow array
// parquet::arrow::FileReader gives for it, for the columns ferry decodes.

#include <cstdint>
#include <optional>

#include <arrow/type_fwd.h>
#include <parquet/schema.h>

namespace ferry {

/// How a column's stored values become its Arrow values.
enum class NativeValueKind {
  kCopy32,             // INT32 or FLOAT as int32, uint32, date32, float
  kCopy64,             // INT64 or DOUBLE as int64, uint64, timestamp, double
  kInt32ToDecimal128,  // INT32 unscaled decimals widened to decimal128
  kInt64ToDecimal128,  // INT64 unscaled decimals widened to decimal128
  kFixedToDecimal128,  // FIXED_LEN_BYTE_ARRAY big-endian decimals (pyarrow's default)
  kBinary,             // BYTE_ARRAY as utf8 or binary (views: see NativeValueKindFor)
  kDictionaryIndices,  // BYTE_ARRAY read as dictionary<int32, utf8|binary>
};

/// The kind for a column described by `descr` that Arrow's reader returns
/// as `type`; nullopt when only Arrow's reader decodes it (nested or
/// repeated columns, other types, conversions Arrow does on read). A
/// string_view or binary_view column is kBinary: ferry decodes it as the
/// utf8 or binary every scan casts views to (exec/view_types.h).
std::optional<NativeValueKind> NativeValueKindFor(const parquet::ColumnDescriptor& descr,
                                                  const arrow::DataType& type);

/// Bytes of one PLAIN-stored value of `kind` in a column of `descr`
/// (BYTE_ARRAY kinds: 0, variable).
int StoredWidth(NativeValueKind kind, const parquet::ColumnDescriptor& descr);

/// Bytes of one Arrow value of `kind` in its values buffer (dictionary
/// indices: 4; kBinary: 0, variable).
int ArrowWidth(NativeValueKind kind);

/// Converts `count` PLAIN-stored fixed-width values of `stored_width`
/// bytes at `in` into their Arrow form at `out` (ArrowWidth(kind) bytes
/// each).
void ConvertPlain(NativeValueKind kind, int stored_width, const uint8_t* in, int64_t count,
                  uint8_t* out);

}  // namespace ferry
