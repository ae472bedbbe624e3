#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "ferry/function/physical_expr.h"

namespace ferry {

/// How an error names a call: a fixed text, or the logical expression the
/// call was bound from, whose text (Expr::ToString) is built only when an
/// error asks for it. Building every call's text up front was a third of
/// rebinding a decoded plan's expressions, for errors that rarely come.
class ExprDisplay {
 public:
  explicit ExprDisplay(std::string text) : text_(std::move(text)) {}
  explicit ExprDisplay(Expr source) : source_(std::move(source)) {}

  std::string str() const { return source_ ? source_->ToString() : text_; }
  friend std::ostream& operator<<(std::ostream& out, const ExprDisplay& display) {
    return out << display.str();
  }

 private:
  std::string text_;
  std::optional<Expr> source_;
};

/// MakeArrowCall and MakeCast (physical_expr.h) naming the call by `display`.
Result<PhysicalExprPtr> MakeArrowCall(std::string function, std::vector<PhysicalExprPtr> args,
                                      std::shared_ptr<arrow::compute::FunctionOptions> options,
                                      ExprDisplay display);
Result<PhysicalExprPtr> MakeCast(PhysicalExprPtr arg, std::shared_ptr<arrow::DataType> to,
                                 ExprDisplay display);

}  // namespace ferry
