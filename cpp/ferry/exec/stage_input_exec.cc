// The leaf of a stage that reads another stage's output. The operator only
// describes the input; a task binds the source that holds the bytes.

#include "ferry/exec/stage_input.h"

namespace ferry {
namespace {

const char* ModeName(StageInputMode mode) {
  switch (mode) {
    case StageInputMode::kSlice:
      return "slice";
    case StageInputMode::kWholeTask:
      return "whole_task";
    case StageInputMode::kAll:
      return "all";
  }
  return "?";
}

class StageInputExec final : public ExecutionPlan {
 public:
  StageInputExec(StageInputSpec spec, std::shared_ptr<const StageInputSource> source)
      : spec_(std::move(spec)), source_(std::move(source)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return spec_.schema; }
  int num_partitions() const override { return spec_.num_partitions; }
  std::vector<ExecPtr> children() const override { return {}; }
  std::string Describe() const override {
    return "StageInputExec: stage=" + std::to_string(spec_.stage_id) + ", mode=" +
           ModeName(spec_.mode) + ", partitions=" + std::to_string(spec_.num_partitions);
  }
  Partitioning output_partitioning() const override { return spec_.partitioning; }
  const StageInputSpec& spec() const { return spec_; }

  Result<StreamPtr> Execute(int partition) const override {
    if (partition < 0 || partition >= spec_.num_partitions) {
      return Status::IndexError("stage input partition ", partition, " out of range");
    }
    if (source_ == nullptr) {
      return Status::Invalid("input of stage ", spec_.stage_id,
                             " is not bound: a stage runs only as a task of a job");
    }
    return source_->Open(spec_, partition);
  }

 private:
  StageInputSpec spec_;
  std::shared_ptr<const StageInputSource> source_;
};

}  // namespace

ExecPtr MakeStageInputExec(StageInputSpec spec, std::shared_ptr<const StageInputSource> source) {
  return std::make_shared<StageInputExec>(std::move(spec), std::move(source));
}

const StageInputSpec* AsStageInput(const ExecutionPlan& plan) {
  auto* input = dynamic_cast<const StageInputExec*>(&plan);
  return input == nullptr ? nullptr : &input->spec();
}

}  // namespace ferry
