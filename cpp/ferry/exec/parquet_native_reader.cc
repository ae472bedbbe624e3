#include "ferry/exec/parquet_native_reader.h"

#include <algorithm>
#include <optional>

#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <parquet/arrow/schema.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include "ferry/exec/parquet_page_decoder.h"
#include "ferry/exec/scan_memory_pool.h"
#include "ferry/exec/view_types.h"

namespace ferry {
namespace {

// Whether ferry's decoder reads this chunk as Arrow's reader would: in
// this file, not encrypted, levels in RLE, values PLAIN or dictionary.
bool NativeChunk(const parquet::ColumnChunkMetaData& chunk, NativeValueKind kind, int64_t rows) {
  if (!chunk.file_path().empty() || chunk.crypto_metadata() || chunk.num_values() != rows) return false;
  for (auto encoding : chunk.encodings()) {
    switch (encoding) {
      case parquet::Encoding::PLAIN:
      case parquet::Encoding::RLE:
      case parquet::Encoding::RLE_DICTIONARY:
      case parquet::Encoding::PLAIN_DICTIONARY:
        break;
      default:
        return false;
    }
  }
  return kind != NativeValueKind::kDictionaryIndices || AllDataPagesDictionaryEncoded(chunk);
}

// Files of parquet-mr before 1.2.9 understate their chunks' sizes
// (PARQUET-816), and encrypted files need Arrow's decryptor.
bool NativeFile(const parquet::FileMetaData& metadata) {
  return !metadata.writer_version().VersionLt(parquet::ApplicationVersion::PARQUET_816_FIXED_VERSION()) &&
         !metadata.is_encryption_algorithm_set();
}

class NativeParquetReader final : public arrow::RecordBatchReader {
 public:
  NativeParquetReader(std::shared_ptr<parquet::arrow::FileReader> reader, std::string path,
                      std::shared_ptr<arrow::io::RandomAccessFile> file, std::vector<int> row_groups,
                      std::vector<int> fields, std::shared_ptr<arrow::Schema> schema)
      : reader_(std::move(reader)), path_(std::move(path)), file_(std::move(file)),
        row_groups_(std::move(row_groups)), fields_(std::move(fields)), schema_(std::move(schema)),
        batch_size_(std::max<int64_t>(1, reader_->properties().batch_size())) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    try {
      return ReadNextUnsafe(out);
    } catch (const parquet::ParquetException& e) {
      return Status::IOError("reading ", path_, ": ", e.what());
    }
  }

 private:
  // Column `i` of the batch: decoded natively, or the next column of the
  // row group's Arrow batch.
  struct Column {
    std::unique_ptr<ColumnChunkDecoder> native;
  };

  Status ReadNextUnsafe(std::shared_ptr<arrow::RecordBatch>* out) {
    while (rows_left_ == 0) {
      if (next_row_group_ >= row_groups_.size()) {
        *out = nullptr;
        return Status::OK();
      }
      FERRY_RETURN_NOT_OK(OpenRowGroup(row_groups_[next_row_group_++]));
    }
    std::shared_ptr<arrow::RecordBatch> fallback;
    int64_t rows = std::min(rows_left_, batch_size_);
    if (fallback_) {
      FERRY_RETURN_NOT_OK(fallback_->ReadNext(&fallback));
      if (!fallback || fallback->num_rows() == 0 || fallback->num_rows() > rows_left_) {
        return Status::IOError("reading ", path_, ": row group ", row_group_, " ends early");
      }
      rows = fallback->num_rows();
      FERRY_ASSIGN_OR_RAISE(fallback, CastViews(std::move(fallback)));
    }
    std::vector<std::shared_ptr<arrow::Array>> arrays;
    arrays.reserve(columns_.size());
    int next_fallback = 0;
    for (auto& column : columns_) {
      if (column.native) {
        auto array = column.native->Next(rows);
        if (!array.ok()) {
          return array.status().WithMessage("reading ", path_, " row group ", row_group_, ": ",
                                            array.status().message());
        }
        arrays.push_back(std::move(*array));
      } else {
        arrays.push_back(fallback->column(next_fallback++));
      }
    }
    rows_left_ -= rows;
    *out = arrow::RecordBatch::Make(schema_, rows, std::move(arrays));
    return Status::OK();
  }

  Status OpenRowGroup(int row_group) {
    row_group_ = row_group;
    const auto& metadata = *reader_->parquet_reader()->metadata();
    auto group = metadata.RowGroup(row_group);
    rows_left_ = group->num_rows();
    columns_.clear();
    columns_.resize(fields_.size());
    fallback_.reset();
    std::vector<int> fallback_leaves;
    const auto& manifest = reader_->manifest();
    for (size_t i = 0; i < fields_.size(); ++i) {
      const auto& field = manifest.schema_fields[fields_[i]];
      if (field.is_leaf() && rows_left_ > 0) {
        FERRY_ASSIGN_OR_RAISE(columns_[i].native, OpenChunk(*group, field));
      }
      if (!columns_[i].native) AppendLeaves(field, &fallback_leaves);
    }
    if (!fallback_leaves.empty() && rows_left_ > 0) {
      FERRY_ASSIGN_OR_RAISE(fallback_, reader_->GetRecordBatchReader({row_group}, fallback_leaves));
    }
    return Status::OK();
  }

  static void AppendLeaves(const parquet::arrow::SchemaField& field, std::vector<int>* leaves) {
    if (field.is_leaf()) {
      leaves->push_back(field.column_index);
      return;
    }
    for (const auto& child : field.children) AppendLeaves(child, leaves);
  }

