#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/type.h>

#include "ferry/common/status.h"

namespace ferry {

class ExecutionPlan;

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
  /// A scan yielding only `projection`'s columns (all when absent), split
  /// into up to `target_partitions` partitions.
  virtual Result<std::shared_ptr<ExecutionPlan>> Scan(
      const std::optional<std::vector<int>>& projection, int target_partitions) const = 0;
};

}  // namespace ferry
