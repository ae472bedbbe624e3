#pragma once

// A RecordBatchReader over row groups of one Parquet file that decodes
// flat column chunks with ferry's page decoder and the others with
// parquet::arrow::FileReader, per column chunk.

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/metadata.h>

#include "ferry/common/status.h"

namespace ferry {

/// Whether every data page of `chunk` holds dictionary indices (its
/// encoding stats say so; false when the file records none).
bool AllDataPagesDictionaryEncoded(const parquet::ColumnChunkMetaData& chunk);

/// Whether every chunk of `field` (a field of a FileReader over the file
/// `metadata` describes) is decoded by ferry rather than by Arrow.
bool DecodesNatively(const parquet::FileMetaData& metadata, const parquet::arrow::SchemaField& field);

/// Reads `row_groups` of `reader`'s file (at `path`) for the top-level
/// fields holding `leaves`, as `reader->GetRecordBatchReader(row_groups,
/// leaves)` would: the same schema and values (dictionary-read columns
/// included) except that string_view and binary_view columns come as utf8
/// and binary (as CastViews gives them), in batches of at most the
/// reader's batch size that never span a row group. Column chunks ferry cannot decode (nested, repeated,
/// encrypted, other encodings or types) are read by `reader` instead.
/// Buffers come from ScanMemoryPool(). Errors name `path`.
Result<std::shared_ptr<arrow::RecordBatchReader>> MakeNativeParquetReader(
    std::shared_ptr<parquet::arrow::FileReader> reader, std::string path,
    std::vector<int> row_groups, const std::vector<int>& leaves);

}  // namespace ferry
