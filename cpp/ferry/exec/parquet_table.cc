#include <cmath>
#include <limits>

#include <arrow/io/file.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/exception.h>
#include <parquet/statistics.h>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/dictionary_entries.h"
#include "ferry/exec/dictionary_filter.h"
#include "ferry/exec/file_scan_support.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/parquet_native_reader.h"
#include "ferry/exec/parquet_pruning.h"
#include "ferry/exec/scan_decided_filters.h"
#include "ferry/exec/scan_memory_pool.h"
#include "ferry/exec/tables.h"
#include "ferry/exec/view_types.h"

namespace ferry {
namespace {

using file_scan::Project;
using file_scan::ProjectionNames;
using file_scan::CheckProjection;
using file_scan::ReaderStream;

// Opens `path`, reading the leaf columns `dictionary_leaves` as
// dictionary arrays (their pages' dictionary indices, strings undecoded).
Result<std::unique_ptr<parquet::arrow::FileReader>> OpenParquet(
    const std::string& path, const std::vector<int>& dictionary_leaves = {}) {
  auto file = arrow::io::ReadableFile::Open(path, ScanMemoryPool());
  if (!file.ok()) return Status::IOError("cannot open Parquet file ", path, ": ", file.status().message());
  try {
    auto properties = parquet::default_arrow_reader_properties();
    for (int leaf : dictionary_leaves) properties.set_read_dictionary(leaf, true);
    // Pages and decoded columns come from a pool that reuses its blocks.
    parquet::arrow::FileReaderBuilder builder;
    auto opened = builder.Open(*file, parquet::ReaderProperties(ScanMemoryPool()));
    std::unique_ptr<parquet::arrow::FileReader> reader;
    if (opened.ok()) opened = builder.memory_pool(ScanMemoryPool())->properties(properties)->Build(&reader);
    if (!opened.ok()) {
      return Status::IOError("cannot read Parquet file ", path, ": ", opened.message());
    }
    return reader;
  } catch (const parquet::ParquetException& e) {
    return Status::IOError("cannot read Parquet file ", path, ": ", e.what());
  }
}

// Per column of the file: its leaf column when it is a utf8 leaf whose
// every data page is dictionary-encoded in every row group, so reading it
// as a dictionary costs no re-encoding (-1 otherwise); and whether its
// dictionaries are also small beside its row count (TPC-H's l_shipmode,
// p_type, o_orderpriority: not c_name, dictionary-encoded but unique).
struct DictionaryColumns {
  std::vector<int> leaf;
  std::vector<bool> few_values;
  std::vector<std::optional<double>> entries;  // of few_values columns' (or a small table's) dictionaries
  // Whether ferry's decoder reads every chunk of the column: it takes short
  // strings by index faster than an index read plus a take (lineitem's
  // four flag and mode columns: 0.05 s against 0.18 s of CPU), so those
  // are read as dictionaries only for a dictionary filter.
  std::vector<bool> decoded_natively;
};

// At most this many dictionary bytes per 8 rows: decoding the indices and
// then taking the strings by index costs measurably less than Arrow's
// dictionary decoding (lineitem's four flag and mode columns: 0.41 s
// against 0.25 s of CPU), and the dictionary adds little.
constexpr int64_t kFewValuesRowsPerDictionaryByte = 8;

// Tables of at most this many rows have every string dictionary counted.
constexpr int64_t kSmallTableRows = 4096;

bool FewValues(const parquet::ColumnChunkMetaData& chunk) {
  if (!chunk.has_dictionary_page() || chunk.dictionary_page_offset() <= 0) return false;
  const int64_t dictionary_bytes = chunk.data_page_offset() - chunk.dictionary_page_offset();
  return dictionary_bytes > 0 &&
         dictionary_bytes * kFewValuesRowsPerDictionaryByte <= chunk.num_values();
}

DictionaryColumns DictionaryEncodedStrings(parquet::arrow::FileReader& reader,
                                           const arrow::Schema& file_schema) {
  const auto& metadata = *reader.parquet_reader()->metadata();
  const auto& fields = reader.manifest().schema_fields;
  DictionaryColumns out{std::vector<int>(file_schema.num_fields(), -1),
                        std::vector<bool>(file_schema.num_fields(), false),
                        std::vector<std::optional<double>>(file_schema.num_fields()),
                        std::vector<bool>(file_schema.num_fields(), false)};
  for (int i = 0; i < file_schema.num_fields() && i < static_cast<int>(fields.size()); ++i) {
    if (!fields[i].is_leaf() || file_schema.field(i)->type()->id() != arrow::Type::STRING) continue;
    bool all = metadata.num_row_groups() > 0, few = all;
    for (int g = 0; g < metadata.num_row_groups() && all; ++g) {
      auto chunk = metadata.RowGroup(g)->ColumnChunk(fields[i].column_index);
      all = AllDataPagesDictionaryEncoded(*chunk);
      few = few && FewValues(*chunk);
    }
    if (all) out.leaf[i] = fields[i].column_index;
    out.few_values[i] = all && few;
    // A small table's dictionaries are counted whatever their size: a
    // nation name equality then keeps 1 row in 25, not the 10% guess.
    const bool small_table = metadata.num_rows() <= kSmallTableRows;
    if (all && (few || small_table)) {
      out.entries[i] = DictionaryEntries(*reader.parquet_reader(), fields[i].column_index);
    }
    out.decoded_natively[i] = DecodesNatively(metadata, fields[i]);
  }
  return out;
}

void CollectLeaves(const parquet::arrow::SchemaField& field, std::vector<int>* leaves) {
  if (field.is_leaf()) {
    leaves->push_back(field.column_index);
    return;
  }
  for (const auto& child : field.children) CollectLeaves(child, leaves);
}

class ParquetScanExec final : public ExecutionPlan {
 public:
  ParquetScanExec(std::string path, const arrow::Schema& table_schema,
                  std::vector<std::vector<int>> row_groups, std::optional<std::vector<int>> projection,
                  std::vector<Expr> filters, const DictionaryColumns& dictionary_columns)
      : path_(std::move(path)), schema_(Project(table_schema, projection)),
        row_groups_(std::move(row_groups)), projection_(std::move(projection)),
        filters_(std::move(filters)) {
    // Filters over one dictionary-encoded column are decided on its
    // dictionary, exactly: the planner drops them from the filter above.
    const auto& leaves = dictionary_columns.leaf;
    for (const auto& filter : filters_) {
      auto column = DictionaryFilterColumn(filter, table_schema);
      if (!column || leaves[*column] < 0) continue;
      int batch_column = *column;
      if (projection_) {
        auto at = std::find(projection_->begin(), projection_->end(), *column);
        if (at == projection_->end()) continue;
        batch_column = static_cast<int>(at - projection_->begin());
      }
      // A filter that does not bind is left to the filter above, which
      // reports why.
      auto bound = BindDictionaryFilter(filter, table_schema, *column, batch_column);
      if (!bound.ok()) continue;
      dictionary_filters_.push_back(std::move(*bound));
      decided_filters_.push_back(filter);
      ReadAsDictionary(leaves[*column]);
    }
    // Columns of few values are read as dictionaries even unfiltered:
    // decoded by index after the read, they cost less.
    for (int i = 0; i < table_schema.num_fields(); ++i) {
      const bool projected = !projection_ || std::find(projection_->begin(), projection_->end(),
                                                       i) != projection_->end();
      if (projected && dictionary_columns.few_values[i] && !dictionary_columns.decoded_natively[i]) {
        ReadAsDictionary(leaves[i]);
      }
    }
  }

