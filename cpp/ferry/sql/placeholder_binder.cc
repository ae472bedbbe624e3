// A value placeholder binds to its value. Like DataFusion, which infers a
// placeholder's type from what it is compared with, a value compared with a
// column takes the column's type when it converts exactly (`int_col = $1`
// with 2 compares Int32s; `date_col < $1` with '2024-01-31' compares dates);
// otherwise it keeps its own type, and an impossible comparison is the
// usual "operator does not exist" error.

#include <arrow/compute/cast.h>

#include "ferry/function/bind.h"
#include "ferry/sql/binder_internal.h"

namespace ferry::sql {

const Placeholder* QueryBinder::FindPlaceholder(int number) const {
  if (placeholders_ == nullptr) return nullptr;
  auto it = placeholders_->find(number);
  return it == placeholders_->end() ? nullptr : &it->second;
}

Result<Expr> ExprBinder::BindParamRef(const pg_query::ParamRef& ref) {
  // ResolvePlaceholders gave every placeholder of the text a value; this is
  // reached without one only through a caller that skipped it.
  const Placeholder* placeholder = query_.FindPlaceholder(ref.number());
  if (placeholder == nullptr) {
    return Status::Invalid("no value for placeholder $", ref.number(), query_.At(ref.location()),
                           "; pass it in param_values");
  }
  return placeholder->value;
}

Expr ExprBinder::AdoptType(const pg_query::Node& node, Expr bound, const Expr& other) {
  if (!node.has_param_ref() || ctx_.input == nullptr || ctx_.input->plan == nullptr) return bound;
  const auto* literal = bound.As<LiteralNode>();
  if (literal == nullptr || HasOuterReference(other)) return bound;
  auto field = OutputField(other, *ctx_.input->plan->schema);
  if (!field.ok() || (*field)->type()->id() == arrow::Type::NA) return bound;
  const auto& type = (*field)->type();
  if (literal->value->type->Equals(*type)) return bound;
  // Safe casts refuse truncation and overflow (2.5 to an integer, 300 to
  // Int8), so the comparison keeps its meaning.
  auto cast = arrow::compute::Cast(arrow::Datum(literal->value), type, arrow::compute::CastOptions::Safe());
  if (!cast.ok() || !cast->is_scalar()) return bound;
  return Lit(cast->scalar());
}

}  // namespace ferry::sql
