#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"

namespace ferry {

class ExecutionPlan;

/// Where a table's rows come from, as a plan on the wire carries it
/// (serde/plan_serde.h): a file the receiver reopens by path, or the rows.
struct ParquetFileSource {
  std::string path;
};
struct CsvFileSource {
  std::string path;
  bool has_header = true;
  char delimiter = ',';
};
struct InMemorySource {
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::vector<std::shared_ptr<arrow::RecordBatch>>> partitions;
};
using TableSource = std::variant<ParquetFileSource, CsvFileSource, InMemorySource>;

/// What a table can do with a filter handed to it (TableProvider::WithFilters).
enum class FilterPushdown {
  kUnsupported,  ///< nothing: the filter is not handed over
  kInexact,      ///< skips data the filter rules out (Parquet row groups by
                 ///< statistics); rows it does not rule out still come, so
                 ///< the filter keeps running above the scan
};

/// A named source of rows a plan can scan: in-memory batches, Parquet,
/// CSV. Implementations live in exec/ (they build the scan operator); the
/// plan layer only needs the schema. Thread-safe and immutable.
class TableProvider {
 public:
  virtual ~TableProvider() = default;
  virtual const std::shared_ptr<arrow::Schema>& schema() const = 0;
  /// Short description for explain(), e.g. "MemoryTable: 4 partitions".
  virtual std::string Describe() const = 0;
  /// How many rows a full scan yields: exact for in-memory tables, from the
  /// file's metadata or size otherwise; nullopt when unknown. Used for
  /// cardinality estimates (plan/statistics.h), never for correctness.
  virtual std::optional<double> EstimatedRows() const { return std::nullopt; }
  /// An upper bound on how many distinct values column `index` holds (e.g.
  /// an integer column's max - min + 1 from Parquet statistics); nullopt
  /// when unknown. For join size estimates only, never for correctness.
  virtual std::optional<double> EstimatedDistinct(int index) const { return std::nullopt; }
  /// The smallest and largest value column `index` holds, as numbers
  /// (integers; dates as days since 1970-01-01; decimals as their value),
  /// e.g. from Parquet statistics; nullopt when unknown. For estimating
  /// how many rows a range filter keeps, never for correctness.
  virtual std::optional<std::pair<double, double>> EstimatedRange(int index) const {
    return std::nullopt;
  }
  /// Whether scans can use `filter` (a predicate over this table's columns).
  virtual FilterPushdown SupportsFilter(const Expr& filter) const {
    return FilterPushdown::kUnsupported;
  }
  /// This table as scanned under `filters` (each one SupportsFilter takes):
  /// its scans may skip what the filters rule out, and EstimatedRows counts
  /// what is left. NotImplemented for tables that take no filters.
  virtual Result<std::shared_ptr<const TableProvider>> WithFilters(
      const std::vector<Expr>& filters) const {
    return Status::NotImplemented(Describe(), " takes no filters");
  }
  /// What this table reads, for plans that travel; nullopt when it cannot
  /// be described (a plan scanning it does not encode).
  virtual std::optional<TableSource> Source() const { return std::nullopt; }
  /// A scan yielding only `projection`'s columns (all when absent), split
  /// into up to `target_partitions` partitions.
  virtual Result<std::shared_ptr<ExecutionPlan>> Scan(
      const std::optional<std::vector<int>>& projection, int target_partitions) const = 0;
  /// A scan whose partition i reads exactly `splits[i]`: for a Parquet
  /// file, those row groups in that order. How a scan that travelled in a
  /// physical plan (serde/physical_serde.h) reads on the receiver what it
  /// read on the sender. IndexError for a split naming what the table
  /// lacks; NotImplemented for tables whose scans have no splits.
  virtual Result<std::shared_ptr<ExecutionPlan>> ScanSplits(
      const std::optional<std::vector<int>>& projection,
      const std::vector<std::vector<int>>& splits) const {
    return Status::NotImplemented(Describe(), " cannot scan given splits");
  }
};

}  // namespace ferry
