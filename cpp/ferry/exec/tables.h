#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/exec/execution_plan.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// Record batches held in memory, already split into partitions.
/// Fails with Invalid when a batch's schema differs from `schema`.
/// Arrow 26's selection kernels (filter, take) lack the view layouts, so
/// string_view/binary_view columns (polars' strings) are cast to utf8 and
/// binary here, once; every other column is borrowed as is.
Result<std::shared_ptr<const TableProvider>> MakeMemoryTable(std::shared_ptr<arrow::Schema> schema,
                                                             std::vector<BatchVector> partitions);

/// Spreads `batches` over `num_partitions` partitions of contiguous rows
/// (order kept when partitions are read in order), slicing them into
/// batches of at most `max_batch_rows`. Slices borrow; nothing is copied.
std::vector<BatchVector> SplitIntoPartitions(const BatchVector& batches, int num_partitions,
                                             int64_t max_batch_rows = 65536);

/// A Parquet file read with Arrow's reader; row groups are spread over the
/// scan's partitions and only projected columns are decoded.
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
