#include <arrow/compute/api.h>

#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/selection.h"

namespace ferry {
namespace {

class FilterExec final : public ExecutionPlan {
 public:
  FilterExec(ExecPtr input, PhysicalExprPtr predicate, std::optional<std::vector<int>> keep)
      : input_(std::move(input)), predicate_(std::move(predicate)), keep_(std::move(keep)) {
    schema_ = input_->schema();
    if (keep_) {
      arrow::FieldVector fields;
      for (int i : *keep_) fields.push_back(schema_->field(i));
      schema_ = arrow::schema(std::move(fields));
    }
  }

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return input_->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {input_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeFilterExec(std::move(children[0]), predicate_, keep_);
  }
  std::string Describe() const override {
    std::string out = "FilterExec: " + predicate_->ToString();
    if (keep_) {
      out += ", projection=[";
      for (int i = 0; i < schema_->num_fields(); ++i) out += (i ? ", " : "") + schema_->field(i)->name();
      out += "]";
    }
    return out;
  }

  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(FilterInfo{predicate_, keep_});
  }

  Partitioning output_partitioning() const override {
    if (!keep_) return input_->output_partitioning();
    std::vector<int> to_output(input_->schema()->num_fields(), -1);
    for (size_t i = 0; i < keep_->size(); ++i) to_output[(*keep_)[i]] = static_cast<int>(i);
    return RemapPartitioning(input_->output_partitioning(), to_output);
  }

  Result<StreamPtr> Execute(int partition) const override {
    FERRY_ASSIGN_OR_RAISE(auto input, input_->Execute(partition));
    return MakeMapStream(std::move(input), [this](const BatchPtr& batch) -> Result<BatchPtr> {
      FERRY_ASSIGN_OR_RAISE(auto mask, predicate_->Evaluate(*batch));
      BatchPtr kept = batch;
      if (keep_) {
        FERRY_ASSIGN_OR_RAISE(kept, batch->SelectColumns(*keep_));
      }
      if (mask.is_scalar()) {
        const auto& pass = static_cast<const arrow::BooleanScalar&>(*mask.scalar());
        return pass.is_valid && pass.value ? kept : nullptr;
      }
      // NULL counts as false, as in SQL WHERE.
      FERRY_ASSIGN_OR_RAISE(auto out, FilterRecordBatch(*kept, *mask.array_as<arrow::BooleanArray>()));
      return out->num_rows() > 0 ? out : nullptr;
    });
  }

 private:
  ExecPtr input_;
  PhysicalExprPtr predicate_;
  std::optional<std::vector<int>> keep_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

ExecPtr MakeFilterExec(ExecPtr input, PhysicalExprPtr predicate,
                       std::optional<std::vector<int>> keep) {
  return std::make_shared<FilterExec>(std::move(input), std::move(predicate), std::move(keep));
}

}  // namespace ferry
