#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/exec/execution_plan.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// Record batches held in memory, already split into partitions.
/// Fails with Invalid when a batch's schema differs from `schema`.
/// string_view/binary_view columns (polars' strings) are cast to utf8 and
/// binary here, once (see view_types.h); every other column is borrowed.
Result<std::shared_ptr<const TableProvider>> MakeMemoryTable(std::shared_ptr<arrow::Schema> schema,
                                                             std::vector<BatchVector> partitions);

/// Spreads `batches` over `num_partitions` partitions of contiguous rows
/// (order kept when partitions are read in order), slicing them into
/// batches of at most `max_batch_rows`. Slices borrow; nothing is copied.
std::vector<BatchVector> SplitIntoPartitions(const BatchVector& batches, int num_partitions,
                                             int64_t max_batch_rows = 65536);

/// A Parquet file read with Arrow's reader; row groups are spread over the
/// scan's partitions and only projected columns are decoded. View columns
/// (string_view from DataFusion, Polars, tpchgen-cli) are read as
/// utf8/binary, cast per batch (see view_types.h).
Result<std::shared_ptr<const TableProvider>> MakeParquetTable(const std::string& path);

struct CsvOptions {
  bool has_header = true;
  char delimiter = ',';
};
/// A CSV file streamed with Arrow's reader, converting only projected
/// columns; column types are inferred from the first block and then
/// pinned, so every later block converts the same way.
Result<std::shared_ptr<const TableProvider>> MakeCsvTable(const std::string& path,
                                                          const CsvOptions& options);

}  // namespace ferry
