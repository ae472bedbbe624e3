#pragma once

#include <memory>

#include <arrow/type.h>

#include "ferry/exec/execution_plan.h"

namespace ferry {

/// How a stage reads the outputs of the stage below it. Every task of the
/// producing stage writes one output holding `slices` slices in order; the
/// consuming stage sees them as its input partitions:
enum class StageInputMode {
  /// Partition r is slice r of every producer task, in task order (the
  /// producer hash- or round-robin-partitioned its rows).
  kSlice,
  /// Partition i is the whole output of producer task i (the consumer
  /// reads across partitions itself: a merge, a limit, a window).
  kWholeTask,
  /// Every partition is every producer task's whole output, in task order
  /// (a gather when there is one partition, a broadcast otherwise).
  kAll,
};

/// A stage's leaf that stands for an exchange cut out of the plan: what a
/// physical plan fragment says about its input from another stage.
struct StageInputSpec {
  int stage_id = 0;
  StageInputMode mode = StageInputMode::kSlice;
  int num_partitions = 1;
  std::shared_ptr<arrow::Schema> schema;
  /// The hash partitioning the rows have (carried over from the exchange
  /// that was cut, so operators above need no new exchange).
  Partitioning partitioning;
};

/// Where a running task finds its stage inputs: opens partition
/// `partition` of the input `spec` describes.
class StageInputSource {
 public:
  virtual ~StageInputSource() = default;
  virtual Result<StreamPtr> Open(const StageInputSpec& spec, int partition) const = 0;
};

/// The leaf operator for a stage input. With no source it can still be
/// described, encoded and planned, but executing it is an error.
ExecPtr MakeStageInputExec(StageInputSpec spec, std::shared_ptr<const StageInputSource> source);

/// The spec of `plan` when it is a stage input, else nullptr.
const StageInputSpec* AsStageInput(const ExecutionPlan& plan);

}  // namespace ferry