  // A decoder for the field's chunk in `group`, or null where Arrow's
  // reader must read it.
  Result<std::unique_ptr<ColumnChunkDecoder>> OpenChunk(parquet::RowGroupMetaData& group,
                                                        const parquet::arrow::SchemaField& field) {
    const int leaf = field.column_index;
    const parquet::ColumnDescriptor* descr = group.schema()->Column(leaf);
    auto kind = NativeValueKindFor(*descr, *field.field->type());
    if (!kind) return nullptr;
    auto chunk = group.ColumnChunk(leaf);
    if (!NativeChunk(*chunk, *kind, group.num_rows())) return nullptr;
    // The chunk's bytes: its dictionary page (when it has one) and data pages.
    int64_t start = chunk->data_page_offset();
    if (chunk->has_dictionary_page() && chunk->dictionary_page_offset() > 0 &&
        chunk->dictionary_page_offset() < start) {
      start = chunk->dictionary_page_offset();
    }
    const int64_t length = chunk->total_compressed_size();
    FERRY_ASSIGN_OR_RAISE(const int64_t file_size, file_->GetSize());
    if (start < 0 || length < 0 || start > file_size || length > file_size - start) {
      return Status::IOError("reading ", path_, ": column chunk of '", descr->path()->ToDotString(),
                             "' lies outside the file");
    }
    FERRY_ASSIGN_OR_RAISE(auto bytes, file_->ReadAt(start, length));
    auto stream = std::make_shared<arrow::io::BufferReader>(std::move(bytes));
    // Snappy pages are handed over still compressed: libsnappy decompresses
    // them faster than the copy bundled with Arrow.
    const bool snappy = chunk->compression() == arrow::Compression::SNAPPY;
    const auto codec = snappy ? arrow::Compression::UNCOMPRESSED : chunk->compression();
    std::unique_ptr<parquet::PageReader> pages;
    try {
      pages = parquet::PageReader::Open(std::move(stream), chunk->num_values(), codec,
                                        page_properties_, *descr);
    } catch (const parquet::ParquetException& e) {
      return Status::IOError("reading ", path_, ": ", e.what());
    }
    return ColumnChunkDecoder::Make(std::move(pages), descr, WithoutViews(field.field->type()), *kind,
                                    snappy, ScanMemoryPool());
  }

  std::shared_ptr<parquet::arrow::FileReader> reader_;
  std::string path_;
  std::shared_ptr<arrow::io::RandomAccessFile> file_;
  std::vector<int> row_groups_;
  std::vector<int> fields_;
  std::shared_ptr<arrow::Schema> schema_;
  int64_t batch_size_;
  // Outlives every PageReader opened with it.
  parquet::ReaderProperties page_properties_{ScanMemoryPool()};

  size_t next_row_group_ = 0;
  int row_group_ = -1;
  int64_t rows_left_ = 0;
  std::vector<Column> columns_;
  std::unique_ptr<arrow::RecordBatchReader> fallback_;
};

}  // namespace

bool AllDataPagesDictionaryEncoded(const parquet::ColumnChunkMetaData& chunk) {
  const auto& stats = chunk.encoding_stats();
  if (stats.empty()) return false;
  for (const auto& page : stats) {
    if (page.page_type == parquet::PageType::DICTIONARY_PAGE) continue;
    if (page.encoding != parquet::Encoding::RLE_DICTIONARY &&
        page.encoding != parquet::Encoding::PLAIN_DICTIONARY) {
      return false;
    }
  }
  return true;
}

bool DecodesNatively(const parquet::FileMetaData& metadata, const parquet::arrow::SchemaField& field) {
  if (!field.is_leaf() || !NativeFile(metadata)) return false;
  const parquet::ColumnDescriptor* descr = metadata.schema()->Column(field.column_index);
  auto kind = NativeValueKindFor(*descr, *field.field->type());
  if (!kind) return false;
  for (int g = 0; g < metadata.num_row_groups(); ++g) {
    auto group = metadata.RowGroup(g);
    if (!NativeChunk(*group->ColumnChunk(field.column_index), *kind, group->num_rows())) return false;
  }
  return true;
}

Result<std::shared_ptr<arrow::RecordBatchReader>> MakeNativeParquetReader(
    std::shared_ptr<parquet::arrow::FileReader> reader, std::string path,
    std::vector<int> row_groups, const std::vector<int>& leaves) {
  const auto& metadata = *reader->parquet_reader()->metadata();
  if (!NativeFile(metadata) || leaves.empty()) {
    FERRY_ASSIGN_OR_RAISE(auto batches, reader->GetRecordBatchReader(row_groups, leaves));
    return std::shared_ptr<arrow::RecordBatchReader>(std::move(batches));
  }
  const auto& manifest = reader->manifest();
  FERRY_ASSIGN_OR_RAISE(auto fields, manifest.GetFieldIndices(leaves));
  arrow::FieldVector schema_fields;
  for (int i : fields) schema_fields.push_back(manifest.schema_fields[i].field);
  auto schema = WithoutViews(arrow::schema(std::move(schema_fields), manifest.schema_metadata));
  auto file = arrow::io::ReadableFile::Open(path, ScanMemoryPool());
  if (!file.ok()) return Status::IOError("cannot open Parquet file ", path, ": ", file.status().message());
  return std::make_shared<NativeParquetReader>(std::move(reader), std::move(path), std::move(*file),
                                               std::move(row_groups), std::move(fields),
                                               std::move(schema));
}

}  // namespace ferry
