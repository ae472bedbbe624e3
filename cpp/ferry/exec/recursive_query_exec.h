#pragma once

// WITH RECURSIVE, run to a fixpoint: the anchor's rows, then the recursive
// term over the rows the previous iteration added, until an iteration adds
// none. A SQL-only operator, reached through a table a plan scans (so the
// optimizer and the planner treat it as an opaque leaf).

#include <cstdint>
#include <memory>
#include <string>

#include "ferry/plan/logical_plan.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// What the recursive term of `name` reads: the rows the previous iteration
/// added (`all_rows` false), or every row so far (true: how UNION keeps
/// only rows not seen before). Only RecursiveQueryTable scans it, each
/// iteration substituting the rows; any other scan is an error.
class WorkTable final : public TableProvider {
 public:
  WorkTable(std::string name, std::shared_ptr<arrow::Schema> schema, bool all_rows)
      : name_(std::move(name)), schema_(std::move(schema)), all_rows_(all_rows) {}
  const std::string& name() const { return name_; }
  bool all_rows() const { return all_rows_; }
  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  std::string Describe() const override;
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>& projection,
                                              int target_partitions) const override;

 private:
  std::string name_;
  std::shared_ptr<arrow::Schema> schema_;
  bool all_rows_;
};

/// Bounds on a recursive query, so that one that never reaches a fixpoint
/// fails with an error instead of running forever or filling memory.
struct RecursiveQueryLimits {
  int64_t max_iterations = 10000;
  int64_t max_rows = 10'000'000;
};

/// The rows of a recursive CTE: `anchor`'s, then `recursive`'s (which scans
/// WorkTables named `name`) over each iteration's new rows, until none
/// come. `distinct` (UNION) keeps only rows not produced before: the caller
/// builds `recursive` to do that from the all-rows WorkTable, and `anchor`
/// distinct. Both plans have this table's column types.
class RecursiveQueryTable final : public TableProvider,
                                  public std::enable_shared_from_this<RecursiveQueryTable> {
 public:
  static Result<std::shared_ptr<const RecursiveQueryTable>> Make(std::string name, PlanPtr anchor,
                                                                 PlanPtr recursive, bool distinct,
                                                                 RecursiveQueryLimits limits = {});

  const std::string& name() const { return name_; }
  const PlanPtr& anchor() const { return anchor_; }
  const PlanPtr& recursive() const { return recursive_; }
  bool distinct() const { return distinct_; }
  const RecursiveQueryLimits& limits() const { return limits_; }

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  /// Names the query, UNION or UNION ALL and the limits, then both plans.
  std::string Describe() const override;
  Result<std::shared_ptr<ExecutionPlan>> Scan(const std::optional<std::vector<int>>& projection,
                                              int target_partitions) const override;

  RecursiveQueryTable(std::string name, PlanPtr anchor, PlanPtr recursive, bool distinct,
                      RecursiveQueryLimits limits, std::shared_ptr<arrow::Schema> schema)
      : name_(std::move(name)),
        anchor_(std::move(anchor)),
        recursive_(std::move(recursive)),
        distinct_(distinct),
        limits_(limits),
        schema_(std::move(schema)) {}

 private:
  std::string name_;
  PlanPtr anchor_;
  PlanPtr recursive_;
  bool distinct_;
  RecursiveQueryLimits limits_;
  std::shared_ptr<arrow::Schema> schema_;
};

/// `schema` with every field nullable (a recursive query's rows: the
/// recursive term may produce NULLs where the anchor has none).
std::shared_ptr<arrow::Schema> NullableSchema(const arrow::Schema& schema);

}  // namespace ferry
