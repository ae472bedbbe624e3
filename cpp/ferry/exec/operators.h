#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "ferry/exec/execution_plan.h"
#include "ferry/function/aggregate_function.h"
#include "ferry/function/physical_expr.h"
#include "ferry/function/window_function.h"
#include "ferry/plan/logical_plan.h"

namespace ferry {

/// Factories for the physical operators, one operator per .cc file.

/// The partitioning of rows computed from `input`'s by `exprs` (output i is
/// exprs[i]): input key columns that an expression reads as it is carry
/// over; nullopt if one does not.
Partitioning PartitioningThrough(const ExecutionPlan& input, const std::vector<PhysicalExprPtr>& exprs);

ExecPtr MakeProjectionExec(ExecPtr input, std::vector<PhysicalExprPtr> exprs,
                           std::shared_ptr<arrow::Schema> schema);
/// Keeps rows where `predicate` holds; with `keep`, outputs only those
/// columns, so columns the predicate needs but nothing above reads are
/// never filtered.
ExecPtr MakeFilterExec(ExecPtr input, PhysicalExprPtr predicate,
                       std::optional<std::vector<int>> keep = std::nullopt);

/// One aggregate of a hash aggregation, bound to the aggregation's input.
struct AggregateSpec {
  std::shared_ptr<const AggregateFunction> func;
  std::vector<PhysicalExprPtr> args;
  TypeVector arg_types;
  bool distinct = false;
  std::string name;
  arrow::FieldVector state_fields;
  std::shared_ptr<arrow::DataType> return_type;
};

/// Two-phase hash aggregation. The partial phase runs per partition of its
/// input and emits [group keys..., accumulator states...]; the final phase
/// merges states per group within each of its input's partitions (which
/// the planner hash-partitions on the group keys, or gathers into one) and
/// emits [group keys..., results...].
Result<ExecPtr> MakePartialAggregateExec(ExecPtr input, std::vector<PhysicalExprPtr> group_by,
                                         std::vector<std::string> group_names,
                                         std::vector<AggregateSpec> aggregates);
/// `expected_groups`, when known, is an estimate of the groups per
/// partition of the final phase (it sizes the hash table).
Result<ExecPtr> MakeFinalAggregateExec(ExecPtr partial, size_t num_group_keys,
                                       std::vector<AggregateSpec> aggregates,
                                       std::shared_ptr<arrow::Schema> schema,
                                       int64_t expected_groups = 0);

struct SortKeySpec {
  PhysicalExprPtr expr;
  bool ascending;
  bool nulls_first;
};
/// Sorts all partitions into one; keeps only the first `fetch` rows if set.
/// `per_partition` sorts each partition on its own instead (the parallel
/// first step of a top-k: every partition keeps its own first `fetch`).
ExecPtr MakeSortExec(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch,
                     bool per_partition = false);
/// Merges partitions each sorted by `keys` into one sorted partition
/// (ties keep partition order); keeps the first `fetch` rows if set.
ExecPtr MakeSortMergeExec(ExecPtr input, std::vector<SortKeySpec> keys, std::optional<int64_t> fetch);
/// Whether MakeSortMergeExec can compare these keys' types.
bool CanMergeSortKeys(const std::vector<SortKeySpec>& keys);
/// Skips then fetches rows across the input's partitions in order, one
/// output partition, pulling no more input than it needs.
ExecPtr MakeLimitExec(ExecPtr input, int64_t skip, std::optional<int64_t> fetch);
/// How a hash join's partitions relate: kPartitioned joins partition i of
/// both inputs, hash-partitioned alike on the keys; kCollectBuild reads
/// a build side that holds every build row in each partition (broadcast).
enum class HashJoinMode { kPartitioned, kCollectBuild };
/// A join filter bound for execution: `predicate` over `schema`, whose
/// columns are taken from the inputs as `columns` says (true: left input).
struct JoinFilter {
  PhysicalExprPtr predicate;
  std::shared_ptr<arrow::Schema> schema;
  std::vector<std::pair<bool, int>> columns;
};
/// Equi-join: each partition indexes its build side and streams its probe
/// side through it. Both inputs have the same number of partitions.
/// `build_left` picks the side that is indexed (the smaller one).
Result<ExecPtr> MakeHashJoinExec(ExecPtr left, ExecPtr right, const JoinNode& join,
                                 HashJoinMode mode, bool build_left,
                                 std::shared_ptr<arrow::Schema> schema,
                                 std::shared_ptr<const JoinFilter> filter = nullptr);
/// Whether the join emits build rows after the probe side ends (unmatched
/// rows of a preserved build side, build-side semi/anti): such a build
/// side cannot be broadcast.
bool BuildSideEmitsAtEnd(JoinType type, bool build_left);

/// Exchanges. In one process each is a set of producer threads (one per
/// input partition) feeding bounded queues, one per output partition.
/// Rows go to partition hash(keys) mod `num_outputs`; equal keys (SQL
/// equality, NULLs together) meet in one partition.
ExecPtr MakeHashRepartitionExec(ExecPtr input, std::vector<PhysicalExprPtr> keys, int num_outputs);
/// Batches dealt round-robin over `num_outputs` partitions.
ExecPtr MakeRoundRobinRepartitionExec(ExecPtr input, int num_outputs);
/// All partitions into one, streaming (returns `input` if it has one).
ExecPtr MakeCoalescePartitionsExec(ExecPtr input);
/// All partitions into one, partition 0's rows first, then 1's, ...
ExecPtr MakeOrderedCoalesceExec(ExecPtr input);
/// Every output partition reads all of `input`, gathered once.
ExecPtr MakeBroadcastExec(ExecPtr input, int num_outputs);
/// A subplan computed once for several readers (plan/shared_subplans.h).
class SharedSubplan;
/// The shared computation of `input`; add its readers before executing any.
std::shared_ptr<SharedSubplan> MakeSharedSubplan(ExecPtr input);
/// A new reader of `shared`: its partition p is input partition p, which
/// the first reader to ask computes (draining it into memory) and the
/// others replay; the last reader of a partition releases it.
ExecPtr MakeSharedSubplanExec(const std::shared_ptr<SharedSubplan>& shared);
const ExecPtr& SharedSubplanInput(const SharedSubplan& shared);

/// One window expression bound to the window operator's input.
struct WindowExprSpec {
  std::string name;
  /// Exactly one of the two is set.
  std::shared_ptr<const WindowFunction> window_func;
  std::shared_ptr<const AggregateFunction> aggregate_func;
  std::vector<Expr> arg_exprs;
  std::vector<PhysicalExprPtr> args;
  TypeVector arg_types;
  std::vector<PhysicalExprPtr> partition_by;
  std::vector<SortKeySpec> order_by;
  WindowFrame frame;
  std::shared_ptr<arrow::DataType> type;
};
/// Appends one column per window expression to the input's rows, keeping
/// their order. Gathers every input partition into one unless
/// `per_partition`: then each input partition is computed on its own, which
/// is right only when no window partition spans two input partitions (the
/// input hash-partitioned on PARTITION BY keys; window_planner.h).
ExecPtr MakeWindowExec(ExecPtr input, std::vector<WindowExprSpec> specs,
                       std::shared_ptr<arrow::Schema> schema, bool per_partition = false);

/// Concatenates the inputs' partitions.
ExecPtr MakeUnionExec(std::vector<ExecPtr> inputs, std::shared_ptr<arrow::Schema> schema);
/// Batches held in memory, `partitions` of them, projected to `projection`.
Result<ExecPtr> MakeMemoryScanExec(std::shared_ptr<arrow::Schema> schema,
                                   std::vector<BatchVector> partitions,
                                   std::optional<std::vector<int>> projection);

}  // namespace ferry
