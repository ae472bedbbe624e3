#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

class UnionExec final : public ExecutionPlan {
 public:
  UnionExec(std::vector<ExecPtr> inputs, std::shared_ptr<arrow::Schema> schema)
      : inputs_(std::move(inputs)), schema_(std::move(schema)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override {
    int n = 0;
    for (const auto& input : inputs_) n += input->num_partitions();
    return n;
  }
  std::vector<ExecPtr> children() const override { return inputs_; }
  bool concatenates_inputs() const override { return true; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, inputs_.size()));
    return MakeUnionExec(std::move(children), schema_);
  }
  std::string Describe() const override { return "UnionExec"; }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(UnionInfo{schema_});
  }

  Result<StreamPtr> Execute(int partition) const override {
    for (const auto& input : inputs_) {
      if (partition < input->num_partitions()) {
        FERRY_ASSIGN_OR_RAISE(auto stream, input->Execute(partition));
        // Inputs may differ in field names or nullability: adopt ours.
        return MakeMapStream(std::move(stream), [this](const BatchPtr& batch) -> Result<BatchPtr> {
          return arrow::RecordBatch::Make(schema_, batch->num_rows(), batch->columns());
        });
      }
      partition -= input->num_partitions();
    }
    return Status::IndexError("union partition out of range");
  }

 private:
  std::vector<ExecPtr> inputs_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

ExecPtr MakeUnionExec(std::vector<ExecPtr> inputs, std::shared_ptr<arrow::Schema> schema) {
  return std::make_shared<UnionExec>(std::move(inputs), std::move(schema));
}

}  // namespace ferry
