#include <filesystem>

#include <arrow/csv/api.h>
#include <arrow/io/file.h>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/file_scan_support.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/tables.h"

namespace ferry {
namespace {

using file_scan::Project;
using file_scan::ProjectionNames;
using file_scan::CheckProjection;
using file_scan::ReaderStream;

struct CsvSource {
  std::string path;
  CsvOptions options;
  std::shared_ptr<arrow::Schema> schema;
};

Result<std::shared_ptr<arrow::csv::StreamingReader>> OpenCsv(
    const CsvSource& source, const std::optional<std::vector<int>>& projection) {
  auto file = arrow::io::ReadableFile::Open(source.path);
  if (!file.ok()) return Status::IOError("cannot open CSV file ", source.path, ": ", file.status().message());
  auto read = arrow::csv::ReadOptions::Defaults();
  read.autogenerate_column_names = !source.options.has_header;
  auto parse = arrow::csv::ParseOptions::Defaults();
  parse.delimiter = source.options.delimiter;
  auto convert = arrow::csv::ConvertOptions::Defaults();
  if (source.schema) {
    // Pin every column to the registered schema so later blocks cannot
    // infer differently from the first.
    for (const auto& field : source.schema->fields()) convert.column_types[field->name()] = field->type();
    auto projected = Project(*source.schema, projection);
    for (const auto& field : projected->fields()) convert.include_columns.push_back(field->name());
  }
  auto reader = arrow::csv::StreamingReader::Make(arrow::io::default_io_context(), *file, read,
                                                  parse, convert);
  if (!reader.ok()) {
    return Status::IOError("cannot read CSV file ", source.path, ": ", reader.status().message());
  }
  return reader;
}

class CsvScanExec final : public ExecutionPlan {
 public:
  CsvScanExec(CsvSource source, std::optional<std::vector<int>> projection)
      : source_(std::move(source)), projection_(std::move(projection)),
        schema_(Project(*source_.schema, projection_)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return 1; }
  std::vector<ExecPtr> children() const override { return {}; }
  std::string Describe() const override {
    return "CsvScanExec: " + source_.path + ", projection=[" + ProjectionNames(*schema_) + "]";
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    CsvFileSource source{source_.path, source_.options.has_header, source_.options.delimiter};
    return MakeOperatorInfo(FileScanInfo{std::move(source), projection_, {}, {{}}});
  }
  Result<StreamPtr> Execute(int partition) const override {
    if (partition != 0) return Status::IndexError("partition ", partition, " out of range");
    FERRY_ASSIGN_OR_RAISE(auto reader, OpenCsv(source_, projection_));
    return std::make_unique<ReaderStream<arrow::csv::StreamingReader>>(reader, reader, source_.path);
  }

 private:
  CsvSource source_;
  std::optional<std::vector<int>> projection_;
  std::shared_ptr<arrow::Schema> schema_;
};

class CsvTable final : public TableProvider {
 public:
  explicit CsvTable(CsvSource source) : source_(std::move(source)) {}
  const std::shared_ptr<arrow::Schema>& schema() const override { return source_.schema; }
  std::string Describe() const override { return "CsvTable: " + source_.path; }
  std::optional<TableSource> Source() const override {
    return CsvFileSource{source_.path, source_.options.has_header, source_.options.delimiter};
  }
  std::optional<double> EstimatedRows() const override {
    // No row count without reading the file: guess from its size, at
    // kCsvBytesPerValue bytes per value (a short number or word and a comma).
    constexpr double kCsvBytesPerValue = 8;
    std::error_code error;
    auto bytes = std::filesystem::file_size(source_.path, error);
    if (error || source_.schema->num_fields() == 0) return std::nullopt;
    return static_cast<double>(bytes) / (kCsvBytesPerValue * source_.schema->num_fields());
  }
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>& projection,
                                              int target_partitions) const override {
    FERRY_RETURN_NOT_OK(CheckProjection(*source_.schema, projection, source_.path));
    return std::make_shared<CsvScanExec>(source_, projection);
  }
  /// A CSV file is read whole, by one partition: its one split is empty.
  Result<std::shared_ptr<ExecutionPlan>> ScanSplits(
      const std::optional<std::vector<int>>& projection,
      const std::vector<std::vector<int>>& splits) const override {
    if (splits.size() != 1 || !splits[0].empty()) {
      return Status::Invalid("a scan of CSV file ", source_.path,
                             " reads the whole file in one partition: it takes one empty split");
    }
    return Scan(projection, 1);
  }

 private:
  CsvSource source_;
};

}  // namespace

Result<std::shared_ptr<const TableProvider>> MakeCsvTable(const std::string& path,
                                                          const CsvOptions& options) {
  CsvSource source{path, options, nullptr};
  FERRY_ASSIGN_OR_RAISE(auto reader, OpenCsv(source, std::nullopt));
  source.schema = reader->schema();
  return std::make_shared<CsvTable>(std::move(source));
}

}  // namespace ferry
