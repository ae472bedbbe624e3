#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "ferry/common/status.h"

namespace ferry {

using BatchPtr = std::shared_ptr<arrow::RecordBatch>;
using BatchVector = std::vector<BatchPtr>;

/// A pull-based stream of RecordBatches for one partition.
class RecordBatchStream {
 public:
  virtual ~RecordBatchStream() = default;
  /// The next batch, or nullptr once the stream is exhausted.
  virtual Result<BatchPtr> Next() = 0;
};
using StreamPtr = std::unique_ptr<RecordBatchStream>;

struct ExchangeInfo;  // exchange_info.h
struct OperatorInfo;  // operator_info.h

/// A stream over batches already in memory.
StreamPtr MakeVectorStream(BatchVector batches);
/// A stream that applies `map` to each batch of `input`; a null result
/// drops the batch (filters use this to skip empty batches).
StreamPtr MakeMapStream(StreamPtr input, std::function<Result<BatchPtr>(const BatchPtr&)> map);

/// How an operator's rows are spread over its partitions: by HashRows of
/// these output columns, so equal values of them meet in one partition
/// (every hash exchange computes the same function, so two inputs
/// partitioned alike on join keys can be joined partition by partition).
struct HashPartitioning {
  std::vector<int> columns;
  int num_partitions = 0;
};
using Partitioning = std::optional<HashPartitioning>;

/// `partitioning` seen through a column mapping (input column i is output
/// column input_to_output[i], -1 if dropped); nullopt when a key column is
/// dropped.
Partitioning RemapPartitioning(const Partitioning& partitioning, const std::vector<int>& input_to_output);

/// A physical operator over N partitions, each executed as an independent
/// stream. Immutable; Execute may be called from several threads at once
/// (once per partition). Never holds or needs the GIL.
class ExecutionPlan {
 public:
  virtual ~ExecutionPlan() = default;
  virtual const std::shared_ptr<arrow::Schema>& schema() const = 0;
  virtual int num_partitions() const = 0;
  virtual std::vector<std::shared_ptr<const ExecutionPlan>> children() const = 0;
  /// One line for explain(), e.g. "FilterExec: k@1 < 500".
  virtual std::string Describe() const = 0;
  virtual Result<StreamPtr> Execute(int partition) const = 0;
  /// How rows are partitioned, when known (lets the planner skip exchanges).
  virtual Partitioning output_partitioning() const { return std::nullopt; }
  /// Whether partition p is one partition of one input, read as it is, the
  /// inputs' partitions laid end to end (a union).
  virtual bool concatenates_inputs() const { return false; }
  /// Set only on exchange operators (exchange_info.h).
  virtual const ExchangeInfo* exchange_info() const { return nullptr; }
  /// What a non-exchange operator was built from (operator_info.h), made on
  /// demand; nullptr for operators that cannot say.
  virtual std::shared_ptr<const OperatorInfo> operator_info() const { return nullptr; }
  /// The same operator over `children` (as many as children(), with the
  /// same schemas): how a distributed plan swaps the inputs it cuts off
  /// for stage inputs. Leaves have nothing to swap (see ReplaceChildren).
  virtual Result<std::shared_ptr<const ExecutionPlan>> WithNewChildren(
      std::vector<std::shared_ptr<const ExecutionPlan>> children) const;
};
using ExecPtr = std::shared_ptr<const ExecutionPlan>;

/// `plan` itself when `children` are its own, else plan.WithNewChildren.
Result<ExecPtr> ReplaceChildren(const ExecPtr& plan, std::vector<ExecPtr> children);
/// Invalid unless `children` holds `expected` plans whose schemas match
/// those of `plan`'s current children.
Status CheckChildCount(const ExecutionPlan& plan, const std::vector<ExecPtr>& children,
                       size_t expected);

/// The indented operator tree.
std::string ExplainPhysical(const ExecutionPlan& plan);

/// Drains every partition, running up to `max_threads` partitions at once
/// (0: one per core); results in partition order. The first error stops
/// the others and is returned.
Result<std::vector<BatchVector>> CollectPartitions(const ExecutionPlan& plan, int max_threads = 0);
/// All batches of all partitions, in partition order.
Result<BatchVector> Collect(const ExecutionPlan& plan, int max_threads = 0);

}  // namespace ferry
