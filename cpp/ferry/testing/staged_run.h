#pragma once

// Running a distributed plan's stages in one thread, for tests of stages,
// their fragments and jobs (test code only).

#include <map>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/dist/stage_planner.h"
#include "ferry/dist/task_output.h"
#include "ferry/dist/task_runner.h"

namespace ferry::testing {

/// Runs every task of every stage in stage order, each bound to the outputs
/// of the stages it reads; the root's rows, its task outputs in task order.
inline Result<BatchVector> RunStaged(const StagePlan& plan) {
  std::map<int, std::vector<std::shared_ptr<arrow::Buffer>>> outputs;
  for (const auto& stage : plan.stages) {
    StageOutputs inputs;
    for (int input : stage.inputs) inputs[input] = outputs.at(input);
    FERRY_ASSIGN_OR_RAISE(auto bound, BindStageInputs(stage.fragment, inputs));
    for (int task = 0; task < stage.num_tasks; ++task) {
      FERRY_ASSIGN_OR_RAISE(auto result, RunTask(bound, task));
      EXPECT_EQ(static_cast<int>(result.stats.slice_rows.size()), stage.output_slices);
      outputs[stage.id].push_back(result.output);
    }
  }
  BatchVector rows;
  for (const auto& buffer : outputs.at(plan.root().id)) {
    FERRY_ASSIGN_OR_RAISE(auto reader, TaskOutputReader::Open(buffer));
    FERRY_ASSIGN_OR_RAISE(auto stream, reader->OpenAll());
    while (true) {
      FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
      if (batch == nullptr) break;
      rows.push_back(std::move(batch));
    }
  }
  return rows;
}

}  // namespace ferry::testing