  void ReadAsDictionary(int leaf) {
    if (std::find(dictionary_leaves_.begin(), dictionary_leaves_.end(), leaf) ==
        dictionary_leaves_.end()) {
      dictionary_leaves_.push_back(leaf);
    }
  }

  const std::vector<Expr>& decided_filters() const { return decided_filters_; }
  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return static_cast<int>(row_groups_.size()); }
  std::vector<ExecPtr> children() const override { return {}; }
  std::string Describe() const override {
    std::string out = "ParquetScanExec: " + path_ + ", partitions=" +
                      std::to_string(row_groups_.size()) + ", projection=[" +
                      ProjectionNames(*schema_) + "]";
    if (!dictionary_filters_.empty()) {
      out += ", dictionary_filters=[";
      for (size_t i = 0; i < dictionary_filters_.size(); ++i) {
        out += (i ? ", " : "") + dictionary_filters_[i].predicate->ToString();
      }
      out += "]";
    }
    return out;
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(FileScanInfo{ParquetFileSource{path_}, projection_, filters_, row_groups_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition < 0 || partition >= num_partitions()) {
      return Status::IndexError("partition ", partition, " out of range");
    }
    // A FileReader is not thread-safe: each partition opens its own.
    FERRY_ASSIGN_OR_RAISE(auto owned, OpenParquet(path_, dictionary_leaves_));
    std::shared_ptr<parquet::arrow::FileReader> reader = std::move(owned);
    std::vector<int> leaves;
    const auto& fields = reader->manifest().schema_fields;
    if (projection_) {
      for (int i : *projection_) CollectLeaves(fields[i], &leaves);
    } else {
      for (const auto& field : fields) CollectLeaves(field, &leaves);
    }
    std::shared_ptr<arrow::RecordBatchReader> batches;
    try {
      FERRY_ASSIGN_OR_RAISE(batches, MakeNativeParquetReader(reader, path_, row_groups_[partition], leaves));
    } catch (const parquet::ParquetException& e) {
      return Status::IOError("reading ", path_, ": ", e.what());
    }
    // Files written by DataFusion, Polars or tpchgen-cli carry string_view.
    StreamPtr stream = std::make_unique<ReaderStream<parquet::arrow::FileReader>>(
        std::move(reader), CastViews(std::move(batches)), path_);
    if (dictionary_leaves_.empty()) return stream;
    return MakeDictionaryFilterStream(std::move(stream), dictionary_filters_, schema_);
  }

 private:
  std::string path_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::vector<int>> row_groups_;
  std::optional<std::vector<int>> projection_;
  std::vector<Expr> filters_;  // row_groups_ already reflect them
  std::vector<DictionaryFilter> dictionary_filters_;  // the filters_ decided per dictionary entry
  std::vector<Expr> decided_filters_;                 // those filters_, as given
  std::vector<int> dictionary_leaves_;                // their leaf columns, read as dictionaries
};

// Per column and row group, min and max for integer, date32 and
// integer-stored decimal columns whose every row group has statistics (as
// numbers: days, a decimal's value; empty for other columns). Over the row
// groups a scan reads, max - min + 1 bounds an integer column's distinct
// values (TPC-H: c_nationkey 25, l_suppkey 10,000), and the range tells
// how many rows a range filter keeps.
using ValueRange = std::pair<double, double>;
using ColumnRanges = std::vector<std::vector<ValueRange>>;

template <typename Stats>
std::optional<ValueRange> RangeOf(const parquet::Statistics& stats) {
  const auto& typed = static_cast<const Stats&>(stats);
  if (!typed.HasMinMax()) return std::nullopt;
  return ValueRange{static_cast<double>(typed.min()), static_cast<double>(typed.max())};
}

ColumnRanges NumericRanges(parquet::arrow::FileReader& reader, const arrow::Schema& schema) {
  const auto& metadata = *reader.parquet_reader()->metadata();
  const auto& fields = reader.manifest().schema_fields;
  ColumnRanges ranges(schema.num_fields());
  for (int i = 0; i < schema.num_fields() && i < static_cast<int>(fields.size()); ++i) {
    const auto& type = *schema.field(i)->type();
    double scale = 1;  // a decimal's statistics hold its unscaled integers
    if (type.id() == arrow::Type::DECIMAL128) {
      scale = std::pow(10.0, static_cast<const arrow::Decimal128Type&>(type).scale());
    } else if (!arrow::is_integer(type.id()) && type.id() != arrow::Type::DATE32) {
      continue;
    }
    if (!fields[i].is_leaf()) continue;
    const int leaf = fields[i].column_index;
    std::vector<ValueRange> per_group;
    for (int g = 0; g < metadata.num_row_groups(); ++g) {
      auto stats = metadata.RowGroup(g)->ColumnChunk(leaf)->statistics();
      std::optional<ValueRange> range;
      if (stats && stats->physical_type() == parquet::Type::INT64) {
        range = RangeOf<parquet::Int64Statistics>(*stats);
      } else if (stats && stats->physical_type() == parquet::Type::INT32) {
        range = RangeOf<parquet::Int32Statistics>(*stats);
      }
      if (!range || range->first > range->second) break;
      per_group.push_back({range->first / scale, range->second / scale});
    }
    if (per_group.size() == static_cast<size_t>(metadata.num_row_groups())) ranges[i] = std::move(per_group);
  }
  return ranges;
}

class ParquetTable final : public TableProvider {
 public:
  // Scans read `row_groups` (all `file_row_groups` of the file's unless
  // `filters` pruned some), which hold `num_rows` rows.
  ParquetTable(std::string path, std::shared_ptr<arrow::Schema> schema, std::vector<int> row_groups,
               int file_row_groups, int64_t num_rows, std::vector<Expr> filters,
               std::shared_ptr<const ColumnRanges> ranges,
               std::shared_ptr<const DictionaryColumns> dictionary)
      : path_(std::move(path)), schema_(std::move(schema)), row_groups_(std::move(row_groups)),
        file_row_groups_(file_row_groups), num_rows_(num_rows), filters_(std::move(filters)),
        ranges_(std::move(ranges)), dictionary_(std::move(dictionary)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  std::string Describe() const override { return "ParquetTable: " + path_; }
  std::optional<TableSource> Source() const override { return ParquetFileSource{path_}; }
  std::optional<double> EstimatedRows() const override { return static_cast<double>(num_rows_); }
  std::optional<double> EstimatedDistinct(int index) const override {
    if (index >= 0 && index < static_cast<int>(dictionary_->entries.size()) &&
        dictionary_->entries[index]) {
      return dictionary_->entries[index];
    }
    auto range = EstimatedRange(index);
    if (!range || !arrow::is_integer(schema_->field(index)->type()->id())) return std::nullopt;
    return range->second - range->first + 1;
  }
  std::optional<std::pair<double, double>> EstimatedRange(int index) const override {
    if (index < 0 || index >= static_cast<int>(ranges_->size()) || row_groups_.empty()) return std::nullopt;
    const auto& per_group = (*ranges_)[index];
    if (per_group.empty()) return std::nullopt;
    ValueRange range{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for (int g : row_groups_) {
      range.first = std::min(range.first, per_group[g].first);
      range.second = std::max(range.second, per_group[g].second);
    }
    return range;
  }
  // Row groups are pruned by what has an Arrow form; rows are dropped
  // early by what a dictionary decides.
  FilterPushdown SupportsFilter(const Expr& filter) const override {
    if (ToArrowPredicate(filter, *schema_)) return FilterPushdown::kInexact;
    auto column = DictionaryFilterColumn(filter, *schema_);
    return column && dictionary_->leaf[*column] >= 0 ? FilterPushdown::kInexact
                                                  : FilterPushdown::kUnsupported;
  }
  Result<std::shared_ptr<const TableProvider>> WithFilters(
      const std::vector<Expr>& filters) const override {
    FERRY_ASSIGN_OR_RAISE(auto pruned, PruneRowGroups(path_, schema_, filters));
    std::vector<int> kept;
    int64_t rows = 0;
    for (const auto& [row_group, num_rows] : pruned) {
      if (std::find(row_groups_.begin(), row_groups_.end(), row_group) == row_groups_.end()) continue;
      kept.push_back(row_group);
      rows += num_rows;
    }
    auto all_filters = filters_;
    all_filters.insert(all_filters.end(), filters.begin(), filters.end());
    return std::make_shared<ParquetTable>(path_, schema_, std::move(kept), file_row_groups_, rows,
                                          std::move(all_filters), ranges_, dictionary_);
  }
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>& projection,
                                              int target_partitions) const override {
    const int num_row_groups = static_cast<int>(row_groups_.size());
    int partitions = std::max(1, std::min(num_row_groups, std::max(1, target_partitions)));
    std::vector<std::vector<int>> row_groups(partitions);
    for (int i = 0; i < num_row_groups; ++i) row_groups[i % partitions].push_back(row_groups_[i]);
    return ScanSplits(projection, row_groups);
  }
  Result<std::shared_ptr<ExecutionPlan>> ScanSplits(
      const std::optional<std::vector<int>>& projection,
      const std::vector<std::vector<int>>& splits) const override {
    FERRY_RETURN_NOT_OK(CheckProjection(*schema_, projection, path_));
    if (splits.empty()) return Status::Invalid("a scan of ", path_, " needs at least one split");
    for (const auto& split : splits) {
      for (int row_group : split) {
        if (row_group < 0 || row_group >= file_row_groups_) {
          return Status::IndexError("row group ", row_group, " out of range: ", path_, " has ",
                                    file_row_groups_, " row groups");
        }
      }
    }
    return std::make_shared<ParquetScanExec>(path_, *schema_, splits, projection, filters_,
                                             *dictionary_);
  }

 private:
  std::string path_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<int> row_groups_;
  int file_row_groups_;
  int64_t num_rows_;
  std::vector<Expr> filters_;
  std::shared_ptr<const ColumnRanges> ranges_;
  std::shared_ptr<const DictionaryColumns> dictionary_;
};

}  // namespace

std::vector<Expr> FiltersDecidedByScan(const ExecutionPlan& plan) {
  const auto* scan = dynamic_cast<const ParquetScanExec*>(&plan);
  return scan ? scan->decided_filters() : std::vector<Expr>{};
}

Result<std::shared_ptr<const TableProvider>> MakeParquetTable(const std::string& path) {
  FERRY_ASSIGN_OR_RAISE(auto reader, OpenParquet(path));
  std::shared_ptr<arrow::Schema> schema;
  FERRY_RETURN_NOT_OK(reader->GetSchema(&schema));
  std::vector<int> row_groups(reader->num_row_groups());
  for (int i = 0; i < reader->num_row_groups(); ++i) row_groups[i] = i;
  auto ranges = std::make_shared<const ColumnRanges>(NumericRanges(*reader, *schema));
  auto dictionary = std::make_shared<const DictionaryColumns>(DictionaryEncodedStrings(*reader, *schema));
  return std::make_shared<ParquetTable>(path, WithoutViews(schema), std::move(row_groups),
                                        reader->num_row_groups(),
                                        reader->parquet_reader()->metadata()->num_rows(),
                                        std::vector<Expr>{}, std::move(ranges),
                                        std::move(dictionary));
}

}  // namespace ferry
