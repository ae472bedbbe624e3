// Cutting a physical plan into stages. Exchanges are where rows change
// partitions, so they are where a distributed plan must move data between
// tasks: each exchange becomes the root of the stage below it and a
// StageInputExec in the stage above. Operators that read across their
// input's partitions without an exchange (a sort-merge, a limit, a window)
// get a cut too, with each producer task's output read whole. A stage
// below an exchange runs one task per range of its scans (scan_ranges.h).

#include "ferry/dist/stage_planner.h"

#include <sstream>

#include "ferry/dist/scan_ranges.h"
#include "ferry/exec/exchange_info.h"
#include "ferry/exec/stage_input.h"

namespace ferry {
namespace {

void CollectInputs(const ExecutionPlan& plan, std::vector<int>* inputs) {
  if (const auto* spec = AsStageInput(plan)) {
    inputs->push_back(spec->stage_id);
    return;
  }
  for (const auto& child : plan.children()) CollectInputs(*child, inputs);
}

class Cutter {
 public:
  std::vector<Stage> stages;

  Result<ExecPtr> Visit(const ExecPtr& node) {
    if (const auto* exchange = AsExchange(*node)) return CutExchange(node, *exchange);
    std::vector<ExecPtr> children;
    for (const auto& child : node->children()) {
      FERRY_ASSIGN_OR_RAISE(auto cut, Visit(child));
      // A union's partition p is one partition of one input, read as it
      // is; any other change of partition count reads across partitions.
      if (!node->concatenates_inputs() && child->num_partitions() != node->num_partitions()) {
        const int tasks = cut->num_partitions();
        StageInputSpec spec{AddStage(cut, tasks, 1), StageInputMode::kWholeTask, tasks,
                            cut->schema(), cut->output_partitioning()};
        cut = MakeStageInputExec(std::move(spec), nullptr);
      }
      children.push_back(std::move(cut));
    }
    return ReplaceChildren(node, std::move(children));
  }

 private:
  Result<ExecPtr> CutExchange(const ExecPtr& node, const ExchangeInfo& exchange) {
    FERRY_ASSIGN_OR_RAISE(auto cut, Visit(exchange.input));
    // Its consumers read slices or everything, never task by task: the
    // stage may run as many tasks as its scans have ranges.
    FERRY_ASSIGN_OR_RAISE(auto input, SplitScansIntoRanges(cut));
    FERRY_ASSIGN_OR_RAISE(auto fragment, ReplaceChildren(node, {input}));
    const bool slices = exchange.kind == ExchangeKind::kHash ||
                        exchange.kind == ExchangeKind::kRoundRobin;
    const int id = AddStage(fragment, input->num_partitions(), slices ? exchange.num_outputs : 1);
    StageInputSpec spec{id, slices ? StageInputMode::kSlice : StageInputMode::kAll,
                        node->num_partitions(), node->schema(), node->output_partitioning()};
    return MakeStageInputExec(std::move(spec), nullptr);
  }

  int AddStage(ExecPtr fragment, int num_tasks, int output_slices) {
    Stage stage;
    stage.id = static_cast<int>(stages.size());
    CollectInputs(*TaskPlanOf(Stage{0, fragment, {}, 0, 1}), &stage.inputs);
    stage.fragment = std::move(fragment);
    stage.num_tasks = num_tasks;
    stage.output_slices = output_slices;
    stages.push_back(std::move(stage));
    return stages.back().id;
  }
};

}  // namespace

const ExecPtr& TaskPlanOf(const Stage& stage) {
  if (const auto* exchange = AsExchange(*stage.fragment)) return exchange->input;
  return stage.fragment;
}

Result<StagePlan> CutIntoStages(const ExecPtr& plan) {
  Cutter cutter;
  FERRY_ASSIGN_OR_RAISE(auto root, cutter.Visit(plan));
  const auto* spec = AsStageInput(*root);
  // A root that only gathers another stage's tasks adds nothing: that
  // stage's task outputs, in task order, are the gathered rows.
  const bool bare_gather = spec != nullptr && spec->mode == StageInputMode::kAll &&
                           spec->num_partitions == 1;
  if (!bare_gather) {
    Stage stage;
    stage.id = static_cast<int>(cutter.stages.size());
    CollectInputs(*root, &stage.inputs);
    stage.num_tasks = root->num_partitions();
    stage.fragment = std::move(root);
    cutter.stages.push_back(std::move(stage));
  }
  return StagePlan{std::move(cutter.stages)};
}

std::string ExplainStages(const StagePlan& plan) {
  std::ostringstream out;
  for (auto it = plan.stages.rbegin(); it != plan.stages.rend(); ++it) {
    out << "Stage " << it->id << (&*it == &plan.root() ? " (root)" : "") << ": " << it->num_tasks
        << (it->num_tasks == 1 ? " task" : " tasks");
    if (it->output_slices > 1) out << " x " << it->output_slices << " slices";
    if (!it->inputs.empty()) {
      out << ", reads stage" << (it->inputs.size() > 1 ? "s " : " ");
      for (size_t i = 0; i < it->inputs.size(); ++i) out << (i ? ", " : "") << it->inputs[i];
    }
    out << "\n";
    std::istringstream fragment(ExplainPhysical(*it->fragment));
    for (std::string line; std::getline(fragment, line);) out << "  " << line << "\n";
  }
  return out.str();
}

}  // namespace ferry
