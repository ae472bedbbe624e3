#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/datum.h>
#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"
#include "ferry/function/physical_expr.h"

namespace ferry {

/// How often a function's result may change for the same input.
enum class Volatility { kImmutable, kStable, kVolatile };

const char* VolatilityName(Volatility v);
Result<Volatility> VolatilityFromName(const std::string& name);

/// A scalar function: one output row per input row.
///
/// Implementations are immutable and thread-safe; one instance is shared by
/// every Expr that calls it.
class ScalarFunction : public std::enable_shared_from_this<ScalarFunction> {
 public:
  virtual ~ScalarFunction() = default;
  virtual const std::string& name() const = 0;
  virtual Volatility volatility() const { return Volatility::kImmutable; }
  /// Checks a call's arguments and returns its evaluable form. `args` are
  /// the call's expressions (for arguments that must be literals), `bound`
  /// their bound forms. Errors name the function and what is wrong.
  virtual Result<PhysicalExprPtr> Bind(const std::vector<Expr>& args,
                                       std::vector<PhysicalExprPtr> bound) const = 0;
};

/// A user-defined scalar function with a declared signature, evaluated a
/// batch at a time. Arguments are cast to the declared input types; the
/// result is checked for the declared type and the batch's length.
class ScalarUdf : public ScalarFunction {
 public:
  ScalarUdf(std::string name, std::vector<std::shared_ptr<arrow::DataType>> input_types,
            std::shared_ptr<arrow::DataType> return_type, Volatility volatility);

  const std::string& name() const override { return name_; }
  Volatility volatility() const override { return volatility_; }
  const std::vector<std::shared_ptr<arrow::DataType>>& input_types() const { return input_types_; }
  const std::shared_ptr<arrow::DataType>& return_type() const { return return_type_; }

  /// Computes the function over `args` (arrays of `num_rows`, already of
  /// the declared input types). May be called concurrently.
  virtual Result<std::shared_ptr<arrow::Array>> Invoke(
      const std::vector<std::shared_ptr<arrow::Array>>& args, int64_t num_rows) const = 0;

  Result<PhysicalExprPtr> Bind(const std::vector<Expr>& args,
                               std::vector<PhysicalExprPtr> bound) const override;

 private:
  std::string name_;
  std::vector<std::shared_ptr<arrow::DataType>> input_types_;
  std::shared_ptr<arrow::DataType> return_type_;
  Volatility volatility_;
};

}  // namespace ferry
