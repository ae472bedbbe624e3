#include <arrow/compute/api.h>

#include "ferry/exec/operators.h"

namespace ferry {
namespace {

class FilterExec final : public ExecutionPlan {
 public:
  FilterExec(ExecPtr input, PhysicalExprPtr predicate)
      : input_(std::move(input)), predicate_(std::move(predicate)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return input_->schema(); }
  int num_partitions() const override { return input_->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {input_}; }
  std::string Describe() const override { return "FilterExec: " + predicate_->ToString(); }

  Result<StreamPtr> Execute(int partition) const override {
    FERRY_ASSIGN_OR_RAISE(auto input, input_->Execute(partition));
    return MakeMapStream(std::move(input), [this](const BatchPtr& batch) -> Result<BatchPtr> {
      FERRY_ASSIGN_OR_RAISE(auto mask, predicate_->Evaluate(*batch));
      if (mask.is_scalar()) {
        const auto& keep = static_cast<const arrow::BooleanScalar&>(*mask.scalar());
        return keep.is_valid && keep.value ? batch : nullptr;
      }
      // NULL counts as false, as in SQL WHERE.
      FERRY_ASSIGN_OR_RAISE(auto filtered, arrow::compute::Filter(batch, mask));
      auto out = filtered.record_batch();
      return out->num_rows() > 0 ? out : nullptr;
    });
  }

 private:
  ExecPtr input_;
  PhysicalExprPtr predicate_;
};

}  // namespace

ExecPtr MakeFilterExec(ExecPtr input, PhysicalExprPtr predicate) {
  return std::make_shared<FilterExec>(std::move(input), std::move(predicate));
}

}  // namespace ferry
