#include "ferry/exec/execution_plan.h"

#include "ferry/exec/cancellation.h"
#include "ferry/exec/parallel.h"


namespace ferry {
namespace {

class VectorStream final : public RecordBatchStream {
 public:
  explicit VectorStream(BatchVector batches) : batches_(std::move(batches)) {}
  Result<BatchPtr> Next() override {
    FERRY_RETURN_NOT_OK(CheckStopRequested());
    if (next_ >= batches_.size()) return nullptr;
    return std::move(batches_[next_++]);
  }

 private:
  BatchVector batches_;
  size_t next_ = 0;
};

class MapStream final : public RecordBatchStream {
 public:
  MapStream(StreamPtr input, std::function<Result<BatchPtr>(const BatchPtr&)> map)
      : input_(std::move(input)), map_(std::move(map)) {}
  Result<BatchPtr> Next() override {
    while (true) {
      FERRY_RETURN_NOT_OK(CheckStopRequested());
      FERRY_ASSIGN_OR_RAISE(auto batch, input_->Next());
      if (batch == nullptr) return nullptr;
      FERRY_ASSIGN_OR_RAISE(auto mapped, map_(batch));
      if (mapped != nullptr) return mapped;
    }
  }

 private:
  StreamPtr input_;
  std::function<Result<BatchPtr>(const BatchPtr&)> map_;
};

void AppendTree(const ExecutionPlan& plan, int depth, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(plan.Describe());
  out->push_back('\n');
  for (const auto& child : plan.children()) AppendTree(*child, depth + 1, out);
}

}  // namespace

Partitioning RemapPartitioning(const Partitioning& partitioning,
                               const std::vector<int>& input_to_output) {
  if (!partitioning) return std::nullopt;
  HashPartitioning out{{}, partitioning->num_partitions};
  for (int column : partitioning->columns) {
    if (column < 0 || column >= static_cast<int>(input_to_output.size())) return std::nullopt;
    if (input_to_output[column] < 0) return std::nullopt;
    out.columns.push_back(input_to_output[column]);
  }
  return out;
}

StreamPtr MakeVectorStream(BatchVector batches) {
  return std::make_unique<VectorStream>(std::move(batches));
}

StreamPtr MakeMapStream(StreamPtr input, std::function<Result<BatchPtr>(const BatchPtr&)> map) {
  return std::make_unique<MapStream>(std::move(input), std::move(map));
}

Result<ExecPtr> ExecutionPlan::WithNewChildren(std::vector<ExecPtr> children) const {
  return Status::NotImplemented("operator cannot take new inputs: ", Describe());
}

Result<ExecPtr> ReplaceChildren(const ExecPtr& plan, std::vector<ExecPtr> children) {
  if (children == plan->children()) return plan;
  return plan->WithNewChildren(std::move(children));
}

Status CheckChildCount(const ExecutionPlan& plan, const std::vector<ExecPtr>& children,
                       size_t expected) {
  const auto current = plan.children();
  if (children.size() != expected || current.size() != expected) {
    return Status::Invalid(plan.Describe(), " takes ", expected, " inputs, got ", children.size());
  }
  for (size_t i = 0; i < expected; ++i) {
    if (children[i] == nullptr || !children[i]->schema()->Equals(*current[i]->schema())) {
      return Status::Invalid("input ", i, " of ", plan.Describe(), " has another schema");
    }
  }
  return Status::OK();
}

std::string ExplainPhysical(const ExecutionPlan& plan) {
  std::string out;
  AppendTree(plan, 0, &out);
  return out;
}

Result<std::vector<BatchVector>> CollectPartitions(const ExecutionPlan& plan, int max_threads) {
  std::vector<BatchVector> results(plan.num_partitions());
  FERRY_RETURN_NOT_OK(ParallelFor(plan.num_partitions(), max_threads, [&](int64_t p) -> Status {
    FERRY_ASSIGN_OR_RAISE(auto stream, plan.Execute(static_cast<int>(p)));
    while (true) {
      FERRY_RETURN_NOT_OK(CheckStopRequested());
      FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
      if (batch == nullptr) return Status::OK();
      results[p].push_back(std::move(batch));
    }
  }));
  return results;
}

Result<BatchVector> Collect(const ExecutionPlan& plan, int max_threads) {
  FERRY_ASSIGN_OR_RAISE(auto partitions, CollectPartitions(plan, max_threads));
  BatchVector all;
  for (auto& partition : partitions) {
    for (auto& batch : partition) all.push_back(std::move(batch));
  }
  return all;
}

}  // namespace ferry
