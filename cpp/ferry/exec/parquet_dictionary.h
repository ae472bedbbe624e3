#pragma once

// A Parquet column chunk's dictionary page, decoded once per chunk into
// the form its dictionary-encoded pages are gathered from.

#include <cstdint>
#include <memory>

#include <arrow/memory_pool.h>
#include <arrow/type_fwd.h>

#include "ferry/common/status.h"
#include "ferry/exec/parquet_value_kind.h"

namespace ferry {

/// Zeroed bytes after a BYTE_ARRAY dictionary's last value, so its short
/// values can be copied this many bytes at a time.
constexpr int64_t kDictionarySlack = 32;

/// A decoded dictionary: fixed-width values already in their Arrow form,
/// or BYTE_ARRAY offsets and bytes.
struct ParquetDictionary {
  int64_t size = 0;
  /// Fixed width: `size` values of ArrowWidth(kind) bytes. BYTE_ARRAY: the
  /// values' bytes, then kDictionarySlack zero bytes.
  std::shared_ptr<arrow::Buffer> values;
  /// BYTE_ARRAY: `size` + 1 int32 offsets into `values`.
  std::shared_ptr<arrow::Buffer> offsets;
  /// BYTE_ARRAY: the longest value's length, and every value's length if
  /// they all have one (else -1).
  int64_t max_length = 0;
  int64_t fixed_length = -1;
  /// kDictionaryIndices: the values as the dictionary type's utf8/binary.
  std::shared_ptr<arrow::ArrayData> array;
};

/// Decodes the `count` PLAIN values of an uncompressed dictionary page
/// [data, data + size) of a column of `kind` (PLAIN values of
/// `stored_width` bytes where fixed) read as `type`, into buffers from
/// `pool`. Invalid when the page is shorter than its values; the message
/// does not name the column (the caller does).
Result<ParquetDictionary> DecodeDictionaryPage(const uint8_t* data, int64_t size, int64_t count,
                                               NativeValueKind kind, int stored_width,
                                               const std::shared_ptr<arrow::DataType>& type,
                                               arrow::MemoryPool* pool);

}  // namespace ferry
