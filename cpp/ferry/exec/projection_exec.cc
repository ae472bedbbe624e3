#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

class ProjectionExec final : public ExecutionPlan {
 public:
  ProjectionExec(ExecPtr input, std::vector<PhysicalExprPtr> exprs,
                 std::shared_ptr<arrow::Schema> schema)
      : input_(std::move(input)), exprs_(std::move(exprs)), schema_(std::move(schema)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return input_->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeProjectionExec(std::move(children[0]), exprs_, schema_);
  }
  std::string Describe() const override {
    std::string out = "ProjectionExec: ";
    for (size_t i = 0; i < exprs_.size(); ++i) {
      out += (i ? ", " : "") + exprs_[i]->ToString() + " as " + schema_->field(i)->name();
    }
    return out;
  }

  Partitioning output_partitioning() const override { return PartitioningThrough(*input_, exprs_); }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(ProjectionInfo{exprs_, schema_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    FERRY_ASSIGN_OR_RAISE(auto input, input_->Execute(partition));
    return MakeMapStream(std::move(input), [this](const BatchPtr& batch) -> Result<BatchPtr> {
      arrow::ArrayVector columns;
      columns.reserve(exprs_.size());
      for (const auto& expr : exprs_) {
        FERRY_ASSIGN_OR_RAISE(auto column, EvaluateToArray(*expr, *batch));
        columns.push_back(std::move(column));
      }
      return arrow::RecordBatch::Make(schema_, batch->num_rows(), std::move(columns));
    });
  }

 private:
  ExecPtr input_;
  std::vector<PhysicalExprPtr> exprs_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

Partitioning PartitioningThrough(const ExecutionPlan& input, const std::vector<PhysicalExprPtr>& exprs) {
  std::vector<int> to_output(input.schema()->num_fields(), -1);
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (auto column = ColumnIndexOf(*exprs[i]); column && to_output[*column] < 0) {
      to_output[*column] = static_cast<int>(i);
    }
  }
  return RemapPartitioning(input.output_partitioning(), to_output);
}

ExecPtr MakeProjectionExec(ExecPtr input, std::vector<PhysicalExprPtr> exprs,
                           std::shared_ptr<arrow::Schema> schema) {
  return std::make_shared<ProjectionExec>(std::move(input), std::move(exprs), std::move(schema));
}

}  // namespace ferry
