#include "ferry/function/physical_expr.h"

#include <algorithm>

#include <arrow/array/util.h>

#include "ferry/expr/expr.h"
#include "ferry/function/call_type_memo_internal.h"
#include "ferry/function/physical_expr_display.h"

namespace ferry {
namespace {

class ColumnRef final : public PhysicalExpr {
 public:
  ColumnRef(int index, std::string name, std::shared_ptr<arrow::DataType> type)
      : PhysicalExpr(std::move(type)), index_(index), name_(std::move(name)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    return arrow::Datum(batch.column(index_));
  }
  std::string ToString() const override { return name_ + "@" + std::to_string(index_); }
  int index() const { return index_; }

 private:
  int index_;
  std::string name_;
};

class Literal final : public PhysicalExpr {
 public:
  explicit Literal(std::shared_ptr<arrow::Scalar> value)
      : PhysicalExpr(value->type), value_(std::move(value)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch&) const override {
    return arrow::Datum(value_);
  }
  std::string ToString() const override { return Lit(value_).ToString(); }
  std::shared_ptr<arrow::Scalar> constant() const override { return value_; }

 private:
  std::shared_ptr<arrow::Scalar> value_;
};

class ArrowCall final : public PhysicalExpr {
 public:
  ArrowCall(std::shared_ptr<arrow::DataType> type, std::string function,
            std::vector<PhysicalExprPtr> args,
            std::shared_ptr<arrow::compute::FunctionOptions> options, ExprDisplay display)
      : PhysicalExpr(std::move(type)),
        function_(std::move(function)),
        args_(std::move(args)),
        options_(std::move(options)),
        display_(std::move(display)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    std::vector<arrow::Datum> values;
    values.reserve(args_.size());
    for (const auto& arg : args_) {
      FERRY_ASSIGN_OR_RAISE(auto value, arg->Evaluate(batch));
      values.push_back(std::move(value));
    }
    auto result = arrow::compute::CallFunction(function_, values, options_.get());
    if (!result.ok()) {
      return result.status().WithMessage("evaluating ", display_, ": ",
                                         result.status().message());
    }
    return result;
  }

  std::string ToString() const override {
    std::string out = function_ + "(";
    for (size_t i = 0; i < args_.size(); ++i) {
      if (i) out += ", ";
      out += args_[i]->ToString();
    }
    return out + ")";
  }

 private:
  std::string function_;
  std::vector<PhysicalExprPtr> args_;
  std::shared_ptr<arrow::compute::FunctionOptions> options_;
  ExprDisplay display_;
};

// A bound expression and the logical one it came from; everything but
// SourceOf sees only the bound one.
class SourcedExpr final : public PhysicalExpr {
 public:
  SourcedExpr(PhysicalExprPtr bound, Expr source)
      : PhysicalExpr(bound->type()), bound_(std::move(bound)), source_(std::move(source)) {}

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    return bound_->Evaluate(batch);
  }
  std::string ToString() const override { return bound_->ToString(); }
  std::shared_ptr<arrow::Scalar> constant() const override { return bound_->constant(); }
  const PhysicalExprPtr& bound() const { return bound_; }
  const Expr& source() const { return source_; }

 private:
  PhysicalExprPtr bound_;
  Expr source_;
};

// A zero-row stand-in with the argument's type, to ask Arrow's dispatcher
// what a call would return without computing anything.
Result<arrow::Datum> TypeProbe(const PhysicalExpr& arg) {
  if (auto constant = arg.constant()) return arrow::Datum(constant);
  FERRY_ASSIGN_OR_RAISE(auto empty, arrow::MakeEmptyArray(arg.type()));
  return arrow::Datum(std::move(empty));
}

}  // namespace

std::optional<int> ColumnIndexOf(const PhysicalExpr& expr) {
  if (const auto* ref = dynamic_cast<const ColumnRef*>(&expr)) return ref->index();
  if (const auto* sourced = dynamic_cast<const SourcedExpr*>(&expr)) return ColumnIndexOf(*sourced->bound());
  return std::nullopt;
}

PhysicalExprPtr WithSource(PhysicalExprPtr bound, Expr source) {
  if (const auto* sourced = dynamic_cast<const SourcedExpr*>(bound.get())) {
    return std::make_shared<SourcedExpr>(sourced->bound(), std::move(source));
  }
  return std::make_shared<SourcedExpr>(std::move(bound), std::move(source));
}

