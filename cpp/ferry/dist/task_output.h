#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/ipc/reader.h>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"

namespace ferry {

/// What a task of a distributed plan writes: one Arrow IPC file holding
/// its output slices in slice order (slice r goes to partition r of the
/// consuming stage), with the batch count of each slice in the schema's
/// metadata. One buffer per task keeps the handles a job tracks at
/// O(tasks), not O(tasks x partitions); consumers read only the batches of
/// their slice, zero-copy from the buffer (or a memory-mapped file).
struct TaskOutputStats {
  int64_t rows = 0;
  int64_t bytes = 0;
  std::vector<int64_t> slice_rows;
};

/// Writes `slices` (batches of `schema`), coalescing runs of small batches
/// of a slice so tiny partitions do not cost a message each.
Result<std::shared_ptr<arrow::Buffer>> WriteTaskOutput(const std::shared_ptr<arrow::Schema>& schema,
                                                       const std::vector<BatchVector>& slices,
                                                       TaskOutputStats* stats = nullptr);

class TaskOutputReader;

/// A task output holding slice `slice` of every one of `outputs`, in order,
/// as its slice `slice` (its other slices empty): all that the consumer of
/// that slice reads, so an engine that moves it instead of whole outputs
/// moves 1/N of a shuffle's bytes. The outputs must agree on schema and
/// slice count; the slice's batches are copied once into the new buffer.
Result<std::shared_ptr<arrow::Buffer>> ExtractSlice(
    const std::vector<std::shared_ptr<const TaskOutputReader>>& outputs, int slice);

/// Reads a task output; every batch read is validated, so bytes from
/// anywhere give rows or an error naming the defect.
class TaskOutputReader {
 public:
  static Result<std::shared_ptr<const TaskOutputReader>> Open(std::shared_ptr<arrow::Buffer> buffer);

  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  int num_slices() const { return static_cast<int>(slice_starts_.size()) - 1; }
  /// The batches of slice `slice`, read as the stream is pulled.
  Result<StreamPtr> OpenSlice(int slice) const;
  /// Every slice in order.
  Result<StreamPtr> OpenAll() const;
  /// The batches of slice `slice` (of every slice when none), read now.
  Result<BatchVector> Read(std::optional<int> slice = std::nullopt) const;

 private:
  TaskOutputReader() = default;
  Result<StreamPtr> OpenBatches(int begin, int end) const;

  std::shared_ptr<arrow::ipc::RecordBatchFileReader> file_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<int> slice_starts_;  // slice r is batches [starts[r], starts[r+1])
};

}  // namespace ferry
