#pragma once

#include <map>
#include <memory>
#include <vector>

#include <arrow/buffer.h>

#include "ferry/common/status.h"
#include "ferry/dist/task_output.h"
#include "ferry/exec/execution_plan.h"

namespace ferry {

/// The outputs a task reads: for each stage it reads, the output of every
/// task of that stage, in task order.
using StageOutputs = std::map<int, std::vector<std::shared_ptr<arrow::Buffer>>>;

/// `fragment` with every StageInputExec leaf reading from `inputs`.
/// Invalid when a stage it reads is missing or an output's schema differs
/// from the one the plan expects.
Result<ExecPtr> BindStageInputs(const ExecPtr& fragment, const StageOutputs& inputs);

struct TaskResult {
  std::shared_ptr<arrow::Buffer> output;
  TaskOutputStats stats;
};

/// Runs task `task_index` of a stage with this (bound) fragment, in the
/// calling thread, and writes its output (task_output.h): its slices are
/// the partitions of the exchange the fragment ends in, else one slice.
Result<TaskResult> RunTask(const ExecPtr& bound_fragment, int task_index);

}  // namespace ferry
