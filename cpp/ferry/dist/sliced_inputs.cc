// Which stage inputs a task reads by its own slice only (sliced_inputs.h).

#include "ferry/dist/sliced_inputs.h"

#include "ferry/exec/stage_input.h"

namespace ferry {
namespace {

// `aligned`: partition p of `node` reads partition p of each leaf below it.
// Operators that read across partitions are cut into other stages, so in a
// fragment equal partition counts mean partition-wise operators; a count
// that changes (a union concatenating its inputs' partitions) breaks it.
void Visit(const ExecutionPlan& node, bool aligned, std::set<int>* sliced,
           std::set<int>* whole) {
  if (const auto* spec = AsStageInput(node)) {
    const bool by_slice = aligned && spec->mode == StageInputMode::kSlice;
    (by_slice ? sliced : whole)->insert(spec->stage_id);
    return;
  }
  for (const auto& child : node.children()) {
    Visit(*child, aligned && child->num_partitions() == node.num_partitions(), sliced, whole);
  }
}

}  // namespace

std::set<int> SlicedInputs(const Stage& stage) {
  std::set<int> sliced, whole;
  Visit(*TaskPlanOf(stage), true, &sliced, &whole);
  for (int id : whole) sliced.erase(id);
  return sliced;
}

}  // namespace ferry
