#pragma once

#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"

namespace ferry {

/// One stage of a distributed plan: a fragment of the physical plan that
/// runs as `num_tasks` independent tasks, reading the outputs of the stages
/// in `inputs` through StageInputExec leaves.
///
/// When the fragment's root is a hash or round-robin exchange, task i runs
/// partition i of the exchange's input and writes `output_slices` slices,
/// one per partition of the exchange; when it is another exchange (gather,
/// broadcast), task i runs input partition i and writes one slice; else
/// task i runs partition i of the root and writes one slice.
struct Stage {
  int id = 0;
  ExecPtr fragment;
  std::vector<int> inputs;
  int num_tasks = 0;
  int output_slices = 1;
};

/// Stages in an order where every stage comes after those it reads; the
/// root, whose outputs are the query's result, is last.
struct StagePlan {
  std::vector<Stage> stages;
  const Stage& root() const { return stages.back(); }
};

/// What a task of `stage` executes (the root, or its exchange's input).
const ExecPtr& TaskPlanOf(const Stage& stage);

/// Cuts `plan` at every exchange, and below every operator that reads
/// across its input's partitions (a merge, a limit, a window), into stages.
/// The root stage has a task per partition of `plan` (or per partition
/// gathered, when the plan ends in a gather): its task outputs in task
/// order are the plan's rows in partition order; a sink writes one file
/// per root task.
Result<StagePlan> CutIntoStages(const ExecPtr& plan);

/// The stage tree, root first, each stage with its tasks, inputs and
/// fragment, e.g. for DataFrame.explain(distributed=True).
std::string ExplainStages(const StagePlan& plan);

}  // namespace ferry