const Expr* SourceOf(const PhysicalExpr& expr) {
  const auto* sourced = dynamic_cast<const SourcedExpr*>(&expr);
  return sourced == nullptr ? nullptr : &sourced->source();
}

PhysicalExprPtr MakeColumnRef(int index, std::string name, std::shared_ptr<arrow::DataType> type) {
  return std::make_shared<ColumnRef>(index, std::move(name), std::move(type));
}

PhysicalExprPtr MakeLiteral(std::shared_ptr<arrow::Scalar> value) {
  return std::make_shared<Literal>(std::move(value));
}

Result<PhysicalExprPtr> MakeArrowCall(std::string function, std::vector<PhysicalExprPtr> args,
                                      std::shared_ptr<arrow::compute::FunctionOptions> options,
                                      ExprDisplay display) {
  // Probing runs the kernel on empty arrays: binding the same call again
  // (every decode of a plan rebinds its expressions) asks the memo instead.
  auto& memo = internal::ArrowCallTypeMemo::Instance();
  if (!args.empty() && std::any_of(args.begin(), args.end(),
                                   [](const auto& arg) { return arg->constant() == nullptr; })) {
    if (auto type = memo.Find(function, args, options.get())) {
      return std::make_shared<ArrowCall>(std::move(type), std::move(function), std::move(args),
                                         std::move(options), std::move(display));
    }
  }
  std::vector<arrow::Datum> probes;
  std::string arg_types;
  bool all_constant = !args.empty();
  for (const auto& arg : args) {
    FERRY_ASSIGN_OR_RAISE(auto probe, TypeProbe(*arg));
    probes.push_back(std::move(probe));
    if (!arg_types.empty()) arg_types += ", ";
    arg_types += DisplayTypeName(*arg->type());
    all_constant = all_constant && arg->constant() != nullptr;
  }
  auto probed = arrow::compute::CallFunction(function, probes, options.get());
  if (!probed.ok()) {
    if (probed.status().IsNotImplemented() || probed.status().IsTypeError()) {
      return Status::TypeError("cannot evaluate ", display, " on argument types (", arg_types,
                               "): ", probed.status().message());
    }
    // Constant arguments were really computed: report their failure as is.
    if (all_constant) {
      return probed.status().WithMessage("evaluating ", display, ": ",
                                         probed.status().message());
    }
    return probed.status();
  }
  // Every argument constant: the probe already computed the answer.
  if (all_constant && probed->is_scalar()) return MakeLiteral(probed->scalar());
  if (!all_constant && !args.empty()) memo.Insert(function, args, options, probed->type());
  return std::make_shared<ArrowCall>(probed->type(), std::move(function), std::move(args),
                                     std::move(options), std::move(display));
}

Result<PhysicalExprPtr> MakeCast(PhysicalExprPtr arg, std::shared_ptr<arrow::DataType> to,
                                 ExprDisplay display) {
  if (arg->type()->Equals(*to)) return arg;
  auto options = std::make_shared<arrow::compute::CastOptions>(arrow::compute::CastOptions::Safe(to));
  auto from = arg->type();
  auto cast = MakeArrowCall("cast", {std::move(arg)}, std::move(options), display);
  if (!cast.ok() && (cast.status().IsTypeError() || cast.status().IsNotImplemented())) {
    return Status::TypeError("cannot cast ", DisplayTypeName(*from), " to ",
                             DisplayTypeName(*to), " in ", display);
  }
  return cast;
}

Result<PhysicalExprPtr> MakeArrowCall(std::string function, std::vector<PhysicalExprPtr> args,
                                      std::shared_ptr<arrow::compute::FunctionOptions> options,
                                      std::string display) {
  return MakeArrowCall(std::move(function), std::move(args), std::move(options),
                       ExprDisplay(std::move(display)));
}

Result<PhysicalExprPtr> MakeCast(PhysicalExprPtr arg, std::shared_ptr<arrow::DataType> to,
                                 std::string display) {
  return MakeCast(std::move(arg), std::move(to), ExprDisplay(std::move(display)));
}

Result<std::shared_ptr<arrow::Array>> EvaluateToArray(const PhysicalExpr& expr,
                                                      const arrow::RecordBatch& batch) {
  FERRY_ASSIGN_OR_RAISE(auto value, expr.Evaluate(batch));
  if (value.is_array()) return value.make_array();
  if (value.is_scalar()) {
    return arrow::MakeArrayFromScalar(*value.scalar(), batch.num_rows());
  }
  return Status::Invalid("expression ", expr.ToString(), " produced a ", value.ToString(),
                         ", not an array");
}

}  // namespace ferry
