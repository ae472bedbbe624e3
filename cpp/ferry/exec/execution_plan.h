#pragma once

#include <functional>
#include <memory>
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

/// A stream over batches already in memory.
StreamPtr MakeVectorStream(BatchVector batches);
/// A stream that applies `map` to each batch of `input`; a null result
/// drops the batch (filters use this to skip empty batches).
StreamPtr MakeMapStream(StreamPtr input, std::function<Result<BatchPtr>(const BatchPtr&)> map);

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
};
using ExecPtr = std::shared_ptr<const ExecutionPlan>;

/// The indented operator tree.
std::string ExplainPhysical(const ExecutionPlan& plan);

/// Drains every partition, running up to `max_threads` partitions at once
/// (0: one per core); results in partition order. The first error stops
/// the others and is returned.
Result<std::vector<BatchVector>> CollectPartitions(const ExecutionPlan& plan, int max_threads = 0);
/// All batches of all partitions, in partition order.
Result<BatchVector> Collect(const ExecutionPlan& plan, int max_threads = 0);

}  // namespace ferry
