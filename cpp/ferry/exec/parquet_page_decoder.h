#pragma once

// ferry's own decoding of flat Parquet column chunks: definition levels,
// PLAIN and dictionary-encoded values, straight into the Arrow arrays
// parquet::arrow::FileReader would give. Arrow still parses the page
// headers (parquet::PageReader); everything else falls back to Arrow's
// reader, per column chunk, before any page is read.

#include <memory>

#include <arrow/memory_pool.h>
#include <arrow/type_fwd.h>
#include <parquet/column_reader.h>
#include <parquet/schema.h>

#include "ferry/common/status.h"
#include "ferry/exec/parquet_value_kind.h"

namespace ferry {

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
