#include "ferry/function/scalar_subquery_value.h"

#include <arrow/compute/api.h>

namespace ferry {
namespace {

class CheckedValue final : public PhysicalExpr {
 public:
  CheckedValue(PhysicalExprPtr value, PhysicalExprPtr row_count, std::string description)
      : PhysicalExpr(value->type()),
        value_(std::move(value)),
        row_count_(std::move(row_count)),
        description_(std::move(description)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    FERRY_ASSIGN_OR_RAISE(auto counts, row_count_->Evaluate(batch));
    FERRY_ASSIGN_OR_RAISE(auto most, arrow::compute::CallFunction("max", {counts}));
    FERRY_ASSIGN_OR_RAISE(auto limit, most.scalar()->CastTo(arrow::int64()));
    const auto& max = static_cast<const arrow::Int64Scalar&>(*limit);
    if (max.is_valid && max.value > 1) {
      return Status::ExecutionError("more than one row returned by a subquery used as an expression (",
                                    description_, ")");
    }
    return value_->Evaluate(batch);
  }

  std::string ToString() const override {
    return "scalar_subquery_value(" + value_->ToString() + ", " + row_count_->ToString() + ")";
  }

 private:
  PhysicalExprPtr value_;
  PhysicalExprPtr row_count_;
  std::string description_;
};

class ScalarSubqueryValue final : public ScalarFunction {
 public:
  const std::string& name() const override { return name_; }

  Result<PhysicalExprPtr> Bind(const std::vector<Expr>& args,
                               std::vector<PhysicalExprPtr> bound) const override {
    if (bound.size() != 3) {
      return Status::Invalid(name_, " expects 3 arguments (value, row count, description), got ",
                             bound.size());
    }
    if (!arrow::is_integer(bound[1]->type()->id())) {
      return Status::TypeError(name_, ": the row count must be an integer, got ",
                               bound[1]->type()->ToString());
    }
    auto description = bound[2]->constant();
    if (description == nullptr || !arrow::is_string(description->type->id()) || !description->is_valid) {
      return Status::TypeError(name_, ": the description must be a non-null string literal");
    }
    const auto& text = static_cast<const arrow::BaseBinaryScalar&>(*description);
    return std::make_shared<CheckedValue>(std::move(bound[0]), std::move(bound[1]),
                                          std::string(text.view()));
  }

 private:
  std::string name_ = "scalar_subquery_value";
};

}  // namespace

std::shared_ptr<const ScalarFunction> MakeScalarSubqueryValue() {
  return std::make_shared<ScalarSubqueryValue>();
}

}  // namespace ferry
