#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/api.h>
#include <arrow/datum.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"

namespace ferry {

/// A bound, typed expression that evaluates over one RecordBatch.
///
/// Immutable after construction and safe to evaluate from many threads at
/// once. Built by BindScalar (bind.h) or by a function's Bind.
class PhysicalExpr {
 public:
  explicit PhysicalExpr(std::shared_ptr<arrow::DataType> type) : type_(std::move(type)) {}
  virtual ~PhysicalExpr() = default;

  const std::shared_ptr<arrow::DataType>& type() const { return type_; }
  /// The result: an array of batch.num_rows() or a scalar standing for all rows.
  virtual Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const = 0;
  virtual std::string ToString() const = 0;
  /// The constant this expression always yields, or nullptr.
  virtual std::shared_ptr<arrow::Scalar> constant() const { return nullptr; }

 private:
  std::shared_ptr<arrow::DataType> type_;
};

using PhysicalExprPtr = std::shared_ptr<const PhysicalExpr>;

PhysicalExprPtr MakeColumnRef(int index, std::string name, std::shared_ptr<arrow::DataType> type);
PhysicalExprPtr MakeLiteral(std::shared_ptr<arrow::Scalar> value);
/// The input column `expr` reads as it is, when it is a plain column reference.
std::optional<int> ColumnIndexOf(const PhysicalExpr& expr);

/// `bound` remembering the logical expression it was bound from; it
/// evaluates, displays and reports its column as `bound` does. BindScalar
/// returns this, so an operator's expressions can travel as their sources
/// and be bound again on the receiver (serde/physical_serde.h).
PhysicalExprPtr WithSource(PhysicalExprPtr bound, Expr source);
/// The logical expression `expr` was bound from (WithSource), or nullptr
/// for one built directly (MakeColumnRef, MakeLiteral, ...).
const Expr* SourceOf(const PhysicalExpr& expr);

/// A call of an Arrow compute function. Its type is resolved by Arrow's own
/// kernel dispatch (implicit casts included), so binding and execution can
/// never disagree. Fails with TypeError naming `display` and the arg types.
Result<PhysicalExprPtr> MakeArrowCall(std::string function, std::vector<PhysicalExprPtr> args,
                                      std::shared_ptr<arrow::compute::FunctionOptions> options,
                                      std::string display);

/// Like MakeArrowCall for a Cast, with CastOptions::Safe semantics.
Result<PhysicalExprPtr> MakeCast(PhysicalExprPtr arg, std::shared_ptr<arrow::DataType> to,
                                 std::string display);

/// Evaluates and broadcasts a scalar result to an array of the batch's length.
Result<std::shared_ptr<arrow::Array>> EvaluateToArray(const PhysicalExpr& expr,
                                                      const arrow::RecordBatch& batch);

}  // namespace ferry
