// Constant folding and boolean simplification of filter predicates and
// projected expressions. Folding evaluates with the same bound expressions
// execution uses, so a folded literal is exactly what every row would get.

#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/optimizer.h"

namespace ferry {
namespace {

// Whether `expr` has the same value for every row: no columns, nothing
// volatile, nothing only an aggregate or a window can compute.
bool IsConstant(const Expr& expr) {
  if (expr.As<ColumnNode>() || expr.As<AggregateCallNode>() || expr.As<WindowNode>() ||
      expr.As<WindowCallNode>() || expr.As<WildcardNode>() || expr.As<SortNode>() ||
      expr.As<AliasNode>()) {
    return false;
  }
  if (IsVolatile(expr)) return false;
  for (const auto& child : Children(expr)) {
    if (!IsConstant(child)) return false;
  }
  return true;
}

// The literal a constant expression evaluates to; nullopt when evaluating
// fails (1 / 0, a bad cast): the error is then left for execution, which
// may never reach a row that evaluates it.
std::optional<Expr> Fold(const Expr& expr) {
  static const auto kNoColumns = arrow::schema({});
  auto bound = BindScalar(expr, *kNoColumns);
  if (!bound.ok()) return std::nullopt;
  auto one_row = arrow::RecordBatch::Make(kNoColumns, 1, arrow::ArrayVector{});
  auto value = (*bound)->Evaluate(*one_row);
  if (!value.ok()) return std::nullopt;
  std::shared_ptr<arrow::Scalar> scalar;
  if (value->is_scalar()) {
    scalar = value->scalar();
  } else if (value->is_array() && value->length() == 1) {
    auto element = value->make_array()->GetScalar(0);
    if (!element.ok()) return std::nullopt;
    scalar = *element;
  }
  if (scalar == nullptr || !scalar->type->Equals(*(*bound)->type())) return std::nullopt;
  return Lit(std::move(scalar));
}

// Kleene-logic identities: false AND x is false and true OR x is true even
// when x is NULL, so x may go; x AND true and x OR false are x.
std::optional<Expr> SimplifyBoolean(const Expr& expr) {
  if (const auto* binary = expr.As<BinaryNode>()) {
    auto left = AsBoolLiteral(binary->left), right = AsBoolLiteral(binary->right);
    if (binary->op == Operator::kAnd) {
      if (left == false || right == false) return BoolLit(false);
      if (left == true) return binary->right;
      if (right == true) return binary->left;
    }
    if (binary->op == Operator::kOr) {
      if (left == true || right == true) return BoolLit(true);
      if (left == false) return binary->right;
      if (right == false) return binary->left;
    }
  }
  if (const auto* outer = expr.As<NotNode>()) {
    if (const auto* inner = outer->expr.As<NotNode>()) return inner->expr;
  }
  return std::nullopt;
}

}  // namespace

Expr SimplifyExpr(const Expr& expr) {
  auto children = Children(expr);
  Expr out = expr;
  if (!children.empty()) {
    for (auto& child : children) child = SimplifyExpr(child);
    out = WithNewChildren(expr, std::move(children));
  }
  // NOT NOT x may uncover more to simplify; each step shrinks the tree.
  while (auto simpler = SimplifyBoolean(out)) out = *simpler;
  if (!out.As<LiteralNode>() && IsConstant(out)) {
    if (auto folded = Fold(out)) out = *folded;
  }
  return out;
}

namespace {

// A projected expression keeps its column name when simplified.
Expr SimplifyNamed(const Expr& expr) {
  auto simplified = SimplifyExpr(expr);
  if (simplified.SchemaName() == expr.SchemaName()) return simplified;
  return Alias(Unaliased(simplified), expr.SchemaName());
}

Result<PlanPtr> Simplify(const PlanPtr& plan) {
  std::vector<PlanPtr> inputs;
  for (const auto& input : plan->inputs()) {
    FERRY_ASSIGN_OR_RAISE(auto simplified, Simplify(input));
    inputs.push_back(std::move(simplified));
  }
  if (const auto* n = plan->As<FilterNode>()) {
    auto predicate = SimplifyExpr(n->predicate);
    // Keeping every row: the filter goes. Keeping none stays a filter (there
    // is no empty-relation node) of a literal.
    if (AsBoolLiteral(predicate) == true) return inputs[0];
    return plan::Filter(inputs[0], std::move(predicate));
  }
  if (const auto* n = plan->As<ProjectionNode>()) {
    ProjectionNode copy{inputs[0], {}};
    for (const auto& expr : n->exprs) copy.exprs.push_back(SimplifyNamed(expr));
    return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(copy), plan->schema});
  }
  return WithNewInputs(plan, std::move(inputs));
}

}  // namespace

Result<PlanPtr> SimplifyExpressions(const PlanPtr& plan) { return Simplify(plan); }

}  // namespace ferry
