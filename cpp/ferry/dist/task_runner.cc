// Running one task of a stage: its inputs come from other tasks' output
// buffers, its rows go to one output buffer, sliced for the next stage.

#include "ferry/dist/task_runner.h"

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/hash_split.h"
#include "ferry/exec/stage_input.h"

namespace ferry {
namespace {

// Streams the batches of several task-output streams one after another.
class ChainStream final : public RecordBatchStream {
 public:
  explicit ChainStream(std::vector<std::function<Result<StreamPtr>()>> parts)
      : parts_(std::move(parts)) {}
  Result<BatchPtr> Next() override {
    while (true) {
      if (current_ == nullptr) {
        if (next_ >= parts_.size()) return nullptr;
        FERRY_ASSIGN_OR_RAISE(current_, parts_[next_++]());
      }
      FERRY_ASSIGN_OR_RAISE(auto batch, current_->Next());
      if (batch != nullptr) return batch;
      current_.reset();
    }
  }

 private:
  std::vector<std::function<Result<StreamPtr>()>> parts_;
  size_t next_ = 0;
  StreamPtr current_;
};

class BufferStageInputSource final : public StageInputSource {
 public:
  explicit BufferStageInputSource(std::map<int, std::vector<std::shared_ptr<const TaskOutputReader>>> readers)
      : readers_(std::move(readers)) {}

  Result<StreamPtr> Open(const StageInputSpec& spec, int partition) const override {
    const auto& tasks = readers_.at(spec.stage_id);
    std::vector<std::function<Result<StreamPtr>()>> parts;
    switch (spec.mode) {
      case StageInputMode::kSlice:
        for (const auto& task : tasks) {
          if (partition >= task->num_slices()) {
            return Status::Invalid("an output of stage ", spec.stage_id, " has ",
                                   task->num_slices(), " slices, partition ", partition,
                                   " needs more");
          }
          parts.push_back([task, partition] { return task->OpenSlice(partition); });
        }
        break;
      case StageInputMode::kWholeTask:
        if (partition >= static_cast<int>(tasks.size())) {
          return Status::Invalid("stage ", spec.stage_id, " has ", tasks.size(),
                                 " task outputs, partition ", partition, " needs more");
        }
        parts.push_back([task = tasks[partition]] { return task->OpenAll(); });
        break;
      case StageInputMode::kAll:
        for (const auto& task : tasks) parts.push_back([task] { return task->OpenAll(); });
        break;
    }
    return std::make_unique<ChainStream>(std::move(parts));
  }

 private:
  std::map<int, std::vector<std::shared_ptr<const TaskOutputReader>>> readers_;
};

Result<ExecPtr> Rebind(const ExecPtr& node, const std::shared_ptr<const StageInputSource>& source) {
  if (const auto* spec = AsStageInput(*node)) return MakeStageInputExec(*spec, source);
  std::vector<ExecPtr> children;
  for (const auto& child : node->children()) {
    FERRY_ASSIGN_OR_RAISE(auto bound, Rebind(child, source));
    children.push_back(std::move(bound));
  }
  return ReplaceChildren(node, std::move(children));
}

void CollectSpecs(const ExecutionPlan& node, std::vector<const StageInputSpec*>* specs) {
  if (const auto* spec = AsStageInput(node)) specs->push_back(spec);
  for (const auto& child : node.children()) CollectSpecs(*child, specs);
}

}  // namespace

Result<ExecPtr> BindStageInputs(const ExecPtr& fragment, const StageOutputs& inputs) {
  std::vector<const StageInputSpec*> specs;
  CollectSpecs(*fragment, &specs);
  std::map<int, std::vector<std::shared_ptr<const TaskOutputReader>>> readers;
  for (const auto* spec : specs) {
    if (readers.count(spec->stage_id)) continue;
    auto found = inputs.find(spec->stage_id);
    if (found == inputs.end()) {
      return Status::Invalid("the task reads stage ", spec->stage_id, " but was given no outputs of it");
    }
    auto& tasks = readers[spec->stage_id];
    for (const auto& buffer : found->second) {
      if (buffer == nullptr) return Status::Invalid("a null output of stage ", spec->stage_id);
      FERRY_ASSIGN_OR_RAISE(auto reader, TaskOutputReader::Open(buffer));
      if (!reader->schema()->Equals(*spec->schema)) {
        return Status::Invalid("an output of stage ", spec->stage_id, " has schema ",
                               reader->schema()->ToString(), ", the plan expects ",
                               spec->schema->ToString());
      }
      tasks.push_back(std::move(reader));
    }
  }
  return Rebind(fragment, std::make_shared<BufferStageInputSource>(std::move(readers)));
}

Result<TaskResult> RunTask(const ExecPtr& bound_fragment, int task_index) {
  const auto* exchange = AsExchange(*bound_fragment);
  const ExecPtr& plan = exchange != nullptr ? exchange->input : bound_fragment;
  if (task_index < 0 || task_index >= plan->num_partitions()) {
    return Status::IndexError("task ", task_index, " of a stage with ", plan->num_partitions(),
                              " tasks");
  }
  const bool hashed = exchange != nullptr && exchange->kind == ExchangeKind::kHash;
  const bool dealt = exchange != nullptr && exchange->kind == ExchangeKind::kRoundRobin;
  const int n = hashed || dealt ? exchange->num_outputs : 1;
  std::vector<BatchVector> slices(n);
  FERRY_ASSIGN_OR_RAISE(auto stream, plan->Execute(task_index));
  int64_t dealt_batches = 0;
  while (true) {
    FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
    if (batch == nullptr) break;
    if (batch->num_rows() == 0) continue;
    if (hashed) {
      FERRY_ASSIGN_OR_RAISE(auto parts, SplitByHash(batch, exchange->keys, n));
      for (int p = 0; p < n; ++p) {
        if (parts[p] != nullptr) slices[p].push_back(std::move(parts[p]));
      }
    } else if (dealt) {
      // Each task starts at its own slice so small stages still spread.
      slices[(task_index + dealt_batches++) % n].push_back(std::move(batch));
    } else {
      slices[0].push_back(std::move(batch));
    }
  }
  TaskResult result;
  FERRY_ASSIGN_OR_RAISE(result.output, WriteTaskOutput(plan->schema(), slices, &result.stats));
  return result;
}

}  // namespace ferry
