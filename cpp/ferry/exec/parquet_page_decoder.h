#pragma once

// ferry's own decoding of flat Parquet column chunks: definition levels,
// PLAIN and dictionary-encoded values, straight into the Arrow arrays
// parquet::arrow::FileReader would give. Arrow still parses the page
// headers (parquet::PageReader); everything else falls back to Arrow's
// reader, per column chunk, before any page is read.

#include <memory>
#include <optional>

#include <arrow/memory_pool.h>
#include <arrow/type_fwd.h>
#include <parquet/column_reader.h>
#include <parquet/schema.h>

#include "ferry/common/status.h"

namespace ferry {

/// How a column's stored values become its Arrow values.
enum class NativeValueKind {
  kCopy32,             // INT32 or FLOAT as int32, uint32, date32, float
  kCopy64,             // INT64 or DOUBLE as int64, uint64, timestamp, double
  kInt32ToDecimal128,  // INT32 unscaled decimals widened to decimal128
  kInt64ToDecimal128,  // INT64 unscaled decimals widened to decimal128
  kBinary,             // BYTE_ARRAY as utf8 or binary
  kDictionaryIndices,  // BYTE_ARRAY read as dictionary<int32, utf8|binary>
};

/// The kind for a column described by `descr` that Arrow's reader returns
/// as `type`; nullopt when only Arrow's reader decodes it (nested or
/// repeated columns, other types, conversions Arrow does on read).
std::optional<NativeValueKind> NativeValueKindFor(const parquet::ColumnDescriptor& descr,
                                                  const arrow::DataType& type);

/// Decodes one flat column chunk, batch by batch.
///
/// Pages come from `pages`; when `snappy_pages` is set they are
/// still snappy-compressed (the PageReader was opened as UNCOMPRESSED) and
/// are decompressed here with libsnappy. Output buffers come from `pool`.
/// Corrupt pages give Invalid, never a read outside the page. Not
/// thread-safe; `descr` must outlive the decoder.
class ColumnChunkDecoder {
 public:
  static Result<std::unique_ptr<ColumnChunkDecoder>> Make(
      std::unique_ptr<parquet::PageReader> pages, const parquet::ColumnDescriptor* descr,
      std::shared_ptr<arrow::DataType> type, NativeValueKind kind, bool snappy_pages,
      arrow::MemoryPool* pool);
  ~ColumnChunkDecoder();

  /// The next `rows` values (rows > 0) as one array; Invalid if the chunk
  /// holds fewer.
  Result<std::shared_ptr<arrow::Array>> Next(int64_t rows);

 private:
  struct State;
  explicit ColumnChunkDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ferry
