#include "ferry/function/scalar_function.h"

#include "ferry/expr/expr.h"

namespace ferry {
namespace {

// Evaluates a UDF over a batch and holds it to its declared signature.
class UdfCall final : public PhysicalExpr {
 public:
  UdfCall(std::shared_ptr<const ScalarUdf> udf, std::vector<PhysicalExprPtr> args)
      : PhysicalExpr(udf->return_type()), udf_(std::move(udf)), args_(std::move(args)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    std::vector<std::shared_ptr<arrow::Array>> values;
    values.reserve(args_.size());
    for (const auto& arg : args_) {
      FERRY_ASSIGN_OR_RAISE(auto value, EvaluateToArray(*arg, batch));
      values.push_back(std::move(value));
    }
    FERRY_ASSIGN_OR_RAISE(auto result, udf_->Invoke(values, batch.num_rows()));
    if (result == nullptr) {
      return Status::Invalid("UDF '", udf_->name(), "' returned no array");
    }
    if (!result->type()->Equals(*type())) {
      return Status::TypeError("UDF '", udf_->name(), "' returned ",
                               DisplayTypeName(*result->type()), " but declared ",
                               DisplayTypeName(*type()));
    }
    if (result->length() != batch.num_rows()) {
      return Status::Invalid("UDF '", udf_->name(), "' returned ", result->length(),
                             " rows for a batch of ", batch.num_rows());
    }
    return arrow::Datum(std::move(result));
  }

  std::string ToString() const override {
    std::string out = udf_->name() + "(";
    for (size_t i = 0; i < args_.size(); ++i) {
      if (i) out += ", ";
      out += args_[i]->ToString();
    }
    return out + ")";
  }

 private:
  std::shared_ptr<const ScalarUdf> udf_;
  std::vector<PhysicalExprPtr> args_;
};

}  // namespace

const char* VolatilityName(Volatility v) {
  switch (v) {
    case Volatility::kImmutable:
      return "immutable";
    case Volatility::kStable:
      return "stable";
    case Volatility::kVolatile:
      return "volatile";
  }
  return "?";
}

Result<Volatility> VolatilityFromName(const std::string& name) {
  for (auto v : {Volatility::kImmutable, Volatility::kStable, Volatility::kVolatile}) {
    if (name == VolatilityName(v)) return v;
  }
  return Status::Invalid("volatility must be one of immutable, stable, volatile; got '", name, "'");
}

ScalarUdf::ScalarUdf(std::string name, std::vector<std::shared_ptr<arrow::DataType>> input_types,
                     std::shared_ptr<arrow::DataType> return_type, Volatility volatility)
    : name_(std::move(name)),
      input_types_(std::move(input_types)),
      return_type_(std::move(return_type)),
      volatility_(volatility) {}

Result<PhysicalExprPtr> ScalarUdf::Bind(const std::vector<Expr>& args,
                                        std::vector<PhysicalExprPtr> bound) const {
  if (bound.size() != input_types_.size()) {
    return Status::Invalid("UDF '", name_, "' expects ", input_types_.size(), " argument",
                           input_types_.size() == 1 ? "" : "s", ", got ", bound.size());
  }
  std::vector<PhysicalExprPtr> cast_args;
  cast_args.reserve(bound.size());
  for (size_t i = 0; i < bound.size(); ++i) {
    auto cast = MakeCast(bound[i], input_types_[i],
                         "argument " + std::to_string(i + 1) + " of UDF '" + name_ + "'");
    if (!cast.ok()) {
      return Status::TypeError("UDF '", name_, "' argument ", i + 1, " (", args[i].ToString(),
                               ") is ", DisplayTypeName(*bound[i]->type()), "; declared ",
                               DisplayTypeName(*input_types_[i]));
    }
    cast_args.push_back(*std::move(cast));
  }
  auto self = std::static_pointer_cast<const ScalarUdf>(shared_from_this());
  return std::make_shared<UdfCall>(std::move(self), std::move(cast_args));
}

}  // namespace ferry
