#pragma once

#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "ferry/exec/operators.h"
#include "ferry/plan/table_provider.h"

namespace ferry {

/// What an operator was built from: the factory that made it (operators.h,
/// or a table's scan) and the arguments that factory took besides its
/// inputs, which children() lists in the factory's order. Code that must
/// rebuild an operator elsewhere — the physical wire format — calls the
/// same factory with the same arguments. Expressions are the bound ones;
/// SourceOf (physical_expr.h) gives the logical expression each was bound
/// from. Exchanges describe themselves through exchange_info.h and stage
/// inputs through stage_input.h instead.

struct ProjectionInfo {  // MakeProjectionExec
  std::vector<PhysicalExprPtr> exprs;
  std::shared_ptr<arrow::Schema> schema;
};
struct FilterInfo {  // MakeFilterExec
  PhysicalExprPtr predicate;
  std::optional<std::vector<int>> keep;
};
struct PartialAggregateInfo {  // MakePartialAggregateExec
  std::vector<PhysicalExprPtr> group_by;
  std::vector<std::string> group_names;
  std::vector<AggregateSpec> aggregates;
};
struct FinalAggregateInfo {  // MakeFinalAggregateExec
  size_t num_group_keys = 0;
  std::vector<AggregateSpec> aggregates;
  std::shared_ptr<arrow::Schema> schema;
};
struct SortInfo {  // MakeSortExec
  std::vector<SortKeySpec> keys;
  std::optional<int64_t> fetch;
  bool per_partition = false;
};
struct SortMergeInfo {  // MakeSortMergeExec
  std::vector<SortKeySpec> keys;
  std::optional<int64_t> fetch;
};
struct LimitInfo {  // MakeLimitExec
  int64_t skip = 0;
  std::optional<int64_t> fetch;
};
struct HashJoinInfo {  // MakeHashJoinExec
  JoinNode join;
  HashJoinMode mode;
  bool build_left;
  std::shared_ptr<arrow::Schema> schema;
  std::shared_ptr<const JoinFilter> filter;
};
struct WindowInfo {  // MakeWindowExec
  std::vector<WindowExprSpec> specs;
  std::shared_ptr<arrow::Schema> schema;
  bool per_partition = false;
};
struct UnionInfo {  // MakeUnionExec
  std::shared_ptr<arrow::Schema> schema;
};
struct MemoryScanInfo {  // MakeMemoryScanExec
  std::shared_ptr<arrow::Schema> schema;
  std::vector<BatchVector> partitions;
  std::optional<std::vector<int>> projection;
};
/// A scan of a file table (TableProvider::ScanSplits rebuilds it).
struct FileScanInfo {
  TableSource source;
  /// Columns of the file's schema read (all when absent).
  std::optional<std::vector<int>> projection;
  /// Filters handed to the table (TableProvider::WithFilters), over its columns.
  std::vector<Expr> filters;
  /// What each partition reads: for Parquet the row groups of the file,
  /// in order; one empty split for a CSV file, read whole.
  std::vector<std::vector<int>> splits;
};

struct SharedSubplanInfo {  // MakeSharedSubplanExec
  /// Readers of one subplan share this object (the wire format writes the
  /// subplan once per plan, at its first reader).
  std::shared_ptr<SharedSubplan> shared;
};

struct OperatorInfo {
  std::variant<ProjectionInfo, FilterInfo, PartialAggregateInfo, FinalAggregateInfo, SortInfo,
               SortMergeInfo, LimitInfo, HashJoinInfo, WindowInfo, UnionInfo, MemoryScanInfo,
               FileScanInfo, SharedSubplanInfo>
      value;
};

/// Wraps `info` for an operator_info() override.
template <typename Info>
std::shared_ptr<const OperatorInfo> MakeOperatorInfo(Info info) {
  return std::make_shared<const OperatorInfo>(OperatorInfo{std::move(info)});
}

}  // namespace ferry
